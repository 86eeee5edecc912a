import datetime as dt
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cancuoc.icao import biometrics, lds, pki
from cancuoc.icao.sod import build_sod, parse_sod
from cancuoc.icao.verify import load_certificates, load_crls, verify_files

from .conftest import NOW

FACE = biometrics.FaceImage(b"\xff\xd8\xff\xe0portrait\xff\xd9", biometrics.JPEG, 413, 531)


def card_files(national_pki):
    _csca_signer, _csca, ds_signer, ds = national_pki
    aa_key = pki.SoftwareSigner.generate().public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip
    dgs = {1: lds.encode_dg1(["IDVNM0900123450001090012345<<1", "9003152M3003150VNM<<<<<<<<<<<2",
                              "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"]),
           2: biometrics.encode_dg2(FACE),
           13: lds.encode_dg13({"id_number": "001090012345", "full_name": "Nguyễn Văn An"}),
           15: biometrics.encode_dg15(aa_key)}  # fmt: skip
    sod = build_sod(dgs, ds_signer, ds.public_bytes(serialization.Encoding.DER), signing_time=NOW)
    return {"EF_SOD.bin": sod, "EF_COM.bin": lds.encode_ef_com(list(dgs))} | {
        f"DG{n}.bin": c for n, c in dgs.items()
    }


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_our_sod_passes_our_verifier(national_pki):
    _s, csca, _d, _ds = national_pki
    report = verify_files(card_files(national_pki), trusted=load_certificates(pem(csca)), at=NOW)
    assert report.ok, report.checks
    assert parse_sod(card_files(national_pki)["EF_SOD.bin"]).hash_algorithm == "sha256"


def test_a_revoked_ds_and_an_expired_one_fail(national_pki):
    csca_signer, csca, _d, ds = national_pki
    crl = pki.make_crl(csca_signer, csca, [(ds.serial_number, NOW)], now=NOW)
    crls = load_crls(crl.public_bytes(serialization.Encoding.PEM))
    report = verify_files(card_files(national_pki), trusted=load_certificates(pem(csca)), crls=crls,
                          at=NOW + dt.timedelta(days=1))  # fmt: skip
    assert {c.name: c.status for c in report.checks}["revocation"] == "fail"
    late = verify_files(
        card_files(national_pki), trusted=load_certificates(pem(csca)), at=NOW + dt.timedelta(days=365 * 50)
    )
    assert {c.name: c.status for c in late.checks}["ds validity"] == "fail"


def test_a_ds_from_an_untrusted_csca_fails(national_pki):
    other = pki.make_csca(pki.SoftwareSigner.generate(pki.CSCA_CURVE), now=NOW)
    report = verify_files(card_files(national_pki), trusted=load_certificates(pem(other)), at=NOW)
    assert {c.name: c.status for c in report.checks}["chain"] == "fail"


def test_private_keys_are_only_written_encrypted():
    signer = pki.SoftwareSigner.generate()
    stored = signer.encrypted_pem(b"correct horse battery staple")
    assert b"ENCRYPTED PRIVATE KEY" in stored
    with pytest.raises((TypeError, ValueError)):
        serialization.load_pem_private_key(stored, password=None)
    again = pki.SoftwareSigner.from_encrypted_pem(stored, b"correct horse battery staple")
    assert again.public_key().public_numbers() == signer.public_key().public_numbers()


def test_certificate_profile(national_pki):
    _s, csca, _d, ds = national_pki
    assert csca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert csca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert ds.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert ds.issuer == csca.subject


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_sods_we_produce(national_pki, tmp_path):
    _s, csca, _d, _ds = national_pki
    sod = card_files(national_pki)["EF_SOD.bin"]
    outer, _rest = lds.parse_tlv(sod)
    (tmp_path / "sod.p7").write_bytes(outer.value)
    (tmp_path / "csca.pem").write_bytes(pem(csca))
    result = subprocess.run(
        ["openssl", "cms", "-verify", "-inform", "DER", "-in", str(tmp_path / "sod.p7"), "-CAfile",
         str(tmp_path / "csca.pem"), "-binary", "-out", str(tmp_path / "econtent.der"), "-attime", str(int(NOW.timestamp()) + 60),
         "-purpose", "any"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert (tmp_path / "econtent.der").read_bytes() == parse_sod(sod).econtent
