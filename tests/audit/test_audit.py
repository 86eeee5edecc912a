import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from cancuoc import keyring
from cancuoc.audit import chain, guard, sealing
from cancuoc.audit.middleware import RequestContext, _current
from cancuoc.audit.models import Action, AuditCheckpoint, AuditEntry
from cancuoc.audit.services import (
    MAX_CHANGES_BYTES,
    MAX_REASON_LENGTH,
    MAX_USER_AGENT_LENGTH,
    AuditEvent,
    record,
    record_many,
)


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


def verify_fails(*arguments) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", *arguments)
    return str(failure.value)


def held_checkpoint(tmp_path) -> str:
    path = tmp_path / "head.json"
    call_command("audit", "head", "--out", str(path))
    return str(path)


def test_entries_are_ordered_maced_sealed_and_verified(officers):
    entries = write_entries(officers["thai_thuy"])
    sequences = [e.sequence for e in entries]
    assert sequences == sorted(sequences) and len(set(sequences)) == 5
    assert all(len(e.mac) == 64 and e.mac_key >= 1 for e in entries)
    total = AuditEntry.objects.count()  # the officers' creation is audited too
    result = sealing.seal()
    assert (result.sealed, result.checkpoint.size, result.checkpoint.sequence) == (total, total, sequences[-1])
    outcome = sealing.verify()
    assert (outcome.checked, outcome.sealed, outcome.problems) == (total, total, [])
    call_command("audit", "verify")
    assert sealing.seal().checkpoint is None  # nothing new


def test_the_database_refuses_updates_and_deletes_of_entries_and_checkpoints(officers):
    write_entries(officers["thai_thuy"], 2)
    sealing.seal()
    first = AuditEntry.objects.order_by("sequence").first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=first.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=first.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditCheckpoint.objects.update(chain_hash="0" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditCheckpoint.objects.all().delete()
    assert AuditEntry.objects.get(pk=first.pk).reason == first.reason != "changed"
    assert AuditCheckpoint.objects.count() == 1


def _forge_entry(sequence: int, **fields) -> None:
    """An attacker with only database access appends an entry whose hash they computed correctly; the MAC
    key is not in the database, so the best they can do is a MAC under a key of their own."""
    at = timezone.now()
    content = dict(sequence=sequence, at=at, actor_id=None, actor_username="intruder", action="read",
                   event="citizen_viewed", object_type="citizen", object_id="034090000009", unit_path="/1/",
                   remote_addr="", user_agent="", reason="", changes={}, mac_key=1)  # fmt: skip
    content.update(fields)
    canonical = chain.canonical_entry(**content)
    forged_mac = chain.entry_mac(hashlib.sha256(b"a guessed key").digest(), canonical)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (sequence, at, actor_id, actor_username, action, event, object_type, "
            "object_id, unit_path, remote_addr, user_agent, reason, changes, mac_key, mac) "
            "VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, '', '', '', %s, 1, %s)",
            [sequence, at, content["actor_username"], content["action"], content["event"], content["object_type"],
             content["object_id"], content["unit_path"], "{}", forged_mac],
        )  # fmt: skip


def test_an_entry_appended_by_raw_sql_without_the_key_fails_verification(officers):
    entries = write_entries(officers["thai_thuy"])
    sealing.seal()
    forged = entries[-1].sequence + 1
    if connection.vendor == "postgresql":  # the attacker draws its number like the application does
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('audit_entry_sequence')")
            forged = cursor.fetchone()[0]
    _forge_entry(forged)  # INSERT is all the application role may do; no guard had to be dropped
    message = verify_fails()
    assert f"#{forged}" in message and "MAC" in message
    # and the sealer refuses to vouch for it quietly
    assert sealing.seal().bad_entries == [forged]


def test_a_truncated_tail_with_the_head_moved_back_fails_against_a_held_checkpoint(officers, tmp_path):
    write_entries(officers["thai_thuy"], 5)
    sealing.seal()
    kept = write_entries(officers["thai_thuy"], 3)
    sealing.seal()
    held = held_checkpoint(tmp_path)
    drop_append_only_guard()
    AuditEntry.objects.filter(sequence__gte=kept[0].sequence).delete()
    AuditCheckpoint.objects.order_by("-size").first().delete()  # the head moved back: the log is consistent again
    assert sealing.verify().problems == []  # which is why checkpoints are kept outside
    message = verify_fails("--against", held)
    assert f"#{kept[0].sequence}" in message and "missing" in message


def test_an_edited_entry_with_everything_recomputed_fails_verification(officers):
    entries = write_entries(officers["thai_thuy"])
    sealing.seal()
    drop_append_only_guard()
    target = AuditEntry.objects.get(sequence=entries[2].sequence)
    target.actor_username = "someone_else"
    # the attacker recomputes what they can: a MAC under their own key and a checkpoint signed by their key
    attacker_mac = hashlib.sha256(b"attacker").digest()
    target.mac = chain.entry_mac(attacker_mac, chain.canonical_entry(
        sequence=target.sequence, at=target.at, actor_id=target.actor_id, actor_username=target.actor_username,
        action=target.action, event=target.event, object_type=target.object_type, object_id=target.object_id,
        unit_path=target.unit_path, remote_addr=target.remote_addr, user_agent=target.user_agent,
        reason=target.reason, changes=target.changes, mac_key=target.mac_key))  # fmt: skip
    AuditEntry.objects.filter(pk=target.pk).update(actor_username=target.actor_username, mac=target.mac)
    checkpoint = AuditCheckpoint.objects.get()
    running = chain.genesis()
    for row in sealing._entries():
        running = chain.chain_step(running, chain.leaf_hash(sealing._canonical_of(row), row["mac"]))
    forged = chain.sign(
        chain.Checkpoint(size=checkpoint.size, sequence=checkpoint.sequence, chain_hash=running.hex(), gaps=(),
                         at=checkpoint.at, key_id=checkpoint.key_id),
        chain.signing_key(hashlib.sha256(b"attacker signing key").digest()),
    )  # fmt: skip
    AuditCheckpoint.objects.filter(pk=checkpoint.pk).update(chain_hash=forged.chain_hash, signature=forged.signature)
    problems = sealing.verify().problems
    assert problems[0].sequence == entries[2].sequence and "MAC" in problems[0].problem
    assert any("not signed by our key" in p.problem for p in problems)
    assert f"#{entries[2].sequence}" in verify_fails()


def test_reordered_and_removed_entries_are_named(officers):
    entries = write_entries(officers["thai_thuy"])
    sealing.seal()
    second, fourth = entries[1].sequence, entries[3].sequence
    drop_append_only_guard()
    AuditEntry.objects.filter(sequence=second).update(sequence=-1)
    AuditEntry.objects.filter(sequence=fourth).update(sequence=second)
    AuditEntry.objects.filter(sequence=-1).update(sequence=fourth)
    problems = sealing.verify().problems
    assert problems[0].sequence == second and "MAC" in problems[0].problem
    AuditEntry.objects.filter(sequence__in=[second, fourth]).delete()
    problems = sealing.verify().problems
    assert problems[0].sequence == second and "missing" in problems[0].problem


def test_rotating_the_mac_key_keeps_old_entries_verifiable(officers):
    old = write_entries(officers["thai_thuy"], 2)
    keyring.create_version("audit-mac")
    keyring.forget_cached_keys()
    new = write_entries(officers["thai_thuy"], 2)
    assert new[0].mac_key == old[0].mac_key + 1
    sealing.seal()
    assert sealing.verify().problems == []


def test_a_held_checkpoint_that_was_not_signed_by_us_is_refused(officers, tmp_path):
    write_entries(officers["thai_thuy"], 2)
    sealing.seal()
    path = tmp_path / "head.json"
    call_command("audit", "head", "--out", str(path))
    data = json.loads(path.read_text())
    data["size"] = 1
    path.write_text(json.dumps(data))
    assert "signature" in verify_fails("--against", str(path))
    call_command("audit", "public-key", "--out", str(tmp_path / "audit.pub"))
    assert (tmp_path / "audit.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_free_text_is_bounded(officers):
    token = _current.set(RequestContext(remote_addr="10.0.0.1", user_agent="A" * 5000))
    try:
        entry = record(officers["thai_thuy"], AuditEvent(
            Action.READ, "citizen", "9" * 500, "/1/" * 100, "r" * 5000, {"blob": "x" * 100_000},
        ))  # fmt: skip
    finally:
        _current.reset(token)
    stored = AuditEntry.objects.get(sequence=entry.sequence)
    assert len(stored.reason) == MAX_REASON_LENGTH
    assert len(stored.user_agent) == MAX_USER_AGENT_LENGTH
    assert len(stored.object_id) == 40 and len(stored.unit_path) == 64
    assert stored.changes["truncated"] is True and stored.changes["bytes"] > 100_000
    assert len(json.dumps(stored.changes)) <= MAX_CHANGES_BYTES
    whole = chain.canonical_json({"blob": "x" * 100_000})
    assert stored.changes["sha256"] == hashlib.sha256(whole).hexdigest()
    small = record(officers["thai_thuy"], AuditEvent(Action.READ, "citizen", "1", "", "", {"returned": ["1"]}))
    assert AuditEntry.objects.get(sequence=small.sequence).changes == {"returned": ["1"]}
    sealing.seal()
    assert sealing.verify().problems == []


def test_the_seal_task_seals(officers):
    from cancuoc.audit.tasks import seal_audit_log

    write_entries(officers["thai_thuy"], 3)
    assert seal_audit_log.enqueue().return_value == AuditEntry.objects.count()
    assert AuditCheckpoint.objects.get().size == AuditEntry.objects.count()


def test_sealing_is_scheduled_once_on_the_database_backend(officers, settings):
    from django_tasks_db.models import DBTaskResult

    from cancuoc.audit.tasks import schedule_sealing, seal_audit_log

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    DBTaskResult.objects.filter(task_path=seal_audit_log.module_path).delete()
    assert schedule_sealing() is True
    assert schedule_sealing() is False
    waiting = DBTaskResult.objects.get(task_path=seal_audit_log.module_path)
    assert waiting.run_after > timezone.now()


def test_login_and_failed_login_are_audited(client, officers):
    client.post("/login/", {"username": "officer_thai_thuy", "password": "wrong"})
    client.post("/login/", {"username": "officer_thai_thuy", "password": "correct-horse-battery"})
    actions = list(AuditEntry.objects.filter(action__startswith="login").order_by("sequence")
                   .values_list("action", flat=True))
    assert actions == ["login_failed", "login"]


def test_auditor_page_searches_by_user_and_record(client, officers):
    record(officers["thai_thuy"], AuditEvent(Action.READ, "citizen", "034090000001", "", "x"))
    record(officers["ba_dinh"], AuditEvent(Action.READ, "citizen", "001090000002", "", "y"))
    client.force_login(officers["auditor"])
    page = client.get("/audit/", {"actor": "officer_ba_dinh"}).content.decode()
    assert "001090000002" in page and "034090000001" not in page
    page = client.get("/audit/", {"object_id": "034090000001"}).content.decode()
    assert "officer_thai_thuy" in page and "001090000002" not in page


def test_keys_are_created_at_the_first_start_even_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCUOC_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("CANCUOC_ENV", "production")
    keyring.forget_cached_keys()
    with pytest.raises(keyring.KeyMissing):  # production never makes a key on first use
        keyring.current("audit-mac")
    call_command("audit", "create-keys")
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == ["audit-checkpoint.1.key", "audit-mac.1.key"]
    call_command("audit", "create-keys")  # idempotent: never a second version by accident
    assert len(list((tmp_path / "keys").iterdir())) == 2
    keyring.forget_cached_keys()


def test_rotating_a_key_needs_the_permission_and_is_audited(officers):
    with pytest.raises(CommandError):
        call_command("audit", "rotate-key", "checkpoint", "--user", "officer_thai_thuy")
    before = keyring.current("audit-checkpoint").version
    write_entries(officers["thai_thuy"], 2)
    sealing.seal()
    call_command("audit", "rotate-key", "checkpoint", "--user", "auditor")
    assert keyring.current("audit-checkpoint").version == before + 1
    assert AuditEntry.objects.filter(event="audit_key_rotated", actor_username="auditor").count() == 1
    sealing.seal()  # a checkpoint under the new key; the old one still verifies
    assert {c.key_id.split(":")[0] for c in AuditCheckpoint.objects.all()} == {
        f"audit-checkpoint.{before}", f"audit-checkpoint.{before + 1}"}
    assert sealing.verify().problems == []
