"""Each relying party's queries a minute, counted across the server's processes without a shared write per
query.

A process counts a party's queries itself and adds them to the shared counter in the site's cache (files
in production: a write costs milliseconds) every ``SYNC_SECONDS`` or every few queries, fewer the lower the
party's rate (every query when the rate is under 100 a minute), and reads the total back then. The count is a
sliding minute approximated by two fixed ones, as ``cancuoc.web.ratelimit`` does. A party may thus go over its
rate by at most a few queries per server process (``sync_every``) before being refused; the file cache may
lose an increment when two processes add at the same instant, which lets a few more through, never fewer.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from cancuoc.web.ratelimit import RateLimited

WINDOW = 60
SYNC_SECONDS = 0.5
MAX_SYNC_EVERY = 50


@dataclass
class _Count:
    window: int = -1
    shared: float = 0.0  # the sliding count across processes at the last sync, this process's share included
    pending: int = 0  # counted here since, not yet added to the shared counter
    synced_at: float = float("-inf")


_counts: dict[str, _Count] = {}
_lock = threading.Lock()


def sync_every(rate: int) -> int:
    return max(1, min(MAX_SYNC_EVERY, rate // 100))


def _cache():
    return caches[getattr(settings, "CANCUOC_RATELIMIT_CACHE", "default")]


def _key(key_id: str, window: int) -> str:
    return f"relying-rate:{key_id}:{window}"


def _sync(key_id: str, count: _Count, into: float) -> None:
    cache = _cache()
    current_key = _key(key_id, count.window)
    cache.add(current_key, 0, timeout=2 * WINDOW + 1)
    try:
        current = cache.incr(current_key, count.pending) if count.pending else cache.get(current_key, 0)
    except ValueError:  # evicted between add and incr
        cache.set(current_key, count.pending, timeout=2 * WINDOW + 1)
        current = count.pending
    previous = cache.get(_key(key_id, count.window - 1), 0)
    count.shared = current + previous * (1 - into / WINDOW)
    count.pending = 0


def hit(key_id: str, rate: int, *, now: float | None = None) -> None:
    """Count one query of the party ``key_id``; RateLimited when it is over ``rate`` a minute."""
    if not getattr(settings, "CANCUOC_RATELIMIT_ENABLED", True):
        return
    now = time.time() if now is None else now
    window, into = divmod(now, WINDOW)
    window = int(window)
    with _lock:
        count = _counts.get(key_id)
        if count is None or count.window != window:
            if count is not None and count.pending:  # the last window's queries still weigh on this one
                _sync(key_id, count, WINDOW - 1e-9)
            count = _counts[key_id] = _Count(window=window)
        count.pending += 1
        if count.pending >= sync_every(rate) or now - count.synced_at >= SYNC_SECONDS:
            _sync(key_id, count, into)
            count.synced_at = now
        total = count.shared + count.pending
    if total > rate:
        raise RateLimited(math.ceil(WINDOW - into))


def forget() -> None:
    with _lock:
        _counts.clear()
