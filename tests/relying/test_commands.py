"""`cancuoc relying-party …`, `cancuoc card status` and `cancuoc card revoke`: what they print, what they
change, and clean bilingual errors."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cancuoc.audit.models import AuditEntry
from cancuoc.cards.models import Card
from cancuoc.relying import apikeys, selectors
from cancuoc.relying.models import RelyingParty

from .conftest import make_card

pytestmark = pytest.mark.django_db


def test_add_prints_the_key_on_its_last_line(capsys):
    call_command("relying-party", "add", "Ngân hàng A", "--scopes", "status,status-list", "--rate", "120")
    key = capsys.readouterr().out.rstrip().splitlines()[-1]
    party = RelyingParty.objects.get(name="Ngân hàng A")
    assert apikeys.parse(key)[0] == party.key_id and key not in json.dumps(list(RelyingParty.objects.values()),
                                                                           default=str)  # fmt: skip
    assert party.scopes == ["status", "status-list"] and party.rate_per_minute == 120
    assert selectors.party_for_key(key).pk == party.pk
    assert AuditEntry.objects.filter(event="relying_party_changed", object_id=party.key_id).exists()
    call_command("relying-party", "add", "Bệnh viện B")
    assert RelyingParty.objects.get(name="Bệnh viện B").scopes == ["status"]
    call_command("relying-party", "list")
    assert "Ngân hàng A" in capsys.readouterr().out


@pytest.mark.parametrize("arguments, message", [
    (["add", "   "], "1 to 120 characters"),
    (["add", "x" * 121], "1 to 120 characters"),
    (["add", "Ngân\u202ehàng"], "1 to 120 characters"),
    (["add", "A", "--scopes", "everything"], "unknown scopes"),
    (["add", "A", "--rate", "0"], "whole number"),
    (["add", "A", "--rate", "many"], "whole number"),
    (["add", "A", "--user", "nobody"], "no such user"),
    (["add", "A", "--user", "officer_thai_thuy"], "may not manage"),
    (["disable", "Không có"], "no relying party"),
])  # fmt: skip
def test_relying_party_errors(officers, arguments, message):
    with pytest.raises(CommandError, match=message) as refused:
        call_command("relying-party", *arguments)
    assert " / " in str(refused.value), "Vietnamese / English"
    assert not RelyingParty.objects.exists()


def test_same_name_twice_and_disable(capsys):
    call_command("relying-party", "add", "Ngân hàng A")
    key = capsys.readouterr().out.rstrip().splitlines()[-1]
    with pytest.raises(CommandError, match="exists"):
        call_command("relying-party", "add", "Ngân hàng A")
    call_command("relying-party", "disable", "Ngân hàng A")
    call_command("relying-party", "disable", "Ngân hàng A")  # twice: nothing more happens
    assert selectors.party_for_key(key) is None
    assert AuditEntry.objects.filter(event="relying_party_changed").count() == 2


def test_card_status(world, officers, capsys):
    card, _sod, _mrz = make_card(world, officers, "suspended")
    call_command("card", "status", card.serial, "--json")
    answer = json.loads(capsys.readouterr().out)
    assert answer["serial"] == card.serial and answer["state"] == "suspended" and answer["status"] == "suspended"
    call_command("card", "status", card.serial.lower())
    assert "tạm khóa / suspended" in capsys.readouterr().out
    viewed = AuditEntry.objects.filter(event="card_viewed", object_id=card.serial)
    assert viewed.count() == 2 and {e.reason for e in viewed} == {"cancuoc card status"}
    assert all(e.changes["id_number"] == card.citizen.id_number for e in viewed)


@pytest.mark.parametrize("serial", ["C26000000019", "nonsense", "C2600000001", "' OR 1=1 --", "x" * 500])
def test_card_status_of_unknown_serials(db, serial):
    with pytest.raises(CommandError, match="not found"):
        call_command("card", "status", serial)


def test_card_revoke_by_a_supervisor_of_the_area(world, officers, capsys):
    card, _sod, _mrz = make_card(world, officers, "active")
    call_command("card", "revoke", card.serial, "--reason", "giả mạo", "--user", "supervisor_hung_yen")
    card.refresh_from_db()
    assert card.state == "revoked"
    entry = AuditEntry.objects.get(event="card_revoked", object_id=card.serial)
    assert entry.actor_username == "supervisor_hung_yen" and entry.reason == "giả mạo"
    with pytest.raises(CommandError, match="cannot become revoked"):
        call_command("card", "revoke", card.serial, "--reason", "lần nữa", "--user", "supervisor_hung_yen")


@pytest.mark.parametrize("user, reason, message", [
    ("officer_thai_thuy", "giả mạo", "may not revoke"),
    ("nobody", "giả mạo", "no such user"),
    ("supervisor_hung_yen", "", "reason is required"),
    ("supervisor_hung_yen", "x" * 301, "too long"),
])  # fmt: skip
def test_card_revoke_refusals_change_nothing(world, officers, user, reason, message):
    card, _sod, _mrz = make_card(world, officers, "active")
    with pytest.raises(CommandError, match=message):
        call_command("card", "revoke", card.serial, "--reason", reason, "--user", user)
    assert Card.objects.get(pk=card.pk).state == "active"
    assert not AuditEntry.objects.filter(event="card_revoked").exists()


def test_card_revoke_outside_the_area_is_not_found(world, officers):
    from cancuoc.accounts.models import Role
    from tests.factories import UserFactory

    UserFactory(username="supervisor_ha_noi", role=Role.SUPERVISOR, unit=world.ba_dinh)
    card, _sod, _mrz = make_card(world, officers, "active")
    with pytest.raises(CommandError, match="not found"):
        call_command("card", "revoke", card.serial, "--reason", "x", "--user", "supervisor_ha_noi")
    with pytest.raises(CommandError, match="not found"):
        call_command("card", "revoke", "garbage", "--reason", "x", "--user", "supervisor_hung_yen")
    assert Card.objects.get(pk=card.pk).state == "active"


def test_rotating_the_status_key_is_audited_and_needs_the_admin(officers, settings, tmp_path, monkeypatch):
    from django.core.management import CommandError, call_command

    from cancuoc.audit.models import AuditEntry

    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "pki"))
    with pytest.raises(CommandError):
        call_command("relying-party", "rotate-key", "--user", "officer_thai_thuy")
    assert not AuditEntry.objects.filter(event="status_key_rotated").exists()
    call_command("relying-party", "rotate-key", "--user", "admin")
    assert AuditEntry.objects.filter(event="status_key_rotated", actor_username="admin").count() == 1
