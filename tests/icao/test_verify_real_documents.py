"""Passive Authentication against real documents of other countries (../shared/vectors/icao).

Read in place (tests/cards/vectors.py); the module is skipped where they are absent.
"""

import pytest

from cancuoc.icao.verify import load_certificates, verify_files
from tests.icao.vectors import MISSING, VECTORS

if VECTORS is None:
    pytest.skip(MISSING, allow_module_level=True)
COUNTRIES = ["AT", "DE", "FI", "FR", "ID", "MY", "NZ", "PH", "RU", "SG", "UK", "US"]


@pytest.fixture(scope="module")
def trusted():
    # all_cscas.pem is the German and Dutch master lists; the Indonesian CSCAs come separately.
    pems = (VECTORS / "master_list/all_cscas.pem").read_bytes() + (
        VECTORS / "master_list/idn_cscas.pem"
    ).read_bytes()
    return load_certificates(pems)


def status(report, name):
    return {check.name: check.status for check in report.checks}[name]


@pytest.mark.parametrize("country", COUNTRIES)
def test_real_sods_verify_and_chain_at_signing_time_but_a_lone_sod_is_no_valid_card(trusted, country):
    report = verify_files({"EF_SOD.bin": (VECTORS / f"real_sod/{country}_EF_SOD.bin").read_bytes()}, trusted=trusted,
                          at_signing_time=True)  # fmt: skip
    assert [status(report, n) for n in ("sod", "message digest", "signature", "ds validity", "chain")] == [
        "pass"
    ] * 5, report.checks
    # Data groups are absent: reported, never guessed. DG1 and DG2 are mandatory; of the groups EF.SOD
    # lists, only DG3 and DG4 (which a reader may be denied) may be missing.
    groups = {c.name: c.status for c in report.checks if c.name.endswith(" hash")}
    assert groups["DG1 hash"] == groups["DG2 hash"] == "fail"
    assert all(state == ("skipped" if name in ("DG3 hash", "DG4 hash") else "fail") for name, state in groups.items())
    assert not report.ok


def test_a_dutch_sod_does_not_chain_to_another_countrys_csca():
    german_only = load_certificates((VECTORS / "master_list/de_csca.pem").read_bytes())
    report = verify_files({"EF_SOD.bin": (VECTORS / "real_sod/UK_EF_SOD.bin").read_bytes()}, trusted=german_only,
                          at_signing_time=True)  # fmt: skip
    assert status(report, "chain") == "fail" and not report.ok


def bsi_files():
    folder = VECTORS / "bsi_tr03105_5"
    files = {
        "EF_SOD.bin": (folder / "EF_SOD.bin").read_bytes(),
        "EF_COM.bin": (folder / "EF_COM.bin").read_bytes(),
    }
    for number in (1, 2, 3, 4, 14, 15):
        files[f"DG{number}.bin"] = (folder / f"Datagroup{number}.bin").read_bytes()
    return files


def test_bsi_reference_set_hashes_match_and_dg15_is_unprotected():
    report = verify_files(bsi_files(), at_signing_time=True)
    assert [status(report, f"DG{n} hash") for n in (1, 2, 3, 4, 14)] == ["pass"] * 5
    assert status(report, "signature") == "pass"
    assert status(report, "DG15 hash") == "fail"  # present but not covered by the SOD
    assert status(report, "chain") == "fail"  # no CSCA is published for it: the signer is not trusted
    assert not report.ok


def test_swapped_or_tampered_data_groups_fail():
    files = bsi_files()
    files["DG1.bin"], files["DG2.bin"] = files["DG2.bin"], files["DG1.bin"]
    report = verify_files(files, at_signing_time=True)
    assert status(report, "DG1 hash") == status(report, "DG2 hash") == "fail"
    files = bsi_files()
    sod = bytearray(files["EF_SOD.bin"])
    sod[-10] ^= 0x01  # a bit of the signature
    assert (
        status(verify_files({**files, "EF_SOD.bin": bytes(sod)}, at_signing_time=True), "signature") == "fail"
    )


@pytest.mark.parametrize(
    ("folder", "numbers"),
    [
        ("jmrtd/loes2006", {1: "ef0101", 2: "ef0102", 15: "ef010F"}),
        ("jmrtd/bsi2008", {1: "Datagroup1", 2: "Datagroup2", 14: "Datagroup14"}),
    ],
)
def test_older_specimens_including_explicit_brainpool_keys(folder, numbers):
    base = VECTORS / folder
    sod_name = "ef011D.bin" if "loes" in folder else "EF_SOD.bin"
    files = {"EF_SOD.bin": (base / sod_name).read_bytes()}
    files.update({f"DG{n}.bin": (base / f"{name}.bin").read_bytes() for n, name in numbers.items()})
    report = verify_files(files, at_signing_time=True)
    assert status(report, "signature") == "pass"
    assert all(status(report, f"DG{n} hash") == "pass" for n in numbers)


@pytest.mark.parametrize("cut", [0, 1, 10, 100, 500, -1])
def test_truncated_sods_fail_with_a_reason(cut):
    data = (VECTORS / "real_sod/DE_EF_SOD.bin").read_bytes()
    report = verify_files({"EF_SOD.bin": data[:cut]})
    assert not report.ok and status(report, "sod") == "fail"


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SEED_SOD = (VECTORS / "real_sod/FR_EF_SOD.bin").read_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    position=st.integers(0, len(SEED_SOD) - 1), value=st.integers(0, 255), cut=st.integers(1, len(SEED_SOD))
)
def test_garbled_sods_never_crash(position, value, cut):
    garbled = bytearray(SEED_SOD)
    garbled[position] = value
    report = verify_files({"EF_SOD.bin": bytes(garbled[:cut]), "DG1.bin": bytes(garbled[:40])})
    assert report.checks  # a report, whatever the bytes


def test_huge_declared_length_is_refused_quickly():
    hostile = b"\x77\x84\x7f\xff\xff\xff" + SEED_SOD[4:]
    report = verify_files({"EF_SOD.bin": hostile})
    assert status(report, "sod") == "fail"
