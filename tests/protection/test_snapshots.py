"""Audit snapshots keep sensitive values sealed; the history shows them to whoever may read the record."""

import json

from django.db import connection

from cancuoc.audit.models import AuditEntry
from cancuoc.protection import snapshots
from cancuoc.registry import actions

from .conftest import new_citizen


def raw_changes(entry_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM audit_auditentry WHERE id = %s", [entry_id])
        value = cursor.fetchone()[0]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def test_created_and_changed_entries_hold_no_sensitive_plain_text(officers):
    officer = officers["thai_thuy"]
    citizen = new_citizen(officer)
    actions.update_citizen(
        officer, citizen, {"religion": "Cao Đài", "given_name": "Hoa"}, reason="đính chính"
    )
    created = AuditEntry.objects.get(event="citizen_created", object_id=citizen.id_number)
    changed = AuditEntry.objects.get(event="citizen_changed", object_id=citizen.id_number)
    for entry in (created, changed):
        text = raw_changes(entry.pk)
        for secret in ("Tày", "Phật giáo", "Cao Đài", "Maria", "Bình", "Cúc", "Dũng"):
            assert secret not in text, (entry.event, secret)
    assert snapshots.is_sealed_value(created.changes["after"]["ethnicity"])
    assert created.changes["after"]["given_name"] == "Thúy"  # not sensitive: stays readable for auditors
    # only the fields that changed are in the diff, though every seal of the same value differs
    assert set(changed.changes["fields"]) == {"religion", "given_name"}
    assert snapshots.reveal_changes(changed.changes)["fields"]["religion"] == ["Phật giáo Hòa Hảo", "Cao Đài"]


def test_an_unchanged_sensitive_value_is_no_change(officers):
    officer = officers["thai_thuy"]
    citizen = new_citizen(officer)
    actions.update_citizen(officer, citizen, {"ethnicity": "Tày"}, reason="không đổi")
    assert not AuditEntry.objects.filter(event="citizen_changed").exists()


def test_history_page_and_api_show_the_values_to_a_reader_of_the_record(client, officers):
    officer = officers["thai_thuy"]
    citizen = new_citizen(officer)
    actions.update_citizen(officer, citizen, {"religion": "Cao Đài"}, reason="đính chính")
    client.force_login(officer)
    page = client.get(f"/citizens/{citizen.id_number}/").content.decode()
    assert "Cao Đài" in page and "enc1:" not in page
    history = client.get(f"/api/v1/citizens/{citizen.id_number}/history").json()
    fields = [entry["changes"]["fields"] for entry in history if entry["changes"].get("fields")]
    assert fields == [{"religion": ["Phật giáo Hòa Hảo", "Cao Đài"]}]
    assert "enc1:" not in json.dumps(history)


def test_readers_who_may_not_see_the_record_and_lost_keys_get_a_marker(officers):
    officer = officers["thai_thuy"]
    citizen = new_citizen(officer)
    actions.update_citizen(officer, citizen, {"religion": "Cao Đài"}, reason="đính chính")
    changes = AuditEntry.objects.get(event="citizen_changed").changes
    assert snapshots.reveal_changes(changes, may_read=False)["fields"]["religion"] == [
        snapshots.HIDDEN, snapshots.HIDDEN]  # fmt: skip
    token = changes["fields"]["religion"][1]["enc"]
    lost = {"fields": {"religion": [None, {"enc": "enc1:99:" + token.split(":", 2)[2]}]}}
    assert snapshots.reveal_changes(lost)["fields"]["religion"] == [None, snapshots.UNREADABLE]
