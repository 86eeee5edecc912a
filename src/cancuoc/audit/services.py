"""Writing and verifying the audit log. ``record`` is called inside the caller's transaction, so an
entry exists exactly when the change it describes was committed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from .chain import GENESIS_HASH, entry_digest
from .middleware import current_request_context
from .models import AuditChainHead, AuditEntry

MAX_REASON_LENGTH = 300


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
        # free text from users is bounded: the log must not grow by what an attacker types
        if len(self.reason) > MAX_REASON_LENGTH:
            object.__setattr__(self, "reason", self.reason[: MAX_REASON_LENGTH - 1] + "…")


def insert_entries(entries: list[AuditEntry]) -> None:
    if len(entries) < 50:
        AuditEntry.objects.bulk_create(entries)
        return
    from cancuoc.registry.bulk import insert_instances  # plain INSERTs: imports write a million entries

    insert_instances(entries)


def _lock_head() -> AuditChainHead:
    head, _created = AuditChainHead.objects.get_or_create(id=1)
    if connection.vendor != "sqlite":  # SQLite's write lock (IMMEDIATE transactions) already serialises
        head = AuditChainHead.objects.select_for_update().get(id=1)
    return head


def record(actor, event: AuditEvent) -> AuditEntry:
    return record_many(actor, [event])[0]


def record_many(actor, events: Iterable[AuditEvent]) -> list[AuditEntry]:
    """Append entries for ``events`` in order, chained, in the current (or a new) transaction."""
    context = current_request_context()
    remote_addr = context.remote_addr if context else ""
    user_agent = context.user_agent if context else ""
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    actor_username = actor.get_username() if actor_id else (getattr(actor, "username", "") or "system")
    with transaction.atomic():
        head = _lock_head()
        sequence, previous = head.sequence, head.last_hash
        entries = []
        now = timezone.now()
        for event in events:
            sequence += 1
            changes = event.changes or {}
            digest = entry_digest(
                previous_hash=previous, sequence=sequence, at=now, actor_id=actor_id,
                actor_username=actor_username, action=event.action, event=event.event, object_type=event.object_type,
                object_id=str(event.object_id), unit_path=event.unit_path, remote_addr=remote_addr,
                user_agent=user_agent, reason=event.reason, changes=changes,
            )  # fmt: skip
            entries.append(
                AuditEntry(
                    sequence=sequence,
                    at=now,
                    actor_id=actor_id,
                    actor_username=actor_username,
                    action=event.action,
                    event=event.event,
                    object_type=event.object_type,
                    object_id=str(event.object_id),
                    unit_path=event.unit_path,
                    remote_addr=remote_addr,
                    user_agent=user_agent,
                    reason=event.reason,
                    changes=changes,
                    previous_hash=previous,
                    entry_hash=digest,
                )  # fmt: skip
            )
            previous = digest
        insert_entries(entries)
        AuditChainHead.objects.filter(id=1).update(sequence=sequence, last_hash=previous)
    return entries


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    problem: str


def verify_chain(progress=None, batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Recompute every hash in sequence order. Returns (entries checked, problems found)."""
    problems: list[ChainProblem] = []
    previous, expected_sequence, checked = GENESIS_HASH, 1, 0
    total = AuditEntry.objects.count()
    for entry in _iterate(batch_size):
        if entry.sequence != expected_sequence:
            problems.append(
                ChainProblem(expected_sequence, f"missing entries {expected_sequence}–{entry.sequence - 1}")
            )
        if entry.previous_hash != previous:
            problems.append(ChainProblem(entry.sequence, "previous hash does not match the entry before it"))
        digest = entry_digest(
            previous_hash=entry.previous_hash, sequence=entry.sequence, at=entry.at, actor_id=entry.actor_id,
            actor_username=entry.actor_username, action=entry.action, event=entry.event, object_type=entry.object_type,
            object_id=entry.object_id, unit_path=entry.unit_path, remote_addr=entry.remote_addr,
            user_agent=entry.user_agent, reason=entry.reason, changes=entry.changes,
        )  # fmt: skip
        if digest != entry.entry_hash:
            problems.append(ChainProblem(entry.sequence, "content does not match its hash (edited)"))
        previous, expected_sequence = entry.entry_hash, entry.sequence + 1
        checked += 1
        if progress and checked % batch_size == 0:
            progress(checked, total)
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.sequence != expected_sequence - 1:
        problems.append(ChainProblem(head.sequence, "entries after the last one present were deleted"))
    elif head is not None and head.last_hash != previous:
        problems.append(ChainProblem(head.sequence, "the chain head does not match the last entry"))
    if progress:
        progress(checked, total)
    return checked, problems


def _iterate(batch_size: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(sequence__gt=last).order_by("sequence")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].sequence
