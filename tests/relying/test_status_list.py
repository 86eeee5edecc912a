"""The signed status list: what it lists, its signature, a changed byte, the download endpoint, and
`cancuoc card verify FOLDER --status-list FILE` reporting a listed card as NOT VALID."""

import hashlib
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cancuoc.audit.models import AuditEntry
from cancuoc.cards import lifecycle
from cancuoc.cards.models import Card
from cancuoc.relying import documents, signing
from cancuoc.relying.models import StatusList
from tests.factories import CitizenFactory

from .conftest import make_card

pytestmark = pytest.mark.django_db


def issue(tmp_path, name="list.json"):
    out = tmp_path / name
    call_command("card", "status-list", "--out", str(out))
    return out


def test_the_list_names_every_card_not_valid_and_verifies(world, officers, tmp_path):
    valid, _s, _m = make_card(world, officers, "active", number=1)
    suspended, sod_suspended, _m = make_card(world, officers, "suspended", number=2)
    revoked, sod_revoked, _m = make_card(world, officers, "revoked", number=3)
    past, sod_past, _m = make_card(world, officers, "active", number=4, expiry=date(2020, 1, 1))
    replaced, _s, _m = make_card(world, officers, "replaced", number=5)
    data = issue(tmp_path).read_bytes()
    document, problem = documents.read_list(data, signing.public_keys())
    assert problem == "" and document["format"] == documents.LIST_FORMAT
    listed = {entry["serial"]: entry for entry in document["entries"]}
    assert valid.serial not in listed
    assert listed[suspended.serial] == {"serial": suspended.serial, "status": "suspended",
                                        "sod_digest": hashlib.sha256(bytes.fromhex(sod_suspended)).hexdigest()}
    assert listed[revoked.serial]["status"] == "revoked" and listed[past.serial]["status"] == "expired"
    assert listed[replaced.serial]["status"] == "replaced"
    assert listed[past.serial]["sod_digest"] == hashlib.sha256(bytes.fromhex(sod_past)).hexdigest()
    assert sod_past not in json.dumps(document), "the list never hands out a card's proof for the online query"
    assert documents.parse_timestamp(document["next_update"]) > documents.parse_timestamp(document["issued_at"])
    assert AuditEntry.objects.filter(event="status_list_issued", object_type="status_list").count() == 1
    # one changed byte anywhere breaks it
    digest = hashlib.sha256(bytes.fromhex(sod_revoked)).hexdigest()
    tampered = data.replace(digest.encode(), digest[:-1].encode() + (b"0" if digest[-1] != "0" else b"1"))
    assert tampered != data
    assert documents.read_list(tampered, signing.public_keys()) == (None, "signature does not match")


def personalised_folder(world, officers, tmp_path, id_number="034090000001"):
    """A chip image as `card personalise` writes it, and its card record (active, same EF.SOD)."""
    call_command("pki", "init", "--user", "admin")
    citizen = CitizenFactory(id_number=id_number, permanent_unit=world.thai_thuy)
    out = tmp_path / "card"
    call_command("card", "personalise", "--citizen", id_number, "--out", str(out), "--user", "production",
                 "--no-faces")  # fmt: skip
    sod = hashlib.sha256((out / "EF_SOD.bin").read_bytes()).hexdigest()
    (card,) = lifecycle.order_cards(officers["production"], [(citizen, None, world.thai_thuy.path)], reason="lô")
    lifecycle.transition(officers["production"], card, "personalised", reason="cá nhân hóa", sod_sha256=sod)
    for state, actor in (("dispatched", "production"), ("received", "thai_thuy")):
        lifecycle.transition(officers[actor], card, state, reason=state)
    lifecycle.hand_over(officers["thai_thuy"], card, reason="giao")
    return out, Card.objects.get(pk=card.pk)


def verify(folder, *extra):
    try:
        call_command("card", "verify", str(folder), *extra)
    except SystemExit as exit_status:
        return exit_status.code
    return 0


def test_card_verify_reports_a_listed_card_as_not_valid(world, officers, tmp_path, capsys):
    folder, card = personalised_folder(world, officers, tmp_path)
    before = issue(tmp_path, "before.json")
    capsys.readouterr()
    assert verify(folder, "--status-list", str(before)) == 0
    text = capsys.readouterr().out
    assert "status list" in text and text.rstrip().endswith("HỢP LỆ / VALID")

    call_command("card", "revoke", card.serial, "--reason", "thẻ giả mạo", "--user", "supervisor_hung_yen")
    after = issue(tmp_path, "after.json")
    capsys.readouterr()
    assert verify(folder, "--status-list", str(after)) == 1
    assert capsys.readouterr().out.rstrip().endswith("KHÔNG HỢP LỆ / NOT VALID")
    assert verify(folder, "--status-list", str(after), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    check = {c["name"]: c for c in report["checks"]}["status list"]
    assert report["ok"] is False and check["status"] == "fail" and "revoked" in check["reason"]


def test_card_verify_refuses_a_tampered_or_foreign_list(world, officers, tmp_path, status_keystore):
    folder, _card = personalised_folder(world, officers, tmp_path)
    listing = issue(tmp_path)
    document = json.loads(listing.read_text())
    document["entries"].append({"serial": "C26000000019", "sod_digest": "0" * 64, "status": "revoked"})
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="signature is not valid"):
        verify(folder, "--status-list", str(forged))
    # a list signed by another key than the one given is refused as well
    other_key = tmp_path / "other.pem"
    signing.rotate()
    other_key.write_text(signing.published_keys()[0]["pem"])
    with pytest.raises(CommandError, match="unknown key id"):
        verify(folder, "--status-list", str(listing), "--status-key", str(other_key))
    with pytest.raises(CommandError, match="cannot read the status list"):
        verify(folder, "--status-list", str(tmp_path / "absent.json"))
    (tmp_path / "garbage.json").write_bytes(b"\x00\xff garbage")
    with pytest.raises(CommandError, match="not JSON"):
        verify(folder, "--status-list", str(tmp_path / "garbage.json"))


def test_the_download_endpoint(world, officers, party_key):
    _card, _sod, _mrz = make_card(world, officers, "revoked")
    client = Client()
    answer = client.get("/api/v1/status-list", HTTP_AUTHORIZATION=f"Bearer {party_key}")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    document, problem = documents.read_list(answer.content, signing.public_keys())
    assert problem == "" and len(document["entries"]) == 1
    again = client.get("/api/v1/status-list", HTTP_AUTHORIZATION=f"Bearer {party_key}")
    assert again.content == answer.content and StatusList.objects.count() == 1, "a recent list is served again"
    assert AuditEntry.objects.filter(event="status_list_issued", action="export").count() == 2
    assert client.get("/api/v1/status-list").status_code == 401


def test_status_list_command_errors(tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        call_command("card", "status-list", "--out", str(tmp_path / "absent" / "list.json"))
