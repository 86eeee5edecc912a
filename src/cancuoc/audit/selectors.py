"""Reads of the audit log."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, area_path

from .models import AuditEntry


def history_of(object_type: str | tuple[str, ...], object_id: str) -> list[AuditEntry]:
    """The changes of one record, oldest first: not the reads, nor the refused probes of its number (the
    audit log keeps those for auditors). ``object_type`` may name several kinds filed under the same id
    (a citizen and its ID number)."""
    types = (object_type,) if isinstance(object_type, str) else object_type
    return list(
        AuditEntry.objects.filter(object_type__in=types, object_id=object_id)
        .exclude(action__in=["read", "search", "refuse"])
        .order_by("sequence")
    )


# Dates outside these years are refused by the pages and the API (a year 1 date overflows the time zone).
FIRST_YEAR, LAST_YEAR = 1900, 2200


def date_in_range(value: date | None) -> bool:
    return value is None or FIRST_YEAR <= value.year <= LAST_YEAR


def search_entries(
    user, *, actor: str = "", object_id: str = "", action: str = "", since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:  # fmt: skip
    entries = AuditEntry.objects.all()
    path = area_path(user, Verb.AUDIT_READ)
    if path is not None:
        entries = entries.filter(unit_path__startswith=path)
    if actor:
        entries = entries.filter(actor_username__iexact=actor.strip())
    if object_id:
        entries = entries.filter(object_id=object_id.strip())
    if action:
        entries = entries.filter(action=action)
    tz = timezone.get_current_timezone()
    if since:
        entries = entries.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        entries = entries.filter(at__lte=datetime.combine(until, time.max, tzinfo=tz))
    return entries.order_by("-sequence")
