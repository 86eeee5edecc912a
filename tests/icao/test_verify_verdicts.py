"""The verdict of the verifier: which missing data groups, missing DG15 and missing trust make a card NOT VALID,
for our cards and for foreign documents (a test CSCA of another country, built here)."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from cancuoc.icao import biometrics, lds, pki
from cancuoc.icao.personalisation import CHIP_AA_KEY_FILE, Holder, personalise
from cancuoc.icao.sod import build_sod
from cancuoc.icao.verify import load_certificates, load_crls, verify_files

from .conftest import NOW, der

AT = NOW + dt.timedelta(days=2)
HOLDER = Holder("001090012345", "Nguyễn", "Văn", "An", dt.date(1990, 3, 15), "M")
FACE = biometrics.FaceImage(b"\xff\xd8\xff\xe0portrait\xff\xd9", biometrics.JPEG, 413, 531)
MRZ = ("IDD<<T220001293<<<<<<<<<<<<<<<", "6408125F3010312D<<<<<<<<<<<<<2", "MUSTERMANN<<ERIKA<<<<<<<<<<<<<")


def pem(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def statuses(report) -> dict[str, str]:
    return {check.name: check.status for check in report.checks}


@pytest.fixture(scope="module")
def our_card(national_pki):
    _csca_signer, csca, ds_signer, ds = national_pki
    card = personalise(HOLDER, issue_date=dt.date(2026, 11, 2), portrait=FACE, ds_signer=ds_signer,
                       ds_certificate_der=der(ds))  # fmt: skip
    return card.files, load_certificates(pem(csca))


@pytest.fixture(scope="module")
def foreign_pki():
    """A CSCA of another country (DE) and its Document Signer."""
    csca_signer = pki.SoftwareSigner.generate(pki.CSCA_CURVE)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Test CSCA Deutschland")])  # fmt: skip
    csca = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(csca_signer.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(csca_signer.private_key, hashes.SHA384())
    )  # fmt: skip
    ds_signer = pki.SoftwareSigner.generate()
    ds = pki.make_document_signer(csca_signer, csca, ds_signer.public_key(), now=NOW,
                                  common_name="Test Document Signer")  # fmt: skip
    return csca_signer, csca, ds_signer, ds


def spki() -> bytes:
    return pki.SoftwareSigner.generate().public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip


def foreign_card(foreign_pki, groups: dict[int, bytes], *, listed_only: tuple[int, ...] = ()):
    """Files of a foreign document: ``groups`` present and signed; ``listed_only`` signed but not given."""
    _csca_signer, csca, ds_signer, ds = foreign_pki
    signed = dict(groups) | {number: lds.emit(lds.DG_TAGS[number], b"withheld") for number in listed_only}
    sod = build_sod(signed, ds_signer, der(ds), signing_time=NOW)
    files = {"EF_SOD.bin": sod, "EF_COM.bin": lds.encode_ef_com(sorted(signed))}
    files |= {f"DG{number}.bin": content for number, content in groups.items()}
    return files, load_certificates(pem(csca))


def foreign_groups() -> dict[int, bytes]:
    return {1: lds.encode_dg1(MRZ), 2: biometrics.encode_dg2(FACE), 14: biometrics.encode_dg14(spki())}


# --- our cards -------------------------------------------------------------------------------------------


def test_our_complete_card_is_valid(our_card):
    files, trusted = our_card
    assert verify_files(files, trusted=trusted, at=AT).ok


def test_a_folder_holding_only_ef_sod_is_not_valid(our_card):
    files, trusted = our_card
    report = verify_files({"EF_SOD.bin": files["EF_SOD.bin"]}, trusted=trusted, at=AT)
    assert statuses(report)["signature"] == statuses(report)["chain"] == "pass"
    assert not report.ok
    for number in (1, 2, 13, 14, 15):
        assert statuses(report)[f"DG{number} hash"] == "fail", number


@pytest.mark.parametrize("without_chip", [False, True], ids=["with chip", "files only"])
def test_our_card_whose_dg15_was_removed_is_not_valid(our_card, without_chip):
    files, trusted = our_card
    damaged = {name: content for name, content in files.items() if name != "DG15.bin"}
    if without_chip:
        damaged.pop(CHIP_AA_KEY_FILE)
    report = verify_files(damaged, trusted=trusted, at=AT)
    assert statuses(report)["DG15 hash"] == "fail"  # listed in EF.SOD, absent
    assert statuses(report)["active authentication"] == "fail"  # not skipped: our cards need it
    assert not report.ok


def test_our_card_signed_without_dg15_is_not_valid(national_pki, our_card):
    # even an EF.SOD that never listed DG15: a card issued under our CSCA must carry it
    _csca_signer, _csca, ds_signer, ds = national_pki
    files, trusted = our_card
    groups = {n: files[f"DG{n}.bin"] for n in (1, 2, 13, 14)}
    sod = build_sod(groups, ds_signer, der(ds), signing_time=NOW)
    unsigned_dg15 = {"EF_SOD.bin": sod, "EF_COM.bin": lds.encode_ef_com(list(groups))}
    unsigned_dg15 |= {f"DG{n}.bin": content for n, content in groups.items()}
    report = verify_files(unsigned_dg15, trusted=trusted, at=AT)
    assert statuses(report)["active authentication"] == "fail"
    assert "Viet Nam" in {c.name: c.reason for c in report.checks}["active authentication"]
    assert not report.ok


def test_a_missing_mandatory_group_fails_even_when_ef_sod_never_listed_it(national_pki, our_card):
    _csca_signer, _csca, ds_signer, ds = national_pki
    files, trusted = our_card
    groups = {n: files[f"DG{n}.bin"] for n in (1, 13, 14, 15)}  # no face
    sod = build_sod(groups, ds_signer, der(ds), signing_time=NOW)
    report = verify_files({"EF_SOD.bin": sod} | {f"DG{n}.bin": c for n, c in groups.items()}, trusted=trusted, at=AT)
    assert statuses(report)["DG2 hash"] == "fail" and not report.ok


@pytest.mark.parametrize("field", [1, 4, 5, 6], ids=["old number", "sex", "residence", "issue date"])
def test_every_field_of_the_qr_code_must_match_dg13(our_card, field):
    files, trusted = our_card
    parts = files["qr.txt"].decode().split("|")
    parts[field] = {1: "012345678", 4: "Nữ", 5: "Phường Khác, Hà Nội", 6: "01012020"}[field]
    report = verify_files({**files, "qr.txt": "|".join(parts).encode()}, trusted=trusted, at=AT)
    assert statuses(report)["QR = DG13"] == "fail" and not report.ok


def test_without_a_trusted_csca_no_card_is_valid(our_card):
    files, _trusted = our_card
    report = verify_files(files, at=AT)
    assert statuses(report)["signature"] == "pass" and statuses(report)["chain"] == "fail"
    assert not report.ok


# --- foreign documents -------------------------------------------------------------------------------------


def test_a_foreign_card_without_dg15_and_with_dg3_withheld_is_valid(foreign_pki):
    files, trusted = foreign_card(foreign_pki, foreign_groups(), listed_only=(3,))
    report = verify_files(files, trusted=trusted, at=AT)
    assert report.ok, [c for c in report.checks if c.status == "fail"]
    assert statuses(report)["DG3 hash"] == "skipped"  # a reader without Extended Access Control is denied it
    assert statuses(report)["active authentication"] == "skipped"  # it never had DG15


@pytest.mark.parametrize("withheld", [5, 7, 11, 14, 15])
def test_a_foreign_card_missing_another_listed_group_is_not_valid(foreign_pki, withheld):
    groups = foreign_groups()
    groups.pop(withheld, None)
    files, trusted = foreign_card(foreign_pki, groups, listed_only=(withheld,))
    report = verify_files(files, trusted=trusted, at=AT)
    assert statuses(report)[f"DG{withheld} hash"] == "fail" and not report.ok


def test_a_foreign_card_with_our_dg13_needs_dg15(foreign_pki):
    groups = foreign_groups() | {13: lds.encode_dg13({"id_number": "001090012345", "full_name": "Nguyễn Văn An"})}
    files, trusted = foreign_card(foreign_pki, groups)
    report = verify_files(files, trusted=trusted, at=AT)
    assert statuses(report)["active authentication"] == "fail" and not report.ok


def test_a_foreign_card_missing_dg1_is_not_valid(foreign_pki):
    groups = foreign_groups()
    del groups[1]
    files, trusted = foreign_card(foreign_pki, groups)
    assert statuses(verify_files(files, trusted=trusted, at=AT))["DG1 hash"] == "fail"


# --- revocation lists ----------------------------------------------------------------------------------------


def test_a_crl_counts_only_when_the_csca_signed_it(national_pki, our_card):
    csca_signer, csca, _ds_signer, ds = national_pki
    files, trusted = our_card
    genuine = pki.make_crl(csca_signer, csca, [], now=NOW)
    assert statuses(verify_files(files, trusted=trusted, crls=load_crls(pem(genuine)), at=AT))["revocation"] == "pass"
    impostor = pki.make_crl(pki.SoftwareSigner.generate(pki.CSCA_CURVE), csca, [], now=NOW)  # same name, other key
    report = verify_files(files, trusted=trusted, crls=load_crls(pem(impostor)), at=AT)
    assert statuses(report)["revocation"] == "fail" and not report.ok


def test_a_crl_of_another_issuer_says_nothing(our_card, foreign_pki):
    files, trusted = our_card
    csca_signer, csca, _ds_signer, _ds = foreign_pki
    other = pki.make_crl(csca_signer, csca, [], now=NOW)
    report = verify_files(files, trusted=trusted, crls=load_crls(pem(other)), at=AT)
    assert statuses(report)["revocation"] == "skipped" and report.ok


# --- hostile input ---------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SIGNED_GROUPS = ["DG1.bin", "DG2.bin", "DG13.bin", "DG14.bin", "DG15.bin"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(SIGNED_GROUPS), position=st.integers(0, 1 << 16), value=st.integers(1, 255),
       cut=st.booleans())  # fmt: skip
def test_a_card_with_any_data_group_altered_or_cut_is_never_valid(our_card, name, position, value, cut):
    files, trusted = our_card
    altered = bytearray(files[name])
    position %= len(altered)
    if cut:
        altered = altered[:position]
    else:
        altered[position] ^= value
    report = verify_files({**files, name: bytes(altered)}, trusted=trusted, at=AT)
    assert not report.ok and statuses(report)[f"{name.removesuffix('.bin')} hash"] == "fail"


def test_a_folder_is_read_only_for_card_files_and_never_past_the_limit(our_card, tmp_path):
    files, trusted = our_card
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    with (tmp_path / "DG3.bin").open("wb") as huge:  # sparse: 8 GiB on paper, nothing on disk
        huge.truncate(8 << 30)
    with (tmp_path / "unrelated.bin").open("wb") as other:
        other.truncate(8 << 30)
    from cancuoc.icao.verify import verify_folder

    report = verify_folder(tmp_path, trusted=trusted, at=AT)
    assert [c.name for c in report.checks] == ["size DG3.bin"] and not report.ok
    (tmp_path / "DG3.bin").unlink()
    assert verify_folder(tmp_path, trusted=trusted, at=AT).ok  # the unrelated file is not read at all
