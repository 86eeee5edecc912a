"""The only write path of relying parties and status lists: one function per change, each taking the
acting user, in one transaction with its typed audit event. Permissions are checked here too (the page and
the commands both call these): ``Verb.RELYING_PARTY_MANAGE`` (national administrators). ``actor=None`` is
the server's own command line (``cancuoc relying-party``), whose operator already holds the database."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.registry.validation import has_forbidden_characters

from . import apikeys, documents, events, selectors, signing
from .errors import RelyingError, RelyingErrorCode
from .models import RelyingParty, Scope, StatusList

MAX_RATE = 1_000_000
DEFAULT_RATE = 600
DEFAULT_SCOPES = (Scope.STATUS.value,)
LIST_VALIDITY = timedelta(hours=24)
ISSUER = "Bộ Công an — Cục Cảnh sát QLHC về TTXH (cancuoc)"


def _may_manage(actor) -> None:
    if actor is not None:
        require_permission(actor, Verb.RELYING_PARTY_MANAGE)


def clean_name(text) -> str:
    name = unicodedata.normalize("NFC", "" if text is None else str(text)).strip()
    if not 0 < len(name) <= 120 or has_forbidden_characters(name) or any(
        unicodedata.category(char) in ("Cc", "Cf") for char in name
    ):
        raise RelyingError(RelyingErrorCode.NAME_INVALID)
    return name


def clean_scopes(scopes) -> list[str]:
    if scopes is None:
        return list(DEFAULT_SCOPES)
    values = [str(s).strip() for s in scopes if str(s).strip()]
    unknown = sorted({s for s in values if s not in Scope.values})
    if unknown or not values:
        raise RelyingError(RelyingErrorCode.SCOPES_INVALID, scopes=", ".join(s[:20] for s in unknown[:5]) or "—",
                           accepted=", ".join(Scope.values))  # fmt: skip
    return [s for s in Scope.values if s in values]


def clean_rate(value) -> int:
    if value is None or value == "":
        return DEFAULT_RATE
    try:
        rate = int(str(value).strip())
    except (TypeError, ValueError):
        raise RelyingError(RelyingErrorCode.RATE_INVALID, limit=MAX_RATE) from None
    if not 1 <= rate <= MAX_RATE:
        raise RelyingError(RelyingErrorCode.RATE_INVALID, limit=MAX_RATE)
    return rate


def register_party(actor, name, *, scopes=None, rate=None) -> tuple[RelyingParty, str]:
    """A new relying party and its API key (returned once: only its hash is kept)."""
    _may_manage(actor)
    name, scopes, rate = clean_name(name), clean_scopes(scopes), clean_rate(rate)
    key, key_id, secret_hash = apikeys.new_key()
    try:
        with transaction.atomic():
            party = RelyingParty.objects.create(name=name, key_id=key_id, secret_sha256=secret_hash, scopes=scopes,
                                                rate_per_minute=rate, created_by=actor if actor is not None else None)  # fmt: skip
            events.party_changed(actor, party, what="registered",
                                 changes={"name": name, "scopes": scopes, "rate_per_minute": rate})  # fmt: skip
    except IntegrityError:
        raise RelyingError(RelyingErrorCode.NAME_TAKEN, name=name) from None
    return party, key


def disable_party(actor, party_id) -> RelyingParty:
    """The party's key stops working (within ``selectors.KEY_CACHE_SECONDS`` in other processes)."""
    _may_manage(actor)
    with transaction.atomic():
        party = RelyingParty.objects.select_for_update().filter(pk=party_id).first()
        if party is None:
            raise RelyingError(RelyingErrorCode.PARTY_NOT_FOUND, name=str(party_id)[:40])
        if party.is_active:  # a double submit changes nothing and writes nothing
            party.is_active, party.disabled_at = False, timezone.now()
            party.save(update_fields=["is_active", "disabled_at"])
            events.party_changed(actor, party, what="disabled", changes={"is_active": [True, False]})
    selectors.forget_key(party.key_id)
    return party


def party_by_name(name) -> RelyingParty:
    party = RelyingParty.objects.filter(name=clean_name(name)).first()
    if party is None:
        raise RelyingError(RelyingErrorCode.PARTY_NOT_FOUND, name=str(name)[:40])
    return party


def issue_status_list(actor, *, destination: str, now: datetime | None = None) -> StatusList:
    """A new signed list of every card that is not valid today, stored and audited."""
    now = (now or timezone.now()).replace(microsecond=0)
    entries = selectors.invalid_cards(on=timezone.localdate(now))
    document = signing.sign({
        "format": documents.LIST_FORMAT, "issuer": ISSUER, "issued_at": documents.timestamp(now),
        "next_update": documents.timestamp(now + LIST_VALIDITY), "entries": entries,
    })  # fmt: skip
    text = documents.canonical(document)[:-1].decode("ascii") + f',"signature":"{document["signature"]}"}}'
    with transaction.atomic():
        issued = StatusList.objects.create(issued_at=now, next_update=now + LIST_VALIDITY, key_id=document["key_id"],
                                           entry_count=len(entries), document=text)  # fmt: skip
        events.status_list_issued(actor, issued, destination=destination)
    return issued
