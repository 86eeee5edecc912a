import pytest
from django.core.management import call_command


@pytest.fixture
def pki_dir(tmp_path, monkeypatch, officers):
    """A keystore initialised by the national admin in ``tmp_path / "pki"``; returns ``tmp_path``."""
    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "pki"))
    monkeypatch.setenv("CANCUOC_PKI_PASSPHRASE", "a test passphrase")
    call_command("pki", "init", "--user", "admin")
    return tmp_path
