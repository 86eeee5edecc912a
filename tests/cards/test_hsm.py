"""The PKCS#11 signer against SoftHSM: keys generated on the token and never extractable; CSCA, DS,
CRL and EF.SOD signed by the token verify with `cryptography`, our verifier and OpenSSL; the keystore
and the `cancuoc pki` / `cancuoc card` commands work with the token as the key store."""

import datetime as dt
import json
import os
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from cancuoc.icao import hsm, pki
from cancuoc.icao.personalisation import Holder, personalise
from cancuoc.icao.portrait import placeholder_portrait
from cancuoc.icao.verify import load_certificates, verify_files
from tests.factories import CitizenFactory

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
PIN = "246810"


@pytest.fixture(scope="session")
def token(tmp_path_factory):
    """A fresh SoftHSM token in a temporary folder."""
    if hsm.softhsm_module() is None:
        message = "SoftHSM is not installed (run `make system-packages` as root)"
        if os.environ.get("CANCUOC_REQUIRE_E2E"):
            pytest.fail(message + "; CANCUOC_REQUIRE_E2E=1")
        pytest.skip(message)
    return hsm.create_softhsm_token(tmp_path_factory.mktemp("softhsm"), "cancuoc-test", PIN, "13579135")


@pytest.fixture(scope="session")
def hsm_pki(token):
    csca_signer = hsm.Pkcs11Signer.generate(token, "test-csca", pki.CSCA_CURVE)
    csca = pki.make_csca(csca_signer, now=NOW)
    ds_signer = hsm.Pkcs11Signer.generate(token, "test-ds", pki.DS_CURVE)
    ds = pki.make_document_signer(csca_signer, csca, ds_signer.public_key(), now=NOW)
    return csca_signer, csca, ds_signer, ds


def test_keys_on_the_token_are_sensitive_and_not_extractable(hsm_pki, token):
    from pkcs11 import Attribute, KeyType, ObjectClass

    csca_signer, _csca, ds_signer, _ds = hsm_pki
    assert not csca_signer.private_key_is_extractable() and not ds_signer.private_key_is_extractable()
    private = token.session().get_key(ObjectClass.PRIVATE_KEY, KeyType.EC, label="test-ds")
    import pkcs11

    with pytest.raises(pkcs11.PKCS11Error):  # the token refuses to reveal the private value
        private[Attribute.VALUE]


def test_certificates_and_crl_signed_on_the_token_verify(hsm_pki):
    csca_signer, csca, _ds_signer, ds = hsm_pki
    csca.verify_directly_issued_by(csca)
    ds.verify_directly_issued_by(csca)
    assert ds.signature_hash_algorithm.name == "sha384"
    crl = pki.make_crl(csca_signer, csca, [(ds.serial_number, NOW)], now=NOW)
    assert crl.is_signature_valid(csca.public_key())
    assert crl.get_revoked_certificate_by_serial_number(ds.serial_number) is not None


def test_a_card_signed_on_the_token_passes_our_verifier_and_openssl(hsm_pki, tmp_path):
    _csca_signer, csca, ds_signer, ds = hsm_pki
    holder = Holder("001090012345", "Nguyễn", "Văn", "An", dt.date(1990, 3, 15), "M", place_of_residence="Hà Nội")
    card = personalise(holder, issue_date=dt.date(2026, 11, 2), portrait=placeholder_portrait("M"), ds_signer=ds_signer,
                       ds_certificate_der=ds.public_bytes(serialization.Encoding.DER))  # fmt: skip
    report = verify_files(card.files, trusted=load_certificates(csca.public_bytes(serialization.Encoding.PEM)), at=NOW)
    assert report.ok, report.as_dict()
    sod = card.files["EF_SOD.bin"]
    (tmp_path / "sod.der").write_bytes(sod[2 + (sod[1] & 0x7F if sod[1] & 0x80 else 0):])  # CMS inside tag 77
    (tmp_path / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "sod.der"),
                             "-CAfile", str(tmp_path / "csca.pem"), "-purpose", "any", "-out", os.devnull],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_a_signature_by_another_key_does_not_verify(hsm_pki, token):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    _csca_signer, _csca, ds_signer, _ds = hsm_pki
    signature = ds_signer.sign(b"EF.SOD bytes", hashes.SHA256())
    ds_signer.public_key().verify(signature, b"EF.SOD bytes", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        ds_signer.public_key().verify(signature, b"other bytes", ec.ECDSA(hashes.SHA256()))


def test_wrong_pin_missing_key_and_duplicate_label_are_clear_errors(hsm_pki, token):
    with pytest.raises(hsm.HsmError, match="wrong token PIN"):
        hsm.Pkcs11Token(token.module_path, token.token_label, "000000").session()
    with pytest.raises(hsm.HsmError, match="no key labelled so"):
        hsm.Pkcs11Signer(token, "no-such-key").public_key()
    with pytest.raises(hsm.HsmError, match="already holds a key"):
        hsm.Pkcs11Signer.generate(token, "test-ds", pki.DS_CURVE)


@pytest.fixture
def hsm_keystore(token, tmp_path, monkeypatch):
    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "pki"))
    monkeypatch.setenv("CANCUOC_PKI_BACKEND", "pkcs11")
    monkeypatch.setenv("CANCUOC_PKCS11_MODULE", token.module_path)
    monkeypatch.setenv("CANCUOC_PKCS11_TOKEN", token.token_label)
    monkeypatch.setenv("CANCUOC_PKCS11_PIN", PIN)
    return tmp_path


def test_pki_commands_keep_every_private_key_on_the_token(hsm_keystore, officers, world, capsys):
    call_command("pki", "init", "--user", "admin")
    assert "PKCS#11" in capsys.readouterr().out
    folder = hsm_keystore / "pki"
    assert not list(folder.glob("*.key.pem"))  # no key material on disk
    state = json.loads((folder / "state.json").read_text())
    assert state["backend"] == "pkcs11" and state["csca_key"].startswith("csca-")
    call_command("pki", "rotate-ds", "--user", "admin")
    CitizenFactory(id_number="034090000011", permanent_unit=world.thai_thuy)
    out = hsm_keystore / "card"
    call_command("card", "personalise", "--citizen", "034090000011", "--out", str(out), "--user", "admin", "--no-faces")
    call_command("pki", "export", "--out", str(hsm_keystore / "csca.pem"))
    trusted = load_certificates((hsm_keystore / "csca.pem").read_bytes())
    files = {p.name: p.read_bytes() for p in out.iterdir()}
    assert verify_files(files, trusted=trusted).ok
    state = json.loads((folder / "state.json").read_text())
    call_command("pki", "revoke-ds", state["current"], "--user", "admin")
    call_command("pki", "crl", "--out", str(hsm_keystore / "crl.pem"), "--user", "production")
    from cryptography import x509

    crl = x509.load_pem_x509_crl((hsm_keystore / "crl.pem").read_bytes())
    csca = x509.load_pem_x509_certificate((hsm_keystore / "csca.pem").read_bytes())
    assert crl.is_signature_valid(csca.public_key())
    assert crl.get_revoked_certificate_by_serial_number(int(state["current"], 16)) is not None


def test_a_file_keystore_is_not_read_as_a_token_one(hsm_keystore, monkeypatch, officers):
    monkeypatch.setenv("CANCUOC_PKI_BACKEND", "file")
    call_command("pki", "init", "--user", "admin")
    monkeypatch.setenv("CANCUOC_PKI_BACKEND", "pkcs11")
    with pytest.raises(CommandError, match="held by backend 'file'"):
        call_command("pki", "rotate-ds", "--user", "admin")


def test_a_missing_pin_is_named(hsm_keystore, monkeypatch, officers):
    monkeypatch.delenv("CANCUOC_PKCS11_PIN")
    with pytest.raises(CommandError, match="CANCUOC_PKCS11_PIN"):
        call_command("pki", "init", "--user", "admin")
