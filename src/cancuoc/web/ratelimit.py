"""A small limiter of attempts for the public pages (no login): per client address and per thing asked
about (an ID number, an application or appointment code), in the site's cache.

Each limit is a sliding window approximated by two fixed ones: the count of the current window plus the
previous window's count weighted by how much of it still lies inside the sliding window. Every attempt
counts, the refused ones too, so a client hammering a page stays refused. Keys are HMACs under the site's
secret: the cache (files on disk in production) never holds an ID number.

Limits come from settings, each a list of ``(attempts, seconds)`` pairs, with defaults here::

    CANCUOC_RATELIMIT_PER_ADDRESS = [(10, 600)]
    CANCUOC_RATELIMIT_PER_IDENTITY = [(5, 600), (20, 86400)]
    CANCUOC_RATELIMIT_CACHE = "default"
    CANCUOC_RATELIMIT_ENABLED = True

The daily limit per ID number matters because the number itself tells the year of birth: guessing the day
then takes at most 366 tries, which ten-minute windows alone would allow within a day.

The cache's increment is atomic in memory, Redis and Memcached; the file cache (the default here) may lose
an increment when two processes count the same key at the same instant, which lets a few attempts more
through, never fewer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac

DEFAULT_PER_ADDRESS = ((10, 600),)
DEFAULT_PER_IDENTITY = ((5, 600), (20, 86400))
_SALT = "cancuoc.web.ratelimit"


@dataclass(frozen=True)
class Limit:
    attempts: int
    seconds: int

    def __post_init__(self):
        if self.attempts < 1 or self.seconds < 1:
            raise ValueError("a limit needs at least one attempt and one second")


class RateLimited(Exception):
    """Over a limit: ``retry_after`` seconds until one more attempt would be let through."""

    def __init__(self, retry_after: int):
        self.retry_after = max(int(retry_after), 1)
        super().__init__(self.retry_after)


def limits_from_settings(name: str, default: Iterable[tuple[int, int]]) -> tuple[Limit, ...]:
    return tuple(Limit(int(attempts), int(seconds)) for attempts, seconds in getattr(settings, name, default))


def per_address() -> tuple[Limit, ...]:
    return limits_from_settings("CANCUOC_RATELIMIT_PER_ADDRESS", DEFAULT_PER_ADDRESS)


def per_identity() -> tuple[Limit, ...]:
    return limits_from_settings("CANCUOC_RATELIMIT_PER_IDENTITY", DEFAULT_PER_IDENTITY)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, which cancuoc.wsgi sets from a trusted proxy's X-Real-IP."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _cache():
    return caches[getattr(settings, "CANCUOC_RATELIMIT_CACHE", "default")]


def _key(scope: str, value: str, limit: Limit, window: int) -> str:
    digest = salted_hmac(_SALT, f"{scope}\0{value}").hexdigest()[:32]
    return f"ratelimit:{scope}:{limit.attempts}/{limit.seconds}:{digest}:{window}"


def _count(scope: str, value: str, limit: Limit, now: float) -> tuple[float, int]:
    """Count one attempt; returns (the sliding count including it, seconds until it drops under the limit)."""
    cache = _cache()
    window, into = divmod(now, limit.seconds)
    window = int(window)
    current_key = _key(scope, value, limit, window)
    # kept two windows: the next window still weighs this one
    cache.add(current_key, 0, timeout=2 * limit.seconds + 1)
    try:
        current = cache.incr(current_key)
    except ValueError:  # evicted between add and incr
        cache.set(current_key, 1, timeout=2 * limit.seconds + 1)
        current = 1
    previous = cache.get(_key(scope, value, limit, window - 1), 0)
    count = current + previous * (1 - into / limit.seconds)
    if count <= limit.attempts:
        return count, 0
    return count, math.ceil(_wait(current, previous, into, limit))


def _wait(current: int, previous: int, into: float, limit: Limit) -> float:
    """Seconds until one more attempt would fit, if nothing else is attempted meanwhile."""
    seconds, room = limit.seconds, limit.attempts - 1  # the next attempt needs room beside what is counted
    if current <= room and previous:
        # within this window, as the previous window's share fades
        fits_at = seconds * (current + previous - room) / previous
        if fits_at < seconds:
            return max(fits_at - into, 0.0)
    # in the next window, as this window's share fades
    fits_at = seconds * (1 - room / current) if current > room else 0.0
    return seconds - into + fits_at


def hit(scope: str, value: str, limits: Iterable[Limit], *, now: float | None = None) -> None:
    """Count one attempt on ``value`` within ``scope`` against each limit; RateLimited when any is over."""
    if not getattr(settings, "CANCUOC_RATELIMIT_ENABLED", True):
        return
    now = time.time() if now is None else now
    waits = [_count(scope, value, limit, now)[1] for limit in limits]
    longest = max(waits, default=0)
    if longest > 0:
        raise RateLimited(longest)


def check(request, scope: str, *, identity: str | None = None) -> None:
    """One attempt of ``request`` on the public page ``scope``: counted per client address and, when
    given, per ``identity`` (an ID number or a code, whatever address it comes from)."""
    errors = []
    for value, limits in ((f"address:{client_address(request)}", per_address()),
                          (f"identity:{identity}" if identity else None, per_identity())):  # fmt: skip
        if value is None:
            continue
        try:
            hit(scope, value, limits)
        except RateLimited as refused:
            errors.append(refused.retry_after)
    if errors:
        raise RateLimited(max(errors))
