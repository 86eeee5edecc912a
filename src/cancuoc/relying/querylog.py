"""The audit entries of status queries, one per query, written either at once or in batches.

- ``sync`` (the default outside production): the entry is committed before the answer leaves, one
  transaction per query. The audit log's append (sequence, MAC, insert, commit) then bounds the rate
  (docs/benchmarks.md, ``status-queries``).
- ``batched`` (the default in production, ``CANCUOC_STATUS_AUDIT``): entries wait in the process, and are
  written together, one transaction for up to ``BATCH`` entries, by the request that fills the batch or by
  a background thread at most ``INTERVAL`` seconds later, and when the process exits. An answer may leave
  before its entry is committed; a process killed with SIGKILL loses at most the last ``INTERVAL`` seconds
  of entries (a normal stop writes them). A read of a card's status changes nothing, so nothing else is lost.
"""

from __future__ import annotations

import atexit
import contextvars
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection

from cancuoc.audit.services import record_many

logger = logging.getLogger("cancuoc.relying")
BATCH = 200
INTERVAL = 0.25
MAX_PENDING = 50_000  # beyond this (the database down for minutes) writing waits in the request

_pending: list = []
_lock = threading.Lock()
_flusher: threading.Thread | None = None
_write_lock = threading.Lock()


def mode() -> str:
    chosen = getattr(settings, "CANCUOC_STATUS_AUDIT", None) or os.environ.get("CANCUOC_STATUS_AUDIT")
    if chosen in ("sync", "batched"):
        return chosen
    return "batched" if getattr(settings, "PRODUCTION", False) else "sync"


def add(actor, event) -> None:
    if mode() == "sync":
        record_many(actor, [event])
        return
    with _lock:
        _pending.append((actor, event))
        full = len(_pending) >= BATCH
    _start_flusher()
    if full or len(_pending) > MAX_PENDING:
        flush()


def flush() -> int:
    """Write every pending entry now (one transaction); returns how many. Entries that fail stay pending."""
    with _write_lock:
        with _lock:
            taken = _pending[:]
            del _pending[:]
        if not taken:
            return 0
        by_actor: dict = {}
        for actor, event in taken:
            by_actor.setdefault(actor, []).append(event)
        from django.db import transaction

        def write():
            with transaction.atomic():
                for actor, events in by_actor.items():
                    record_many(actor, events)

        try:
            # in a fresh context: the request that happens to fill the batch is not where the others came from
            # (each entry carries its own caller's address in its changes)
            contextvars.Context().run(write)
        except Exception:
            logger.exception("status-query audit entries could not be written; kept for the next try")
            with _lock:
                _pending[:0] = taken
            raise
        return len(taken)


def pending() -> int:
    return len(_pending)


def _run() -> None:
    while True:
        time.sleep(INTERVAL)
        if not _pending:
            continue
        try:
            flush()
        except Exception:  # logged by flush; the connection may be broken: a new one next time
            connection.close()


def _start_flusher() -> None:
    global _flusher
    if _flusher is not None and _flusher.is_alive():
        return
    with _lock:
        if _flusher is None or not _flusher.is_alive():
            _flusher = threading.Thread(target=_run, name="status-audit-flusher", daemon=True)
            _flusher.start()


@atexit.register
def _flush_at_exit() -> None:
    if _pending:
        try:
            flush()
        except Exception:  # logged by flush
            pass
