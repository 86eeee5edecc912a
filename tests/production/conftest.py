"""A production world: the national PKI, a personalisation machine key, stations in two provinces and
applications ready for production with a real enrolled portrait."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cancuoc.production import fileformat
from tests.cardworld import ready_application, station_of
from tests.factories import CitizenFactory


@pytest.fixture
def pki_dir(tmp_path, monkeypatch, officers):
    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "pki"))
    monkeypatch.setenv("CANCUOC_PKI_PASSPHRASE", "a test passphrase")
    call_command("pki", "init", "--user", "admin")
    return tmp_path


@pytest.fixture
def machine_key(tmp_path, settings, monkeypatch):
    """The personalisation machine's key pair; its public key configured under the var dir."""
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.delenv("CANCUOC_PRODUCTION_MACHINE_KEY", raising=False)
    private_pem, public_pem = fileformat.generate_machine_key()
    from cancuoc.production import running

    running.install_machine_key(public_pem)
    return fileformat.load_private_key(private_pem)


@pytest.fixture
def production(world, officers, pki_dir, machine_key):
    """Stations in Hưng Yên (two communes) and Hà Nội, each with ready applications."""
    stations = {
        "thai_thuy": station_of(world.thai_thuy),
        "dong_thuy_anh": station_of(world.dong_thuy_anh),
        "ba_dinh": station_of(world.ba_dinh),
    }
    return {"world": world, "officers": officers, "stations": stations, "machine_key": machine_key}


def make_ready(production, station: str, count: int, *, kind: str = "first", **citizen):
    officer = production["officers"]["hung_yen"]
    unit = production["stations"][station].unit
    return [
        ready_application(CitizenFactory(permanent_unit=unit, **citizen), production["stations"][station], officer,
                          kind=kind)
        for _ in range(count)
    ]  # fmt: skip
