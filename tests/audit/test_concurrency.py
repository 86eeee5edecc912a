"""Writing an entry never waits for another transaction; the sealer only seals what it knows is complete."""

import os
import sqlite3
import subprocess
import sys
import threading

import pytest
from django.db import connection, transaction

from cancuoc.audit import sealing
from cancuoc.audit.models import Action, AuditCheckpoint, AuditEntry
from cancuoc.audit.services import AuditEvent, record, record_many


def event(number: str) -> AuditEvent:
    return AuditEvent(Action.READ, "citizen", number, "/1/", "test")


def _cancuoc(var_dir, *arguments, timeout=60) -> subprocess.CompletedProcess:
    env = {**os.environ, "CANCUOC_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "cancuoc.settings"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "cancuoc.cli", *arguments], env=env, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def test_an_audited_search_during_a_long_sqlite_write_completes_and_reaches_the_log(tmp_path):
    """The issue's case: an import holds SQLite's writer lock for minutes; a search must not wait for it
    (before: HTTP 500 'database is locked' after 30 s)."""
    assert _cancuoc(tmp_path, "migrate", "-v0").returncode == 0
    database = sqlite3.connect(tmp_path / "cancuoc.sqlite3", isolation_level=None)
    database.execute("BEGIN IMMEDIATE")  # the import's transaction: holds the writer lock
    database.execute("CREATE TABLE import_in_progress (n INTEGER)")
    search = _cancuoc(tmp_path, "shell", "-c", (
        "from cancuoc.registry import events; "
        "events.citizens_searched(None, query='Nguyễn Văn An', birth_year=None, returned=['034090000001']); "
        "print('searched')"), timeout=25)  # fmt: skip
    assert search.returncode == 0, search.stderr
    assert "searched" in search.stdout
    assert database.in_transaction  # it completed while the write transaction was still open
    searched = "SELECT COUNT(*) FROM audit_auditentry WHERE event = 'citizens_searched'"
    assert database.execute(searched).fetchone()[0] == 0
    spooled = sqlite3.connect(tmp_path / "cancuoc.sqlite3-audit-spool")
    assert spooled.execute("SELECT COUNT(*) FROM spooled").fetchone()[0] == 1
    database.execute("ROLLBACK")  # the import ends (here: fails); the lock is free
    sealed = _cancuoc(tmp_path, "audit", "seal")
    assert sealed.returncode == 0, sealed.stderr
    assert "1 spooled" in sealed.stdout
    assert database.execute(searched).fetchone()[0] == 1
    assert spooled.execute("SELECT COUNT(*) FROM spooled").fetchone()[0] == 0
    verified = _cancuoc(tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr


def test_a_spooled_entry_changed_in_the_spool_is_not_moved_into_the_log(tmp_path):
    assert _cancuoc(tmp_path, "migrate", "-v0").returncode == 0
    database = sqlite3.connect(tmp_path / "cancuoc.sqlite3", isolation_level=None)
    database.execute("BEGIN IMMEDIATE")
    script = "from cancuoc.audit import events; events.login_failed(username='someone')"
    assert _cancuoc(tmp_path, "shell", "-c", script, timeout=25).returncode == 0
    database.execute("ROLLBACK")
    spooled = sqlite3.connect(tmp_path / "cancuoc.sqlite3-audit-spool", isolation_level=None)
    spooled.execute("UPDATE spooled SET content = replace(content, 'someone', 'nobody')")
    sealed = _cancuoc(tmp_path, "audit", "seal")
    assert "bad MAC were rejected" in sealed.stderr
    assert database.execute("SELECT COUNT(*) FROM audit_auditentry WHERE event = 'login_failed'").fetchone()[0] == 0


def test_a_rolled_back_append_leaves_a_recorded_gap_not_a_false_alarm(db):
    kept = record(None, event("1"))
    with pytest.raises(RuntimeError), transaction.atomic():
        record(None, event("2"))
        raise RuntimeError("the change failed; its entry goes with it")
    after = record(None, event("3"))
    checkpoint = sealing.seal().checkpoint
    if connection.vendor == "postgresql":  # a sequence number is never given back
        assert after.sequence == kept.sequence + 2
        assert [kept.sequence + 1, kept.sequence + 1] in checkpoint.gaps
    assert sealing.verify().problems == []


@pytest.mark.postgres
def test_appending_never_waits_and_the_sealer_does_not_seal_past_an_open_transaction(flushable_audit_log):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: transactions append concurrently there")
    holding, release, in_flight = threading.Event(), threading.Event(), []

    def long_import():
        try:
            with transaction.atomic():
                in_flight.extend(e.sequence for e in record_many(None, [event(str(n)) for n in range(3)]))
                holding.set()
                release.wait(20)
        finally:
            connection.close()

    writer = threading.Thread(target=long_import)
    writer.start()
    try:
        assert holding.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")  # any wait for a lock now fails this test
        late = record(None, event("9"))  # committed at once, while the import is open
        assert late.sequence > max(in_flight)
        assert AuditEntry.objects.filter(sequence=late.sequence).exists()
        early = sealing.seal(wait_for_writers=0.2)
        assert early.checkpoint is None  # the open transaction's entries may still commit below it
    finally:
        release.set()
        writer.join(10)
    result = sealing.seal()
    assert result.checkpoint.sequence == late.sequence
    assert result.checkpoint.size == 4 == AuditCheckpoint.objects.get().size
    assert sealing.verify().problems == []
