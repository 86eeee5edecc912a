import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cancuoc.audit import guard
from cancuoc.audit.models import Action, AuditEntry
from cancuoc.audit.services import AuditEvent, record, record_many, verify_chain


@pytest.fixture(autouse=True)
def _guard_installed(db):
    # A transactional test on SQLite removes the guard so that its database can be flushed.
    guard.install(connection)


def write_entries(user, n=5):
    return record_many(
        user, [AuditEvent(Action.READ, "citizen", f"03409000000{i}", "/1/", "test") for i in range(n)]
    )


def drop_append_only_guard():
    """What an attacker with database rights would do first."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # Django's deferred FK checks block DDL
    guard.remove(connection)


def test_entries_chain_and_verify(officers):
    entries = write_entries(officers["thai_thuy"])
    assert [e.sequence for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].previous_hash == entries[0].entry_hash
    checked, problems = verify_chain()
    assert (checked, problems) == (5, [])
    call_command("audit", "verify")


def test_the_database_refuses_updates_and_deletes(officers):
    write_entries(officers["thai_thuy"], 2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(sequence=1).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(sequence=2).delete()
    assert AuditEntry.objects.get(sequence=1).reason == "test"


def test_an_edited_entry_is_detected(officers):
    write_entries(officers["thai_thuy"])
    drop_append_only_guard()
    AuditEntry.objects.filter(sequence=3).update(actor_username="someone_else")
    _, problems = verify_chain()
    assert [(p.sequence, "edited" in p.problem) for p in problems] == [(3, True)]
    with pytest.raises(CommandError):
        call_command("audit", "verify")


@pytest.mark.parametrize("deleted", [2, 5])
def test_a_deleted_entry_is_detected_in_the_middle_or_at_the_end(officers, deleted):
    write_entries(officers["thai_thuy"])
    drop_append_only_guard()
    AuditEntry.objects.filter(sequence=deleted).delete()
    _, problems = verify_chain()
    assert problems, "deletion went unnoticed"


def test_login_and_failed_login_are_audited(client, officers):
    client.post("/login/", {"username": "officer_thai_thuy", "password": "wrong"})
    client.post("/login/", {"username": "officer_thai_thuy", "password": "correct-horse-battery"})
    actions = list(AuditEntry.objects.order_by("sequence").values_list("action", flat=True))
    assert actions == ["login_failed", "login"]


def test_auditor_page_searches_by_user_and_record(client, officers):
    record(officers["thai_thuy"], AuditEvent(Action.READ, "citizen", "034090000001", "", "x"))
    record(officers["ba_dinh"], AuditEvent(Action.READ, "citizen", "001090000002", "", "y"))
    client.force_login(officers["auditor"])
    page = client.get("/audit/", {"actor": "officer_ba_dinh"}).content.decode()
    assert "001090000002" in page and "034090000001" not in page
    page = client.get("/audit/", {"object_id": "034090000001"}).content.decode()
    assert "officer_thai_thuy" in page and "001090000002" not in page
