"""`cancuoc pki …` and `cancuoc card …` end to end, against the registry."""

import json
import subprocess

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cancuoc.audit.models import AuditEntry
from tests.factories import CitizenFactory


def verify(folder, *extra):
    try:
        call_command("card", "verify", str(folder), *extra, "--json")
    except SystemExit as exit_status:
        return exit_status.code
    return 0


def test_personalise_verify_revoke(pki_dir, officers, world, capsys):
    CitizenFactory(id_number="034090000001", permanent_unit=world.thai_thuy)
    out = pki_dir / "card"
    call_command("card", "personalise", "--citizen", "034090000001", "--out", str(out), "--user", "production",
                 "--issue-date", "02/11/2026")  # fmt: skip
    assert {p.name for p in out.iterdir()} >= {"EF_COM.bin", "DG1.bin", "DG2.bin", "DG13.bin", "DG14.bin", "DG15.bin",
                                               "EF_SOD.bin", "mrz.txt", "qr.txt", "front.png", "back.png",
                                               "card.pdf"}  # fmt: skip
    assert AuditEntry.objects.filter(
        event="card_personalised", object_id="034090000001", actor_username="production"
    ).exists()
    call_command("pki", "export", "--out", str(pki_dir / "csca.pem"))
    capsys.readouterr()
    assert verify(out, "--trust", str(pki_dir / "csca.pem")) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and {c["name"] for c in report["checks"] if c["status"] == "pass"} >= {
        "signature",
        "chain",
    }

    state = json.loads((pki_dir / "pki" / "state.json").read_text())
    call_command("pki", "revoke-ds", state["current"], "--user", "admin")
    call_command("pki", "crl", "--out", str(pki_dir / "crl.pem"), "--user", "production")
    call_command("pki", "rotate-ds", "--user", "admin")
    capsys.readouterr()
    assert verify(out, "--trust", str(pki_dir / "csca.pem"), "--crl", str(pki_dir / "crl.pem")) == 1
    revoked = json.loads(capsys.readouterr().out)
    assert {c["name"]: c["status"] for c in revoked["checks"]}["revocation"] == "fail"


def test_a_commune_officer_cannot_personalise_even_in_their_area(pki_dir, officers, world):
    # personalisation signs with the national Document Signer key: production centre and national admins only
    CitizenFactory(id_number="034090000002", permanent_unit=world.thai_thuy)
    with pytest.raises(CommandError, match="may not personalise"):
        call_command("card", "personalise", "--citizen", "034090000002", "--out", str(pki_dir / "x"),
                     "--user", "officer_thai_thuy")  # fmt: skip
    assert not (pki_dir / "x").exists()
    assert not AuditEntry.objects.filter(event="card_personalised").exists()


def test_a_missing_citizen_is_named_to_the_production_centre(pki_dir, officers, world):
    with pytest.raises(CommandError, match="not found"):
        call_command("card", "personalise", "--citizen", "001090000099", "--out", str(pki_dir / "x"),
                     "--user", "production")  # fmt: skip


@pytest.mark.parametrize("username", ["officer_thai_thuy", "supervisor_hung_yen", "production", "auditor"])
def test_only_national_admins_manage_the_pki(pki_dir, officers, username):
    before = (pki_dir / "pki" / "state.json").read_text()
    with pytest.raises(CommandError, match="may not do this"):
        call_command("pki", "rotate-ds", "--user", username)
    assert (pki_dir / "pki" / "state.json").read_text() == before
    assert not AuditEntry.objects.filter(event="ds_key_rotated").exists()


def test_pki_operations_are_audited_with_their_acting_user(pki_dir, officers):
    assert AuditEntry.objects.filter(event="pki_initialised", actor_username="admin").exists()
    call_command("pki", "rotate-ds", "--user", "admin")
    call_command("pki", "crl", "--out", str(pki_dir / "crl.pem"), "--user", "production")
    state = json.loads((pki_dir / "pki" / "state.json").read_text())
    call_command("pki", "revoke-ds", state["current"], "--user", "admin")
    events = list(AuditEntry.objects.order_by("sequence").values_list("event", "actor_username"))
    assert events[-3:] == [("ds_key_rotated", "admin"), ("crl_issued", "production"), ("ds_key_revoked", "admin")]
    with pytest.raises(CommandError, match="no active user"):
        call_command("pki", "crl", "--user", "nobody")


def test_keys_on_disk_are_encrypted_and_the_passphrase_is_needed(pki_dir, monkeypatch):
    key_files = list((pki_dir / "pki").glob("*.key.pem"))
    assert key_files and all(b"ENCRYPTED PRIVATE KEY" in f.read_bytes() for f in key_files)
    monkeypatch.setenv("CANCUOC_PKI_PASSPHRASE", "wrong")
    with pytest.raises(CommandError, match="PASSPHRASE"):
        call_command("pki", "rotate-ds", "--user", "admin")
    with pytest.raises(CommandError, match="already exists"):
        call_command("pki", "init", "--user", "admin")


def test_our_card_verifies_with_openssl_from_the_command_line(pki_dir, officers, world):
    CitizenFactory(id_number="034090000003", permanent_unit=world.thai_thuy)
    out = pki_dir / "card"
    call_command("card", "personalise", "--citizen", "034090000003", "--out", str(out), "--user", "admin")
    call_command("pki", "export", "--out", str(pki_dir / "csca.pem"))
    sod = (out / "EF_SOD.bin").read_bytes()
    from cancuoc.icao.lds import parse_tlv

    (pki_dir / "sod.p7").write_bytes(parse_tlv(sod)[0].value)
    result = subprocess.run(["openssl", "cms", "-verify", "-inform", "DER", "-in", str(pki_dir / "sod.p7"), "-CAfile",
                             str(pki_dir / "csca.pem"), "-binary", "-purpose", "any", "-out", "/dev/null"],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_verify_api_reads_uploaded_files(pki_dir, officers, world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    CitizenFactory(id_number="034090000004", permanent_unit=world.thai_thuy)
    out = pki_dir / "card"
    call_command("card", "personalise", "--citizen", "034090000004", "--out", str(out), "--user", "admin")
    client.force_login(officers["auditor"])
    uploads = [
        SimpleUploadedFile(p.name, p.read_bytes()) for p in out.iterdir() if p.suffix in (".bin", ".txt")
    ]
    response = client.post("/api/v1/cards/verify", {"files": uploads})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] and {c["name"]: c["status"] for c in body["checks"]}["chain"] == "pass"
    bad = client.post("/api/v1/cards/verify", {"files": [SimpleUploadedFile("evil.exe", b"MZ")]})
    assert bad.status_code == 422


def test_no_card_is_personalised_for_a_deceased_citizen(pki_dir, officers, world):
    from datetime import date

    CitizenFactory(id_number="034090000004", permanent_unit=world.thai_thuy, date_of_death=date(2025, 6, 12))
    with pytest.raises(CommandError, match="deceased"):
        call_command("card", "personalise", "--citizen", "034090000004", "--out", str(pki_dir / "dead"),
                     "--user", "production", "--no-faces")  # fmt: skip
    assert not (pki_dir / "dead").exists()
    assert not AuditEntry.objects.filter(event="card_personalised").exists()
