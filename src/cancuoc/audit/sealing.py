"""Sealing and verifying the audit log.

The sealer takes committed entries in sequence order, checks their MACs, folds them into the running chain
hash and writes a checkpoint signed with the Ed25519 key ``audit-checkpoint`` (outside the database, in the
keyring folder). It only seals a prefix it knows is complete:

- SQLite: one writer at a time and sequences given as MAX + 1 under the writer lock, so whatever is committed
  is a gap-free prefix; the sealer first moves spooled entries (``spool.py``) into the log.
- PostgreSQL: writers draw sequences under a shared advisory lock held until their transaction ends. The
  sealer notes the highest sequence drawn and then which transactions hold that lock (a marker); once none
  of them is open any more, every sequence up to the marker is committed or never will be (a rolled-back
  transaction: a gap, recorded in the checkpoint). A long import therefore delays sealing, never writing.

``verify`` recomputes every MAC and the chain, checks every checkpoint's signature, and compares the log
with a checkpoint held outside (``--against``), naming the first bad entry.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import OperationalError, connection, transaction

from cancuoc import keyring

from . import chain, spool
from .models import AuditCheckpoint, AuditEntry, AuditSealMarker
from .services import LOCK_CLASS, MAC_KEY, SEALING, WRITING, append

CHECKPOINT_KEY = "audit-checkpoint"
ENTRY_FIELDS = [
    "sequence", "at", "actor_id", "actor_username", "action", "event", "object_type", "object_id", "unit_path",
    "remote_addr", "user_agent", "reason", "changes", "mac_key", "mac",
]  # fmt: skip


class SealingError(Exception):
    pass


# ---------------------------------------------------------------------------------------------- keys


def checkpoint_signer() -> tuple[chain.Ed25519PrivateKey, str]:
    key = keyring.current(CHECKPOINT_KEY)
    private = chain.signing_key(key.secret)
    return private, chain.key_id(CHECKPOINT_KEY, key.version, private.public_key())


def public_key_for(key_id: str):
    """The public key a checkpoint names, from our own keyring (a key id in a file is never trusted)."""
    name, _, rest = key_id.partition(".")
    number, _, fingerprint = rest.partition(":")
    if name != CHECKPOINT_KEY or not number.isdigit():
        return None
    try:
        public = chain.signing_key(keyring.version(CHECKPOINT_KEY, int(number)).secret).public_key()
    except keyring.KeyMissing:
        return None
    return public if chain.key_id(CHECKPOINT_KEY, int(number), public) == key_id else None


def public_key_pem() -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private, _ = checkpoint_signer()
    return private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


# ---------------------------------------------------------------------------------------------- sealing


@dataclass
class SealResult:
    checkpoint: AuditCheckpoint | None
    sealed: int = 0
    drained: int = 0
    rejected_from_spool: int = 0
    bad_entries: list[int] = field(default_factory=list)


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-size").first()


def as_checkpoint(row: AuditCheckpoint) -> chain.Checkpoint:
    return chain.Checkpoint(
        size=row.size, sequence=row.sequence, chain_hash=row.chain_hash,
        gaps=tuple(tuple(gap) for gap in row.gaps), at=row.at, key_id=row.key_id, signature=row.signature,
    )  # fmt: skip


def drain_spool(*, busy_timeout_ms: int | None = None) -> tuple[int, int]:
    """SQLite: move spooled entries into the log, oldest first. Returns (moved, rejected)."""
    if connection.vendor != "sqlite" or not spool.pending():
        return 0, 0
    moved = rejected = 0
    while True:
        taken = spool.take()
        if not taken:
            return moved, rejected
        entries = [AuditEntry(**fields) for _, fields in taken if fields is not None]
        rejected += sum(1 for _, fields in taken if fields is None)
        entries = [entry for entry in entries if not _already_in_log(entry)]  # a drain cut short by a crash
        with transaction.atomic():
            if entries:
                append(entries)
        spool.forget([spool_id for spool_id, _ in taken])
        moved += len(entries)


def _already_in_log(entry: AuditEntry) -> bool:
    return AuditEntry.objects.filter(
        at=entry.at, actor_username=entry.actor_username, event=entry.event, action=entry.action,
        object_type=entry.object_type, object_id=entry.object_id, reason=entry.reason,
    ).exists()  # fmt: skip


def seal(*, wait_for_writers: float = 2.0) -> SealResult:
    """Seal every entry known to be committed in order; write a signed checkpoint if there is any new."""
    drained, rejected = drain_spool()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:  # one sealer at a time; writers never take this lock
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, SEALING])
            result = _store(_compute(_postgres_frontier(wait_for_writers)))
    else:
        # SQLite: committed sequences are a gap-free prefix. Hash them without holding the writer lock
        # (WAL readers never block), then take it only to store the checkpoint.
        frontier = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        computed = _compute(frontier)
        with transaction.atomic():
            latest = latest_checkpoint()
            if computed.base != (latest.size if latest else 0):  # another sealer was quicker
                computed = _compute(frontier)
            result = _store(computed)
    result.drained, result.rejected_from_spool = drained, rejected
    return result


@dataclass
class _Computed:
    base: int
    checkpoint: chain.Checkpoint | None
    count: int = 0
    bad: list[int] = field(default_factory=list)


def _compute(frontier: int) -> _Computed:
    last = latest_checkpoint()
    size, sequence = (last.size, last.sequence) if last else (0, 0)
    if frontier <= sequence:
        return _Computed(base=size, checkpoint=None)
    running = bytes.fromhex(last.chain_hash) if last else chain.genesis()
    gaps, bad, previous, count = [], [], sequence, 0
    for entry in _entries(after=sequence, up_to=frontier):
        if entry["sequence"] > previous + 1:
            gaps.append((previous + 1, entry["sequence"] - 1))
        encoded = _canonical_of(entry)
        if not _mac_valid(entry, encoded):
            bad.append(entry["sequence"])
        running = chain.chain_step(running, chain.leaf_hash(encoded, entry["mac"]))
        previous, count = entry["sequence"], count + 1
    if frontier > previous:  # sequences drawn but never committed at the end of the sealed range
        gaps.append((previous + 1, frontier))
    private, key_id = checkpoint_signer()
    signed = chain.sign(
        chain.Checkpoint(
            size=size + count, sequence=frontier, chain_hash=running.hex(), gaps=tuple(gaps),
            at=datetime.now(UTC).isoformat(timespec="seconds"), key_id=key_id,
        ),
        private,
    )  # fmt: skip
    return _Computed(base=size, checkpoint=signed, count=count, bad=bad)


def _store(computed: _Computed) -> SealResult:
    signed = computed.checkpoint
    if signed is None:
        return SealResult(checkpoint=None)
    row = AuditCheckpoint.objects.create(
        size=signed.size, sequence=signed.sequence, chain_hash=signed.chain_hash,
        gaps=[list(gap) for gap in signed.gaps], at=signed.at, key_id=signed.key_id, signature=signed.signature,
    )  # fmt: skip
    return SealResult(checkpoint=row, sealed=computed.count, bad_entries=computed.bad)


def _postgres_frontier(wait_for_writers: float) -> int:
    """The highest sequence below which no open transaction can still commit an entry."""
    deadline = time.monotonic() + wait_for_writers
    high, writers = _sequence_high(), _open_writers()
    while writers and time.monotonic() < deadline:  # usually audited reads, done within milliseconds
        time.sleep(0.02)
        writers &= _open_writers()
    if not writers:
        AuditSealMarker.objects.filter(high_sequence__lte=high).delete()
        return high
    AuditSealMarker.objects.create(high_sequence=high, writers=sorted(writers))
    still_open = _open_writers()
    for marker in AuditSealMarker.objects.order_by("-high_sequence"):
        if not set(marker.writers) & still_open:  # an older marker, taken before the long transaction began
            AuditSealMarker.objects.filter(high_sequence__lte=marker.high_sequence).delete()
            return marker.high_sequence
    last = latest_checkpoint()
    return last.sequence if last else 0


def _sequence_high() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM audit_entry_sequence")
        last_value, is_called = cursor.fetchone()
    return last_value if is_called else last_value - 1


def _open_writers() -> set[str]:
    """Transactions (other than ours) holding the writers' advisory lock in this database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid::text || ':' || virtualtransaction FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = %s AND objid = %s AND objsubid = 2 AND pid <> pg_backend_pid()",
            [LOCK_CLASS, WRITING],
        )
        return {row[0] for row in cursor.fetchall()}


def _entries(*, after: int = 0, up_to: int | None = None, batch_size: int = 10000) -> Iterator[dict]:
    last = after
    while True:
        rows = AuditEntry.objects.filter(sequence__gt=last)
        if up_to is not None:
            rows = rows.filter(sequence__lte=up_to)
        batch = list(rows.order_by("sequence").values(*ENTRY_FIELDS)[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1]["sequence"]


def _canonical_of(row: dict) -> bytes:
    return chain.canonical_entry(
        sequence=row["sequence"], at=row["at"], actor_id=row["actor_id"], actor_username=row["actor_username"],
        action=row["action"], event=row["event"], object_type=row["object_type"], object_id=row["object_id"],
        unit_path=row["unit_path"], remote_addr=row["remote_addr"], user_agent=row["user_agent"],
        reason=row["reason"], changes=row["changes"], mac_key=row["mac_key"],
    )  # fmt: skip


_mac_secrets: dict[int, bytes | None] = {}


def _mac_valid(row: dict, encoded: bytes) -> bool:
    version = row["mac_key"]
    if version not in _mac_secrets:
        try:
            _mac_secrets[version] = keyring.version(MAC_KEY, version).secret
        except keyring.KeyMissing:
            _mac_secrets[version] = None
    secret = _mac_secrets[version]
    return secret is not None and chain.macs_equal(chain.entry_mac(secret, encoded), row["mac"] or "")


# ---------------------------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Problem:
    sequence: int
    problem: str


@dataclass
class Verification:
    checked: int = 0
    sealed: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def first_bad(self) -> Problem | None:
        return min(self.problems, key=lambda p: p.sequence) if self.problems else None


def verify(against: chain.Checkpoint | None = None, progress: Callable | None = None) -> Verification:
    """Check every entry's MAC, every checkpoint's signature, and that the entries up to each checkpoint
    (the database's and ``against``, one held outside) are exactly those it sealed, in order."""
    _mac_secrets.clear()
    result = Verification()
    trusted = []
    for row in AuditCheckpoint.objects.order_by("sequence"):
        checkpoint = as_checkpoint(row)
        public = public_key_for(checkpoint.key_id)
        if public is None or not chain.signature_valid(checkpoint, public):
            result.problems.append(Problem(checkpoint.sequence, f"checkpoint of {checkpoint.size} entries "
                                           "is not signed by our key (forged or changed)"))  # fmt: skip
        else:
            trusted.append(checkpoint)
    result.checkpoints = len(trusted)
    if against is not None:
        public = public_key_for(against.key_id)
        if public is None or not chain.signature_valid(against, public):
            result.problems.append(Problem(against.sequence, "the held checkpoint's signature is not valid"))
        else:
            trusted.append(against)
    # what each checkpoint says, by its last sequence; the held one is checked like the others
    boundaries: dict[int, list[chain.Checkpoint]] = {}
    for checkpoint in trusted:
        boundaries.setdefault(checkpoint.sequence, []).append(checkpoint)
    gaps = _Gaps(gap for checkpoint in trusted for gap in checkpoint.gaps)
    sealed_up_to = max((c.sequence for c in trusted), default=0)
    pending = sorted(boundaries)
    total = AuditEntry.objects.count()
    running, count, previous = chain.genesis(), 0, 0

    def close_boundaries(before: float):
        while pending and pending[0] < before:
            boundary = pending.pop(0)
            for checkpoint in boundaries[boundary]:
                if count < checkpoint.size and boundary > previous:
                    result.problems.append(Problem(previous + 1, (
                        f"entries after #{previous} are missing: the checkpoint of {checkpoint.at} sealed "
                        f"{checkpoint.size} entries up to #{boundary}, the log has {count} (tail removed)")))
                elif count != checkpoint.size:
                    what = "removed" if count < checkpoint.size else "added"
                    result.problems.append(Problem(boundary, (
                        f"{abs(checkpoint.size - count)} entries {what} up to #{boundary} (the checkpoint of "
                        f"{checkpoint.at} sealed {checkpoint.size}, the log has {count})")))
                elif running.hex() != checkpoint.chain_hash:
                    result.problems.append(Problem(boundary, (
                        f"entries up to #{boundary} were changed or reordered after the checkpoint of "
                        f"{checkpoint.at}")))

    for row in _entries():
        sequence = row["sequence"]
        close_boundaries(sequence)
        if sequence <= previous:
            result.problems.append(Problem(sequence, "sequence out of order or repeated (inserted)"))
        elif sequence <= sealed_up_to:
            if sequence > previous + 1:
                missing = gaps.first_undeclared(previous + 1, sequence)
                if missing is not None:
                    result.problems.append(Problem(missing, f"entry #{missing} is missing (removed after sealing)"))
            if gaps.declared(sequence):
                result.problems.append(Problem(sequence, "entry was not in the log when it was sealed (added)"))
        encoded = _canonical_of(row)
        if not _mac_valid(row, encoded):
            result.problems.append(Problem(sequence, "MAC does not match: entry forged or edited"))
        running = chain.chain_step(running, chain.leaf_hash(encoded, row["mac"] or ""))
        previous, count = max(previous, sequence), count + 1
        if sequence <= sealed_up_to:
            result.sealed += 1
        if progress and count % 10000 == 0:
            progress(count, total)
    result.checked = count
    close_boundaries(float("inf"))
    if progress:
        progress(count, total)
    result.problems.sort(key=lambda p: p.sequence)
    return result


class _Gaps:
    """Sequence ranges that checkpoints declared never committed, searchable by bisection."""

    def __init__(self, gaps):
        self.ranges = sorted({(int(a), int(b)) for a, b in gaps})
        self.starts = [a for a, _ in self.ranges]

    def declared(self, sequence: int) -> bool:
        index = bisect.bisect_right(self.starts, sequence) - 1
        return index >= 0 and self.ranges[index][0] <= sequence <= self.ranges[index][1]

    def first_undeclared(self, first: int, end: int) -> int | None:
        """The first sequence in [first, end) that is not in a declared gap."""
        candidate = first
        while candidate < end:
            index = bisect.bisect_right(self.starts, candidate) - 1
            if index < 0 or self.ranges[index][1] < candidate:
                return candidate
            candidate = self.ranges[index][1] + 1
        return None


# ---------------------------------------------------------------------------------------------- head


def head() -> dict | None:
    """The latest signed checkpoint as JSON for someone outside to keep (``cancuoc audit head``)."""
    row = latest_checkpoint()
    if row is None:
        return None
    checkpoint = as_checkpoint(row)
    return checkpoint.as_json(public_key_for(checkpoint.key_id))


def seal_if_free(**options) -> SealResult | None:
    """For the periodic task: a sealer that finds SQLite's writer lock taken tries again next time."""
    try:
        return seal(**options)
    except OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            return None
        raise
