"""Typed audit events of the registry: one function per thing that happened, written in the caller's
transaction. No other code of the registry builds an audit entry."""

from __future__ import annotations

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, area_of, record, record_many


def residence_path(citizen) -> str:
    """The unit path an audit entry of this citizen is filed under (for auditors' area scope), from the
    in-memory unit index: no query per audited read."""
    from cancuoc.units.selectors import unit_path

    unit_id = citizen.permanent_unit_id or citizen.temporary_unit_id or citizen.current_unit_id
    return unit_path(unit_id) if unit_id else ""


def citizen_viewed(actor, citizen, *, where: str) -> None:
    record(actor, AuditEvent(Action.READ, "citizen", citizen.id_number, residence_path(citizen), where,
                             event=Event.CITIZEN_VIEWED))  # fmt: skip


def citizen_history_viewed(actor, citizen, *, where: str) -> None:
    record(actor, AuditEvent(Action.READ, "citizen", citizen.id_number, residence_path(citizen), where,
                             event=Event.CITIZEN_HISTORY_VIEWED))  # fmt: skip


def citizens_searched(actor, *, query: str, birth_year: int | None, returned: list[str]) -> None:
    record(actor, AuditEvent(Action.SEARCH, "citizen", "", area_of(actor),
                             f"q={query[:100]!r} birth_year={birth_year}", {"returned": returned},
                             event=Event.CITIZENS_SEARCHED))  # fmt: skip


def citizen_created_event(citizen, *, reason: str, after: dict) -> AuditEvent:
    return AuditEvent(Action.CREATE, "citizen", citizen.id_number, residence_path(citizen), reason,
                      {"after": after}, event=Event.CITIZEN_CREATED)  # fmt: skip


def citizen_changed_event(citizen, *, reason: str, fields: dict) -> AuditEvent:
    return AuditEvent(Action.UPDATE, "citizen", citizen.id_number, residence_path(citizen), reason,
                      {"fields": fields}, event=Event.CITIZEN_CHANGED)  # fmt: skip


def citizen_created(actor, citizen, *, reason: str, after: dict) -> None:
    record(actor, citizen_created_event(citizen, reason=reason, after=after))


def citizen_changed(actor, citizen, *, reason: str, fields: dict) -> None:
    record(actor, citizen_changed_event(citizen, reason=reason, fields=fields))


def citizens_written_in_bulk(actor, events: list[AuditEvent]) -> None:
    """The created/changed events of a bulk write (an import batch), in one append."""
    record_many(actor, events)


def citizen_lookup_refused(actor, *, id_number: str, where: str) -> None:
    """A number asked for that is missing or outside the user's area: the user saw "not found", the log
    keeps the probe."""
    record(actor, AuditEvent(Action.REFUSE, "citizen", id_number[:40], area_of(actor), where,
                             event=Event.CITIZEN_LOOKUP_REFUSED))  # fmt: skip


def refusals_in_last_day(actor) -> int:
    """How many unusable numbers (outside the area, cancelled) this user was refused in the last 24 hours."""
    from datetime import timedelta

    from django.utils import timezone

    from cancuoc.audit.models import AuditEntry

    if actor is None or not getattr(actor, "pk", None):
        return 0
    return AuditEntry.objects.filter(event=Event.CITIZEN_CREATION_REFUSED, actor_id=actor.pk,
                                     at__gte=timezone.now() - timedelta(days=1)).count()  # fmt: skip


def citizen_creation_refused(actor, *, id_number: str, where: str, cause: str) -> None:
    """A number that exists outside the user's area, is cancelled or otherwise unusable: the user got
    the same answer for each; the log keeps which it was."""
    record(actor, AuditEvent(Action.REFUSE, "id_number", id_number, area_of(actor), where, {"cause": cause},
                             event=Event.CITIZEN_CREATION_REFUSED))  # fmt: skip


def household_viewed(actor, household, *, where: str, members: list[str]) -> None:
    record(actor, AuditEvent(Action.READ, "household", str(household.pk), household.unit.path, where,
                             {"members": members}, event=Event.HOUSEHOLD_VIEWED))  # fmt: skip


def id_number_allocated(actor, number: str, *, reason: str) -> None:
    record(actor, AuditEvent(Action.ALLOCATE, "id_number", number, area_of(actor), reason,
                             event=Event.ID_NUMBER_ALLOCATED))  # fmt: skip


def id_number_cancelled(actor, number: str, *, reason: str) -> None:
    record(actor, AuditEvent(Action.CANCEL, "id_number", number, area_of(actor), reason,
                             event=Event.ID_NUMBER_CANCELLED))  # fmt: skip


def quality_counts_viewed(actor, *, unit) -> None:
    record(actor, AuditEvent(Action.READ, "unit", str(unit.pk) if unit else "",
                             unit.path if unit else area_of(actor), "quality counts",
                             event=Event.QUALITY_COUNTS_VIEWED))  # fmt: skip


def citizens_exported(actor, *, unit, file_format: str, count: int) -> None:
    record(actor, AuditEvent(Action.EXPORT, "unit", str(unit.pk) if unit else "",
                             unit.path if unit else area_of(actor), f"export {file_format}", {"rows": count},
                             event=Event.CITIZENS_EXPORTED))  # fmt: skip


def demo_population_created(province, *, reason: str, changes: dict) -> None:
    record(None, AuditEvent(Action.CREATE, "demo_population", province.code, province.path, reason, changes,
                            event=Event.DEMO_POPULATION_CREATED))  # fmt: skip


# The officer's lists, data-quality worklists, duplicate review and merge, record extract (issue 8 §3).
CITIZENS_LISTED = Event.CITIZENS_LISTED
CITIZEN_EXTRACT_PRINTED = Event.CITIZEN_EXTRACT_PRINTED
CITIZENS_MERGED = Event.CITIZENS_MERGED
DUPLICATE_DISMISSED = Event.DUPLICATE_DISMISSED


def citizens_listed(actor, *, where: str, filters: dict, returned: list[str]) -> None:
    """A page of the citizen list or of a data-quality worklist: the filters and the numbers shown."""
    record(actor, AuditEvent(Action.SEARCH, "citizen", "", area_of(actor), where[:100],
                             {"filters": filters, "returned": returned}, event=CITIZENS_LISTED))  # fmt: skip


def citizen_extract_printed(actor, citizen, *, members: list[str]) -> None:
    record(actor, AuditEvent(Action.READ, "citizen", citizen.id_number, residence_path(citizen), "record extract (PDF)",
                             {"household_members": members}, event=CITIZEN_EXTRACT_PRINTED))  # fmt: skip


def citizens_merged_event(citizen, *, reason: str, changes: dict) -> AuditEvent:
    """One of the two records of a merge (the kept one and the merged one each get an entry)."""
    return AuditEvent(Action.UPDATE, "citizen", citizen.id_number, residence_path(citizen), reason, changes,
                      event=CITIZENS_MERGED)  # fmt: skip


def citizens_merged(actor, events_: list[AuditEvent]) -> None:
    record_many(actor, events_)


def duplicate_dismissed(actor, citizen, other, *, reason: str) -> None:
    """An officer decided that ``citizen`` and ``other`` are different people: the flag is not raised again."""
    record(actor, AuditEvent(Action.UPDATE, "citizen", citizen.id_number, residence_path(citizen), reason,
                             {"not_duplicate_of": other.id_number}, event=DUPLICATE_DISMISSED))  # fmt: skip


# Households: created, a member moved in or between households, the head changed (issue 8 §3).
HOUSEHOLD_CREATED = Event.HOUSEHOLD_CREATED
HOUSEHOLD_MEMBER_MOVED = Event.HOUSEHOLD_MEMBER_MOVED
HOUSEHOLD_HEAD_CHANGED = Event.HOUSEHOLD_HEAD_CHANGED


def household_created(actor, household, *, reason: str, after: dict) -> None:
    record(actor, AuditEvent(Action.CREATE, "household", str(household.pk), _household_path(household), reason,
                             {"after": after}, event=HOUSEHOLD_CREATED))  # fmt: skip


def household_member_moved(actor, citizen, *, reason: str, fields: dict, moved: dict) -> None:
    """Filed under the citizen, so that the move shows in the citizen's history; ``fields`` holds
    {field: [before, after]} of household and relation, ``moved`` the household numbers from and to."""
    record(actor, AuditEvent(Action.UPDATE, "citizen", citizen.id_number, residence_path(citizen), reason,
                             {"fields": fields, **moved}, event=HOUSEHOLD_MEMBER_MOVED))  # fmt: skip


def household_head_changed(actor, household, *, reason: str, before: dict, after: dict,
                           members: list[tuple]) -> None:  # fmt: skip
    """One entry for the household (head before/after) and one per citizen whose relation changed
    (``members``: [(citizen, {field: [before, after]})]), so each history shows it."""
    entries = [AuditEvent(Action.UPDATE, "household", str(household.pk), _household_path(household), reason,
                          {"before": before, "after": after}, event=HOUSEHOLD_HEAD_CHANGED)]  # fmt: skip
    entries += [AuditEvent(Action.UPDATE, "citizen", citizen.id_number, residence_path(citizen), reason,
                           {"fields": fields, "household": household.number}, event=HOUSEHOLD_HEAD_CHANGED)
                for citizen, fields in members]  # fmt: skip
    record_many(actor, entries)


def _household_path(household) -> str:
    from cancuoc.units.selectors import unit_path

    return unit_path(household.unit_id)


# Bulk writers (imports, the demo): the same kinds of entry, appended in one go.
def households_created_in_bulk(actor, households, *, heads: dict[int, str], reason: str) -> None:
    """``heads``: {household id: the head's ID number} for those whose head is already known."""
    record_many(actor, [
        AuditEvent(Action.CREATE, "household", str(h.pk), _household_path(h), reason,
                   {"after": {"number": h.number, "unit_id": h.unit_id, "address": h.address, "head": heads.get(h.pk)}},
                   event=HOUSEHOLD_CREATED)
        for h in households
    ])  # fmt: skip


def household_heads_set_in_bulk(actor, households, *, heads: dict[int, str], reason: str) -> None:
    """Households that had no head and got one (``heads``: {household id: the head's ID number})."""
    record_many(actor, [
        AuditEvent(Action.UPDATE, "household", str(h.pk), _household_path(h), reason,
                   {"before": {"head": None}, "after": {"head": heads[h.pk]}}, event=HOUSEHOLD_HEAD_CHANGED)
        for h in households
    ])  # fmt: skip


def change_requested(actor, change) -> None:
    record(actor, AuditEvent(Action.CREATE, "citizen", change.citizen.id_number, residence_path(change.citizen),
                             change.reason, {"change_request": change.pk, "requested_fields": change.fields},
                             event=Event.CHANGE_REQUESTED))  # fmt: skip


def change_decided(actor, change) -> None:
    record(actor, AuditEvent(Action.UPDATE, "citizen", change.citizen.id_number, residence_path(change.citizen),
                             change.decision_reason, {"change_request": change.pk, "status": change.status,
                                                      "requested_fields": change.fields},
                             event=Event.CHANGE_DECIDED))  # fmt: skip
