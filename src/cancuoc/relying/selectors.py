"""Reads of the status service: the party behind an API key (cached in the process), one card's status for
a caller who proves holding it, the cards that are not valid (the status list)."""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q

from cancuoc.cards.models import Card
from cancuoc.rules.cardstates import CardState, Status, status_of

from . import apikeys
from .documents import sod_digest
from .models import RelyingParty

# A disabled key keeps working at most this long in the other processes of the server (the process that
# disables it forgets it at once): one query per key per process every few seconds instead of one per query.
KEY_CACHE_SECONDS = 5.0
_MAX_CACHED = 10_000


@dataclass(frozen=True)
class Party:
    """What a query needs of its party, cached: no ORM instance is shared between threads."""

    pk: int
    name: str
    key_id: str
    secret_sha256: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    is_active: bool

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes


_cache: dict[str, tuple[float, Party | None]] = {}
_cache_lock = threading.Lock()


def forget_key(key_id: str) -> None:
    with _cache_lock:
        _cache.pop(key_id, None)


def forget_all_keys() -> None:
    with _cache_lock:
        _cache.clear()


def _party(key_id: str) -> Party | None:
    now = time.monotonic()
    cached = _cache.get(key_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = RelyingParty.objects.filter(key_id=key_id).values_list(
        "pk", "name", "key_id", "secret_sha256", "scopes", "rate_per_minute", "is_active").first()  # fmt: skip
    party = Party(*row[:4], tuple(row[4] or ()), *row[5:]) if row else None
    with _cache_lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[key_id] = (now + KEY_CACHE_SECONDS, party)
    return party


def party_for_key(key: str | None) -> Party | None:
    """The active party whose key this is; None for a malformed, unknown, wrong or disabled key."""
    parsed = apikeys.parse(key)
    if parsed is None:
        return None
    key_id, secret = parsed
    party = _party(key_id)
    if party is None or not party.is_active or not apikeys.matches(secret, party.secret_sha256):
        return None
    return party


_CARD_STATUS_SQL = (f"SELECT state, expiry, sod_sha256, mrz_sha256, unit_path FROM {Card._meta.db_table} "
                    f"WHERE serial = %s")  # fmt: skip


def _card_row(serial: str):
    """The hot path: no ORM query compiled per call and, on PostgreSQL, a statement prepared once per
    connection (server-side binding), so that it is not planned again for every query."""
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(_CARD_STATUS_SQL, [serial], prepare=True)
            return cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute(_CARD_STATUS_SQL, [serial])
        return cursor.fetchone()


@dataclass(frozen=True)
class CardStatus:
    serial: str
    status: Status
    unit_path: str


def card_status(serial: str, *, sod_sha256: str | None = None, mrz_sha256: str | None = None,
                on: date) -> CardStatus | None:  # fmt: skip
    """The status of the card with ``serial`` when the proof matches what the card database holds; None
    for an unknown serial and for a wrong proof alike (one indexed query either way)."""
    row = _card_row(serial)
    if row is None:
        return None
    state, expiry, card_sod, card_mrz, unit_path = row
    if isinstance(expiry, str):  # SQLite hands a raw query's dates back as text
        expiry = date.fromisoformat(expiry)
    held, sent = (card_sod, sod_sha256) if sod_sha256 is not None else (card_mrz, mrz_sha256)
    if not held or not sent or not hmac.compare_digest(held.encode(), sent.encode()):
        return None
    return CardStatus(serial, status_of(state, expiry=expiry, on=on), unit_path)


def invalid_cards(*, on: date) -> list[dict]:
    """Every card that is not valid on ``on``: ``{"serial", "sod_digest", "status"}``, by serial. A card in
    use (active) is listed once its expiry date has come, before the nightly job moves it. ``sod_digest`` is
    the SHA-256 of the EF.SOD's SHA-256 (``documents.sod_digest``): a verifier holding the card computes it,
    but the list never publishes the EF.SOD hash itself, which is the proof ``POST /api/v1/status`` asks for."""
    valid = Q(state=CardState.ACTIVE) & (Q(expiry__isnull=True) | Q(expiry__gt=on))
    rows = (Card.objects.exclude(valid).order_by("serial")
            .values_list("serial", "sod_sha256", "state", "expiry").iterator(chunk_size=20_000))  # fmt: skip
    return [{"serial": serial, "sod_digest": sod_digest(sod) if sod else "",
             "status": status_of(state, expiry=expiry, on=on).value}
            for serial, sod, state, expiry in rows]  # fmt: skip
