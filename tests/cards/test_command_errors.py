"""`cancuoc card verify` and `cancuoc pki …` given garbage: a clear bilingual error, never a traceback, nothing written."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.core.management.base import CommandError

from cancuoc.audit.models import AuditEntry
from cancuoc.icao import pki
from tests.factories import CitizenFactory

PRIVATE_KEY = pki.SoftwareSigner.generate().private_key
GARBAGE = {
    "random bytes": os.urandom(700),
    "empty file": b"",
    "whitespace": b"\n \n",
    "broken PEM body": b"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHHIG!!!not base64 at all\n-----END CERTIFICATE-----\n",
    "truncated PEM": b"-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHH\n",
    "private key PEM": PRIVATE_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()),
    "private key DER": PRIVATE_KEY.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()),
}  # fmt: skip


@pytest.fixture
def card(pki_dir, officers, world):
    """A personalised card folder and the exported CSCA certificate."""
    CitizenFactory(id_number="034090000021", permanent_unit=world.thai_thuy)
    call_command("card", "personalise", "--citizen", "034090000021", "--out", str(pki_dir / "card"),
                 "--user", "production", "--no-faces")  # fmt: skip
    call_command("pki", "export", "--out", str(pki_dir / "csca.pem"))
    return pki_dir / "card"


def verify(*arguments) -> int:
    try:
        call_command("card", "verify", *map(str, arguments), "--json")
    except SystemExit as exit_status:
        return exit_status.code
    return 0


@pytest.mark.parametrize("option", ["--trust", "--crl"])
@pytest.mark.parametrize("content", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_trust_material_is_refused_clearly(card, tmp_path, option, content):
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(content)
    extra = [] if option == "--trust" else ["--trust", card.parent / "csca.pem"]
    english = "certificate" if option == "--trust" else "revocation list"
    with pytest.raises(CommandError, match=f"không .* / .*{english}") as raised:
        verify(card, option, garbage, *extra)
    assert str(garbage) in str(raised.value)


@pytest.mark.parametrize("option", ["--trust", "--crl"])
@pytest.mark.parametrize("path", ["missing.pem", "."], ids=["missing path", "a folder"])
def test_an_unreadable_trust_path_is_named(card, tmp_path, option, path):
    with pytest.raises(CommandError, match="Không đọc được tệp .* / Cannot read"):
        verify(card, option, tmp_path / path)


@pytest.mark.parametrize("value", ["31/02/2020", "29/02/2023", "00/01/2020", "2020-13-01", "yesterday", "32/1/2020"])
def test_a_date_that_does_not_exist_is_refused(card, value):
    with pytest.raises(CommandError, match="không phải là một ngày có thật .* / .* is not a real date"):
        verify(card, "--trust", card.parent / "csca.pem", "--at", value)


def test_the_verify_folder_must_be_a_folder(card):
    with pytest.raises(CommandError, match="không phải là thư mục / .* is not a folder"):
        verify(card / "DG1.bin")


def test_without_trust_the_keystore_csca_is_used_and_a_lone_sod_is_not_valid(card, tmp_path, capsys):
    assert verify(card) == 0  # the keystore's own CSCA certificate, no --trust needed
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "EF_SOD.bin").write_bytes((card / "EF_SOD.bin").read_bytes())
    capsys.readouterr()
    assert verify(lone) == 1
    checks = {c["name"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["chain"] == "pass" and checks["DG1 hash"] == checks["DG2 hash"] == "fail"


def test_a_card_whose_dg15_was_removed_is_not_valid(card, capsys):
    (card / "DG15.bin").unlink()
    assert verify(card, "--trust", card.parent / "csca.pem") == 1
    checks = {c["name"]: c["status"] for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["active authentication"] == "fail"


# --- a damaged keystore ----------------------------------------------------------------------------------------

STATES = {
    "truncated": lambda text: text[: len(text) // 2],
    "not JSON": lambda text: "this is not json",
    "not UTF-8": lambda text: "\udcff",
    "a list": lambda text: "[]",
    "signers not a list": lambda text: json.dumps(json.loads(text) | {"document_signers": "ds-1"}),
    "crl number a string": lambda text: json.dumps(json.loads(text) | {"crl_number": "7"}),
    "revoked wrong shape": lambda text: json.dumps(json.loads(text) | {"revoked": [{"serial": 5}]}),
    "current unknown": lambda text: json.dumps(json.loads(text) | {"current": "abc"}),
    "created not a time": lambda text: json.dumps(
        json.loads(text) | {"document_signers": [d | {"created": "yesterday"} for d in json.loads(text)["document_signers"]]}
    ),
    "key label a path": lambda text: json.dumps(json.loads(text) | {"csca_key": "../../etc/passwd"}),
}


def damage_state(pki_dir: Path, how) -> str:
    path = pki_dir / "pki" / "state.json"
    text = how(path.read_text())
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return text


@pytest.mark.parametrize(
    "command",
    [("pki", "rotate-ds", "--user", "admin"), ("pki", "crl", "--user", "admin"),
     ("card", "personalise", "--citizen", "034090000022", "--out", "OUT", "--user", "production", "--no-faces")],
    ids=["rotate-ds", "crl", "personalise"],
)  # fmt: skip
@pytest.mark.parametrize("how", STATES.values(), ids=STATES.keys())
def test_a_damaged_state_file_is_named_and_nothing_is_written(pki_dir, world, command, how):
    CitizenFactory(id_number="034090000022", permanent_unit=world.thai_thuy)
    text = damage_state(pki_dir, how)
    before = sorted(p.name for p in (pki_dir / "pki").iterdir())
    audited = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="Tệp trạng thái .* bị hỏng .* / the state file .* is damaged"):
        call_command(*[str(pki_dir / "card") if part == "OUT" else part for part in command])
    assert sorted(p.name for p in (pki_dir / "pki").iterdir()) == before
    assert (pki_dir / "pki" / "state.json").read_bytes() == text.encode("utf-8", "surrogateescape")
    assert AuditEntry.objects.count() == audited and not (pki_dir / "card").exists()


@pytest.mark.parametrize("cut", [0, 40, 300, -30])
def test_a_truncated_csca_certificate_is_named(pki_dir, tmp_path, cut):
    path = pki_dir / "pki" / "csca.pem"
    path.write_bytes(path.read_bytes()[:cut])
    audited = AuditEntry.objects.count()
    for command in (("pki", "export", "--out", str(tmp_path / "x.pem")), ("pki", "rotate-ds", "--user", "admin"),
                    ("card", "verify", str(tmp_path))):  # fmt: skip
        with pytest.raises(CommandError, match="Chứng chỉ CSCA .* bị hỏng .* / the CSCA certificate .* is damaged"):
            call_command(*command)
    assert not (tmp_path / "x.pem").exists() and AuditEntry.objects.count() == audited


@pytest.mark.parametrize(
    ("damage", "message"),
    [(lambda data: data[: len(data) // 2], "is damaged or truncated"),
     (lambda data: b"", "is damaged or truncated"),
     (lambda data: os.urandom(300), "is damaged or truncated"),
     (lambda data: data.replace(data[100:104], b"AAAA"), "damaged"),  # inside the ciphertext: cannot tell
     ],
    ids=["truncated", "emptied", "random", "flipped inside"],
)  # fmt: skip
def test_a_damaged_key_file_is_named(pki_dir, damage, message):
    state = json.loads((pki_dir / "pki" / "state.json").read_text())
    path = pki_dir / "pki" / f"{state['csca_key']}.key.pem"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CommandError, match=f"{path.name}.*{message}"):
        call_command("pki", "rotate-ds", "--user", "admin")
    assert AuditEntry.objects.filter(event="ds_key_rotated").count() == 0


def test_a_missing_key_file_is_named(pki_dir):
    state = json.loads((pki_dir / "pki" / "state.json").read_text())
    (pki_dir / "pki" / f"{state['csca_key']}.key.pem").unlink()
    with pytest.raises(CommandError, match="Thiếu khóa .* / missing key"):
        call_command("pki", "rotate-ds", "--user", "admin")


# --- the public certificate needs no secret ---------------------------------------------------------------------


def test_exporting_the_csca_certificate_needs_no_passphrase(pki_dir, tmp_path, monkeypatch, settings):
    monkeypatch.delenv("CANCUOC_PKI_PASSPHRASE")
    settings.PRODUCTION = True  # where the development passphrase is never used
    call_command("pki", "export", "--out", str(tmp_path / "csca.pem"))
    assert (tmp_path / "csca.pem").read_bytes() == (pki_dir / "pki" / "csca.pem").read_bytes()
    with pytest.raises(CommandError, match="CANCUOC_PKI_PASSPHRASE must be set"):  # the private key still needs it
        call_command("pki", "rotate-ds", "--user", "admin")


def test_export_to_a_missing_folder_is_named(pki_dir, tmp_path):
    with pytest.raises(CommandError, match="Không ghi được tệp .* / cannot write"):
        call_command("pki", "export", "--out", str(tmp_path / "no" / "such" / "csca.pem"))


def test_the_command_line_prints_the_error_and_no_traceback(tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"\x00\x01garbage")
    (tmp_path / "card").mkdir()
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-m", "cancuoc.cli", "card", "verify", str(tmp_path / "card"), "--trust", str(garbage)],
        capture_output=True, text=True, env=environment, cwd=Path(__file__).resolve().parents[2], timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "holds no readable CSCA certificate" in result.stderr and "Traceback" not in result.stderr
