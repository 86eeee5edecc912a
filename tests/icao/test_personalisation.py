import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cancuoc.icao import biometrics, lds, pki
from cancuoc.icao.personalisation import CHIP_AA_KEY_FILE, Holder, personalise
from cancuoc.icao.verify import load_certificates, verify_files

from .conftest import NOW, der

HOLDER = Holder("001090012345", "Nguyễn", "Văn", "An", dt.date(1990, 3, 15), "M", ethnicity="Kinh",
                place_of_residence="Phường Ba Đình, Thành phố Hà Nội", father_name="Nguyễn Văn Bình",
                mother_name="Lê Thị Hòa")  # fmt: skip
PORTRAIT = biometrics.FaceImage(b"\xff\xd8\xff\xe0portrait\xff\xd9", biometrics.JPEG, 413, 531)


@pytest.fixture(scope="module")
def card_and_csca(national_pki):
    _csca_signer, csca, ds_signer, ds = national_pki
    card = personalise(HOLDER, issue_date=dt.date(2026, 11, 2), portrait=PORTRAIT, ds_signer=ds_signer,
                       ds_certificate_der=der(ds))  # fmt: skip
    return card, csca


def test_a_personalised_card_is_complete_and_verifies(card_and_csca):
    card, csca = card_and_csca
    assert set(card.files) >= {"EF_COM.bin", "DG1.bin", "DG2.bin", "DG13.bin", "DG14.bin", "DG15.bin", "EF_SOD.bin",
                               "mrz.txt", "qr.txt"}  # fmt: skip
    assert card.expiry == dt.date(2030, 3, 15)  # issued at 36: valid to the 40th birthday
    assert card.mrz_lines[0] == "IDVNM0900123450001090012345<<1"
    assert card.qr_payload.startswith("001090012345||Nguyễn Văn An|15031990|Nam|")
    trusted = load_certificates(csca.public_bytes(serialization.Encoding.PEM))
    report = verify_files(card.files, trusted=trusted, at=NOW + dt.timedelta(days=2))
    statuses = {check.name: check.status for check in report.checks}
    assert report.ok, report.checks
    for name in ("signature", "chain", "DG1 hash", "DG2 hash", "DG13 hash", "DG14 hash", "DG15 hash",
                 "MRZ check digits", "DG1 = printed MRZ", "QR = DG13", "active authentication"):  # fmt: skip
        assert statuses[name] == "pass", name
    assert lds.parse_dg13(card.files["DG13.bin"])["parents"] == ("Nguyễn Văn Bình", "Lê Thị Hòa")


def test_each_card_has_its_own_aa_key(card_and_csca):
    card, _csca = card_and_csca
    other = personalise(HOLDER, issue_date=dt.date(2026, 11, 2), portrait=PORTRAIT,
                        ds_signer=pki.SoftwareSigner.generate(), ds_certificate_der=card_ds(card))  # fmt: skip
    assert other.files["DG15.bin"] != card.files["DG15.bin"]


def card_ds(card):
    from cancuoc.icao.sod import parse_sod

    return parse_sod(card.files["EF_SOD.bin"]).certificate.dump()


def test_a_forged_chip_fails_active_authentication_and_a_changed_printout_fails(card_and_csca):
    card, csca = card_and_csca
    trusted = load_certificates(csca.public_bytes(serialization.Encoding.PEM))
    impostor = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())  # fmt: skip
    forged = verify_files(
        {**card.files, CHIP_AA_KEY_FILE: impostor}, trusted=trusted, at=NOW + dt.timedelta(days=2)
    )
    assert {c.name: c.status for c in forged.checks}["active authentication"] == "fail"
    printed = card.files["mrz.txt"].replace(b"NGUYEN", b"NGUYEM")
    altered = verify_files({**card.files, "mrz.txt": printed}, trusted=trusted, at=NOW + dt.timedelta(days=2))
    assert {c.name: c.status for c in altered.checks}["DG1 = printed MRZ"] == "fail"
