"""Suspected duplicates: merge two records of one person, or decide that they are two people.

A merge keeps both rows. The merged record stays as it was, marked ``merged_into`` the kept one, its own
history readable; its ID number is cancelled (never given out again); the kept record takes, field by
field, the value the officer chose; links from other records (parents, spouse, legal representative,
household head) move to the kept record. Everything in one transaction with its audit entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, require_permission

from .. import access, events, quality
from ..errors import RegistryErrorCode, problem
from ..models import AllocatedIdNumber, Citizen, Household, NotDuplicatePair, QualityFlag, Relation
from . import RegistryError, _require_reason, _user_or_none, diff, snapshot

# Who may merge or dismiss: merging cancels an ID number, so the verb of cancelling numbers (supervisors
# and national admins). The permission table has no data-quality write verb.
MERGE_VERB = Verb.QUALITY_RESOLVE

# The fields the officer may take from the merged record, in the order of the side-by-side page. The
# ID number is not among them: the kept record keeps its number, the merged one's is cancelled.
MERGEABLE_FIELDS = [
    "family_name", "middle_name", "given_name", "other_names", "birth_date", "birth_date_precision", "sex",
    "birth_registration_unit", "origin_unit", "ethnicity", "religion", "nationality", "blood_type",
    "marital_status", "permanent_unit", "permanent_address", "temporary_unit", "temporary_address",
    "current_unit", "current_address", "household", "relation_to_head", "father", "mother", "spouse",
    "legal_representative", "father_name", "mother_name", "spouse_name", "old_id_number", "date_of_death",
]  # fmt: skip
# Fields that travel together: choosing one takes the others from the same record.
FIELD_GROUPS = {"household": ("household", "relation_to_head"), "relation_to_head": ("household", "relation_to_head"),
                "birth_date": ("birth_date", "birth_date_precision"),
                "birth_date_precision": ("birth_date", "birth_date_precision")}  # fmt: skip
LINK_FIELDS = ("father", "mother", "spouse", "legal_representative")


def _attribute(name: str) -> str:
    """The attribute holding a field's stored value (the id for a link)."""
    return f"{name}_id" if Citizen._meta.get_field(name).is_relation else name


def differing_fields(keep: Citizen, merged: Citizen) -> list[str]:
    return [name for name in MERGEABLE_FIELDS if getattr(keep, _attribute(name)) != getattr(merged, _attribute(name))]


def _empty(value) -> bool:
    return value is None or value == ""


def _check_may_merge(acting_user, citizens: Iterable[Citizen]) -> None:
    if acting_user is None:
        return
    require_permission(acting_user, MERGE_VERB)
    for citizen in citizens:
        if not access.citizen_in_area(acting_user, citizen, MERGE_VERB):
            raise NotFound()


@transaction.atomic
def merge_citizens(
    acting_user, keep: Citizen, merged: Citizen, *, reason: str, expected_versions: Mapping[int, int],
    take_from_merged: Iterable[str] = (),
) -> Citizen:  # fmt: skip
    """Merge ``merged`` into ``keep`` and return the kept record.

    ``expected_versions``: {citizen primary key: version the officer saw} for both records (a record
    changed since is refused as stale). ``take_from_merged``: the fields whose value the kept record
    takes from the merged one; a field empty on the kept record is filled from the merged one anyway.
    """
    _require_reason(reason)
    if keep.pk == merged.pk:
        raise RegistryError([problem("merged", RegistryErrorCode.MERGE_SAME_RECORD)])
    chosen = set(take_from_merged)
    unknown = sorted(chosen - set(MERGEABLE_FIELDS))
    if unknown:
        raise RegistryError([problem(name[:40], RegistryErrorCode.NOT_MERGEABLE_FIELD, name=name[:40]) for name in unknown])
    _check_may_merge(acting_user, [keep, merged])
    # Every row the merge writes, locked in primary-key order, citizens before households as the household
    # actions and the bulk writes do (so no two changes wait on each other in a cycle): the pair and the
    # records that link to the merged one, then the pair's households and the one the merged record heads.
    linking = Q(**{"pk__in": [keep.pk, merged.pk]})
    for name in LINK_FIELDS:
        linking |= Q(**{name: merged.pk})
    locked = {c.pk: c for c in Citizen.objects.select_for_update().filter(linking).order_by("pk")}
    if keep.pk not in locked or merged.pk not in locked:
        raise NotFound()
    keep, merged = locked[keep.pk], locked[merged.pk]
    for citizen in (keep, merged):
        if expected_versions.get(citizen.pk) != citizen.version:
            raise RegistryError([problem("version", RegistryErrorCode.STALE)])
        if citizen.merged_into_id is not None:
            raise RegistryError([problem("merged", RegistryErrorCode.ALREADY_MERGED)])
    _check_may_merge(acting_user, [keep, merged])  # again, as locked: a residence may have moved meanwhile
    households = {h.pk: h for h in Household.objects.select_for_update()
                  .filter(Q(pk__in=[pk for pk in (keep.household_id, merged.household_id) if pk]) | Q(head=merged.pk))
                  .order_by("pk")}  # fmt: skip

    before_keep, before_merged = snapshot(keep), snapshot(merged)
    taken = {field for name in chosen for field in FIELD_GROUPS.get(name, (name,))}
    for name in MERGEABLE_FIELDS:
        attribute = _attribute(name)
        value = getattr(merged, attribute)
        if name in taken or (_empty(getattr(keep, attribute)) and not _empty(value)):
            if name in LINK_FIELDS and value == keep.pk:
                continue  # the merged record's link to the kept one would point at itself
            setattr(keep, attribute, value)
    keep.refresh_name_keys()
    # the household the merged record headed is headed by the kept one, when it is now its member
    headed = [h for h in households.values() if h.head_id == merged.pk and h.pk == keep.household_id]
    if headed:
        keep.relation_to_head = Relation.HEAD
    now = timezone.now()
    keep.version += 1
    keep.save()
    merged.merged_into = keep
    merged.merged_at = now
    merged.version += 1
    merged.save(update_fields=["merged_into", "merged_at", "version", "updated_at"])

    entries = []
    # links of other records to the merged one now lead to the kept one
    for citizen in sorted(locked.values(), key=lambda c: c.pk):
        if citizen.pk in (keep.pk, merged.pk):
            continue
        before = snapshot(citizen)
        for name in LINK_FIELDS:
            if getattr(citizen, f"{name}_id") == merged.pk:
                setattr(citizen, f"{name}_id", keep.pk)
        citizen.version += 1
        citizen.save()
        entries.append(events.citizen_changed_event(citizen, reason=reason, fields=diff(before, snapshot(citizen))))
    Household.objects.filter(pk__in=[h.pk for h in headed]).update(head=keep)

    cancelled = _cancel_number(acting_user, merged.id_number, reason=reason)
    QualityFlag.objects.filter(citizen=merged).delete()
    quality.refresh_flags([keep])

    entries.insert(0, events.citizens_merged_event(keep, reason=reason, changes={
        "merged": merged.id_number, "fields": diff(before_keep, snapshot(keep)),
        "households_headed": [h.number for h in headed],
    }))  # fmt: skip
    entries.insert(1, events.citizens_merged_event(merged, reason=reason, changes={
        "merged_into": keep.id_number, "merged_at": now.isoformat(), "id_number_cancelled": cancelled,
        "fields": diff(before_merged, snapshot(merged)),
    }))  # fmt: skip
    events.citizens_merged(acting_user, entries)
    if cancelled:
        events.id_number_cancelled(acting_user, merged.id_number, reason=f"merged into {keep.id_number}: {reason}")
    return keep


def _cancel_number(acting_user, number: str, *, reason: str) -> bool:
    """The merged record's number is cancelled: never given to anyone again. A number imported without an
    allocation row gets one, cancelled. False when it was cancelled already."""
    row, created = AllocatedIdNumber.objects.select_for_update().get_or_create(
        number=number,
        defaults={"status": AllocatedIdNumber.Status.CANCELLED, "allocated_by": _user_or_none(acting_user),
                  "reason": reason[:200]},
    )  # fmt: skip
    if created:
        return True
    if row.status == AllocatedIdNumber.Status.CANCELLED:
        return False
    row.status = AllocatedIdNumber.Status.CANCELLED
    row.save(update_fields=["status"])
    return True


@transaction.atomic
def dismiss_duplicate(acting_user, citizen: Citizen, other: Citizen, *, reason: str) -> None:
    """``citizen`` and ``other`` are different people: remember the pair, so that the suspected-duplicate
    flag is not raised again for it, and recompute both records' flags."""
    _require_reason(reason)
    if citizen.pk == other.pk:
        raise RegistryError([problem("other", RegistryErrorCode.MERGE_SAME_RECORD)])
    _check_may_merge(acting_user, [citizen, other])
    first, second = sorted([citizen.pk, other.pk])
    locked = list(Citizen.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
    if len(locked) != 2:
        raise NotFound()
    _, created = NotDuplicatePair.objects.get_or_create(
        first_id=first, second_id=second, defaults={"decided_by": _user_or_none(acting_user), "reason": reason[:200]}
    )
    quality.refresh_flags(locked)
    if created:
        by_pk = {c.pk: c for c in locked}
        events.duplicate_dismissed(acting_user, by_pk[citizen.pk], by_pk[other.pk], reason=reason)
        events.duplicate_dismissed(acting_user, by_pk[other.pk], by_pk[citizen.pk], reason=reason)
