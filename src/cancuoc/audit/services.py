"""Writing the audit log. ``record`` is called inside the caller's transaction, so an entry exists exactly
when the change it describes was committed.

Appending never waits for another transaction: there is no chain head to lock. The order of the log
(``sequence``) comes from the database sequence ``audit_entry_sequence`` on PostgreSQL (drawn under a shared
advisory lock that only tells the sealer which transactions are still writing) and from ``MAX + 1`` under
SQLite's single writer lock, which a transaction that changes data already holds. An audited read on SQLite
that finds the writer lock taken (a long import) does not queue behind it: its entry goes to the spool
(``spool.py``) and the sealer moves it into the log. Each entry carries an HMAC under the ``audit-mac`` key,
which the database does not hold. See docs/adr/0003-audit-log.md.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from cancuoc import keyring

from . import chain
from .middleware import current_request_context
from .models import AuditEntry

MAC_KEY = "audit-mac"
# Free text is bounded: the log must not grow by what an attacker types or sends.
MAX_REASON_LENGTH = 300
MAX_USER_AGENT_LENGTH = 200
MAX_CHANGES_BYTES = 8192
_FIELD_LENGTHS = {"object_type": 40, "object_id": 40, "unit_path": 64, "event": 48, "action": 16}
# advisory lock keys (PostgreSQL): writers hold (LOCK_CLASS, WRITING) shared while their transaction is open
LOCK_CLASS = 0x61756474  # "audt"
WRITING = 1
SEALING = 2
# SQLite: how long a standalone entry (an audited read) may wait for the writer lock before it is spooled;
# once one was spooled, the next ones for a short while do not wait at all (a long import is running)
SQLITE_WAIT_MS = 20
SQLITE_NO_WAIT_AFTER_SPOOL_SECONDS = 2.0
_spooled_at = [float("-inf")]


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class AuditEvent:
    """One entry to write. Built only by the typed event functions in each domain's ``events.py``."""

    action: str
    object_type: str = ""
    object_id: str = ""
    unit_path: str = ""
    reason: str = ""
    changes: dict | None = None
    event: str = ""

    def __post_init__(self):
        object.__setattr__(self, "reason", _bounded(_encodable(str(self.reason)), MAX_REASON_LENGTH))
        for name, limit in _FIELD_LENGTHS.items():
            value = _encodable(str(getattr(self, name)))
            object.__setattr__(self, name, value)
            if len(value) > limit:
                object.__setattr__(self, name, _bounded(value, limit))


def area_of(user) -> str:
    """The unit path an entry about a user or by a user is filed under ("" for nationwide or the system)."""
    unit = getattr(user, "unit", None)
    return unit.path if unit is not None else ""


def _encodable(text: str) -> str:
    """Text as it can be stored: a lone surrogate (which no database encodes) becomes "?", a NUL (which
    PostgreSQL's text refuses) U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def bounded_changes(changes: dict) -> dict:
    """``changes`` as stored: unchanged up to MAX_CHANGES_BYTES of canonical JSON, otherwise an excerpt with
    the size and SHA-256 of the whole (which proves the whole if it is kept elsewhere)."""
    encoded = chain.canonical_json(changes)
    if len(encoded) <= MAX_CHANGES_BYTES:
        return changes
    text = encoded.decode()
    return {
        "truncated": True,
        "bytes": len(encoded),
        "sha256": hashlib.sha256(encoded).hexdigest(),
        "excerpt": text[: MAX_CHANGES_BYTES // 2],
    }


def canonical_bounding_changes(entry: AuditEntry) -> bytes:
    """The canonical form of a new entry, after bounding its ``changes`` (measured only when the whole
    entry is larger than the bound: one serialisation per entry on the bulk paths)."""
    encoded = canonical(entry)
    if len(encoded) > MAX_CHANGES_BYTES:
        bounded = bounded_changes(entry.changes)
        if bounded is not entry.changes:
            entry.changes = bounded
            encoded = canonical(entry)
    return encoded


def canonical(entry: AuditEntry) -> bytes:
    return chain.canonical_entry(
        sequence=entry.sequence, at=entry.at, actor_id=entry.actor_id, actor_username=entry.actor_username,
        action=entry.action, event=entry.event, object_type=entry.object_type, object_id=entry.object_id,
        unit_path=entry.unit_path, remote_addr=entry.remote_addr, user_agent=entry.user_agent,
        reason=entry.reason, changes=entry.changes, mac_key=entry.mac_key,
    )  # fmt: skip


def insert_entries(entries: list[AuditEntry]) -> None:
    if len(entries) < 50:
        AuditEntry.objects.bulk_create(entries)
        return
    from cancuoc.registry.bulk import insert_instances  # COPY / multi-row INSERT: imports write a million

    insert_instances(entries)


def record(actor, event: AuditEvent) -> AuditEntry:
    return record_many(actor, [event])[0]


def record_many(actor, events: Iterable[AuditEvent]) -> list[AuditEntry]:
    """Append entries for ``events`` in order, in the current (or a new) transaction."""
    context = current_request_context()
    remote_addr = (context.remote_addr if context else "")[:45]
    user_agent = _bounded(context.user_agent if context else "", MAX_USER_AGENT_LENGTH)
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_username = actor.get_username() if actor_id else (getattr(actor, "username", "") or "system")
    actor_username = actor_username[:150]
    now = timezone.now()
    entries = [
        AuditEntry(
            at=now, actor_id=actor_id, actor_username=actor_username, action=event.action, event=event.event,
            object_type=event.object_type, object_id=str(event.object_id), unit_path=event.unit_path,
            remote_addr=remote_addr, user_agent=user_agent, reason=event.reason,
            changes=event.changes or {},
        )  # fmt: skip
        for event in events
    ]
    if not entries:
        return entries
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        return _append_standalone_on_sqlite(entries)
    # no savepoint inside the caller's transaction: an entry that fails fails the change it records
    with transaction.atomic(savepoint=False):
        append(entries)
    return entries


def append(entries: list[AuditEntry]) -> None:
    """Give ``entries`` their sequence and MAC and insert them; inside a transaction."""
    key = keyring.current(MAC_KEY)
    for entry, sequence in zip(entries, _draw_sequences(len(entries)), strict=True):
        entry.sequence, entry.mac_key = sequence, key.version
        entry.mac = chain.entry_mac(key.secret, canonical_bounding_changes(entry))
    insert_entries(entries)


def _draw_sequences(count: int) -> list[int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Taken before drawing and held to the end of the transaction: the sealer sees who may still
            # commit entries below the highest sequence drawn. Shared: writers never wait for each other.
            # (one round trip: the lock's one-row subquery is joined before any nextval is evaluated)
            cursor.execute(
                "SELECT nextval('audit_entry_sequence') FROM (SELECT pg_advisory_xact_lock_shared(%s, %s)) AS "
                "writing, generate_series(1, %s)", [LOCK_CLASS, WRITING, count],
            )  # fmt: skip
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite: this transaction holds the only writer lock, so MAX + 1 cannot collide
        cursor.execute("SELECT COALESCE(MAX(sequence), 0) FROM audit_auditentry")
        start = cursor.fetchone()[0]
        return list(range(start + 1, start + count + 1))


@contextmanager
def _busy_timeout(milliseconds: int):
    connection.ensure_connection()
    raw = connection.connection
    previous = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _is_locked(error: OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _append_standalone_on_sqlite(entries: list[AuditEntry]) -> list[AuditEntry]:
    """An entry outside any transaction (an audited read, a log-in): appended if the writer lock is free
    within SQLITE_WAIT_MS, otherwise spooled, so that a read never waits for a long import to commit."""
    from . import spool

    recently_spooled = time.monotonic() - _spooled_at[0] < SQLITE_NO_WAIT_AFTER_SPOOL_SECONDS
    try:
        with _busy_timeout(0 if recently_spooled else SQLITE_WAIT_MS), transaction.atomic():
            append(entries)
        return entries
    except OperationalError as error:
        if not _is_locked(error):
            raise
    _spooled_at[0] = time.monotonic()
    for entry in entries:  # not in the log yet: the sealer gives them their place
        entry.sequence, entry.mac, entry.mac_key = None, "", 0
    spool.put(entries)
    return entries
