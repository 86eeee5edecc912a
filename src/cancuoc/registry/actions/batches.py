"""Bulk writes of the registry: an import batch, the demo population. The same rules as one officer's
change (permission, area, the fields a commune owns, versions), one transaction (the caller's), one audit
entry per citizen appended in bulk, rows locked in a fixed order.

Locking: the existing records of a batch are read *and* locked by one ``SELECT … FOR UPDATE`` ordered by
primary key, the order every multi-row action of the registry locks in, so two bulk writers, or a bulk
writer and an officer, wait for each other instead of deadlocking. An officer's edit committed before the
lock is seen (the record's version is no longer the one the check saw: the row is refused as changed, never
overwritten); an edit attempted after it waits, then finds a new version and is refused as stale. No edit is
lost either way (tests/registry/test_batches.py proves it with two connections on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, in_area, require_permission
from cancuoc.protection import crypto
from cancuoc.protection.snapshots import seal_value
from cancuoc.registry import access, events, quality
from cancuoc.registry.bulk import assign_primary_keys, insert_instances
from cancuoc.registry.errors import RegistryErrorCode, problem
from cancuoc.registry.models import AllocatedIdNumber, Citizen, Household
from cancuoc.registry.validation import Problem
from cancuoc.units.models import AdministrativeUnit

from . import AUDITED_FIELDS, plain_snapshot, snapshot

# the columns a bulk update writes (every audited field but the number, and the derived name keys)
UPDATABLE = [name.removesuffix("_id") for name in AUDITED_FIELDS if name != "id_number"] + [
    "full_name", "name_folded", "name_sorted",
]  # fmt: skip
_AUDITED = frozenset(AUDITED_FIELDS)
NOT_SEEN = -1  # the version of a record the check did not see (it did not exist then)


@dataclass
class CitizenRow:
    """One citizen's values from outside (cleaned by registry.validation), its units resolved, and the
    version of the record the caller's check saw (``NOT_SEEN``: none existed; ``None``: take the record as
    it is when locked, for writers without a separate check)."""

    line: int
    values: dict
    units: dict[str, AdministrativeUnit] = field(default_factory=dict)
    seen_version: int | None = NOT_SEEN
    problems: list[Problem] = field(default_factory=list)

    @property
    def id_number(self) -> str:
        return self.values["id_number"]


@dataclass
class BatchOutcome:
    created: list[Citizen] = field(default_factory=list)
    updated: list[Citizen] = field(default_factory=list)
    unchanged: int = 0
    refused: list[CitizenRow] = field(default_factory=list)

    @property
    def written_ids(self) -> list[int]:
        return [c.pk for c in self.created] + [c.pk for c in self.updated]


def changes_for(current: Citizen, row: CitizenRow) -> dict:
    """The audited changes ``row`` makes to ``current`` ({field: [before, after]}, sensitive values sealed);
    a move to another household is named by household numbers (the household may not exist yet). Compared
    in plain values: only what changed is sealed (an unchanged row of a re-import seals nothing)."""
    before = plain_snapshot(current)
    changes = {}
    for key, value in row.values.items():
        if key in _AUDITED:
            new = value.isoformat() if isinstance(value, date) else value
            if before[key] != new:
                changes[key] = [seal_value(key, before[key]), seal_value(key, new)]
    for attribute, unit in row.units.items():
        key = f"{attribute}_id"
        if before[key] != unit.pk:
            changes[key] = [before[key], unit.pk]
    number = row.values.get("household_number")
    current_number = current.household.number if current.household_id else None
    if number is not None and number != current_number:
        changes["household_number"] = [current_number, number]
    return changes


def _apply(citizen: Citizen, row: CitizenRow, households: dict[str, Household]) -> None:
    for key, value in row.values.items():
        if key == "household_number":
            citizen.household = households[value]
        else:
            setattr(citizen, key, value)
    for attribute, unit in row.units.items():
        setattr(citizen, attribute, unit)
    citizen.refresh_name_keys()


def _refuse(row: CitizenRow, code: RegistryErrorCode, field_name: str = "id_number") -> None:
    row.problems.append(problem(field_name, code))


def _area_problem(acting_user, row: CitizenRow, verb: Verb, current: Citizen | None) -> bool:
    """True (and the row refused) when the record, before or after, is outside the user's area."""
    if acting_user is None:
        return False
    if current is not None and not access.citizen_in_area(acting_user, current, Verb.CITIZEN_READ):
        _refuse(row, RegistryErrorCode.ID_UNAVAILABLE)
        return True
    if row.units and not any(in_area(acting_user, verb, unit.path) for unit in row.units.values()):
        _refuse(row, RegistryErrorCode.OUTSIDE_AREA, "permanent_unit_code")
        return True
    return False


def households_for(rows: list[CitizenRow]) -> tuple[dict[str, Household], list[Household]]:
    """The households the rows name, and those of them not yet registered, inserted now in the first
    row's commune (audited by ``settle_households`` once their heads are known)."""
    numbers = {row.values["household_number"]: row for row in rows if row.values.get("household_number")}
    found = {h.number: h for h in Household.objects.filter(number__any_of=list(numbers))}
    new = [
        Household(number=number, unit=row.units["permanent_unit"], address=row.values.get("permanent_address", ""))
        for number, row in numbers.items()
        if number not in found and row.units.get("permanent_unit") is not None
    ]
    insert_households(new)
    found.update({household.number: household for household in new})
    return found, new


def insert_households(households: list[Household]) -> list[Household]:
    """Insert new households (numbers unique: a concurrent creation of the same number fails the caller's
    transaction). Not yet audited: ``settle_households`` does it once their members are written."""
    insert_instances(households)
    assign_primary_keys(households, "number")
    return households


def _set_heads(pairs: list[tuple[int, int]]) -> None:
    """One UPDATE … FROM (VALUES …) per 2,000 households (Django's bulk_update builds a CASE per row)."""
    table = Household._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 2000):
            chunk = pairs[start : start + 2000]
            values = ", ".join(["(CAST(%s AS integer), CAST(%s AS integer))"] * len(chunk))
            cursor.execute(
                f"WITH v(id, head) AS (VALUES {values}) UPDATE {table} SET head_id = v.head FROM v WHERE {table}.id = v.id",
                [value for pair in chunk for value in pair],
            )


def settle_households(acting_user, new: list[Household], written: list[Citizen], *, reason: str) -> None:
    """After a batch's citizens are written: a household without a head gets the first member of the
    batch recorded as its head; each new household is audited as created (with its head), each existing
    one that got a head as changed."""
    newly = {h.pk for h in new}
    headed: dict[int, tuple[Household, Citizen]] = {}
    for citizen in sorted(written, key=lambda c: c.pk):
        household = citizen.household
        if citizen.relation_to_head == "head" and household is not None and household.head_id is None:
            headed.setdefault(household.pk, (household, citizen))
    for household, citizen in headed.values():
        household.head_id = citizen.pk
    if headed:
        _set_heads([(household.pk, citizen.pk) for household, citizen in headed.values()])
    heads = {pk: citizen.id_number for pk, (_, citizen) in headed.items()}
    events.households_created_in_bulk(acting_user, new, heads=heads, reason=reason)
    events.household_heads_set_in_bulk(
        acting_user, [h for h, _ in headed.values() if h.pk not in newly], heads=heads, reason=reason
    )


def write_citizens(acting_user, rows: list[CitizenRow], *, reason: str) -> BatchOutcome:
    """Create or update the citizens of ``rows`` (keyed by ID number). Rows the registry refuses now get
    their problems and are returned in ``refused``; the others are written with one audit entry each.
    ``acting_user`` None is the system (the demo), acting nationwide."""
    if not reason or not reason.strip():
        raise ValueError("a bulk write needs a reason")
    outcome = BatchOutcome()
    if not rows:
        return outcome
    with transaction.atomic(), crypto.one_key():
        numbers = [row.id_number for row in rows]
        locked = {
            c.id_number: c
            for c in Citizen.objects.select_for_update(of=("self",))
            .filter(id_number__any_of=numbers)
            .select_related("permanent_unit", "temporary_unit", "current_unit", "household")
            .order_by("pk")
        }
        cancelled = set(
            AllocatedIdNumber.objects.filter(number__any_of=numbers, status=AllocatedIdNumber.Status.CANCELLED)
            .values_list("number", flat=True)
        )  # fmt: skip
        new_rows: list[CitizenRow] = []
        changed: list[tuple[Citizen, CitizenRow, dict]] = []
        for row in rows:
            current = locked.get(row.id_number)
            if current is None:
                if row.seen_version not in (None, NOT_SEEN):  # the record the check saw is gone
                    _refuse(row, RegistryErrorCode.CHANGED_SINCE_CHECK, "version")
                elif row.id_number in cancelled:
                    _refuse(row, RegistryErrorCode.ID_UNAVAILABLE)
                elif not _area_problem(acting_user, row, Verb.CITIZEN_CREATE, None):
                    new_rows.append(row)
                if row.problems:
                    outcome.refused.append(row)
                continue
            if _area_problem(acting_user, row, Verb.CITIZEN_CHANGE_RESIDENCE, current):
                outcome.refused.append(row)
                continue
            if current.merged_into_id:  # kept for its history; the file should name the record that stays
                _refuse(row, RegistryErrorCode.ALREADY_MERGED)
                outcome.refused.append(row)
                continue
            changes = changes_for(current, row)
            if not changes:
                outcome.unchanged += 1
                continue
            if row.seen_version is not None and current.version != row.seen_version:
                # changed (or created) since the check: the file's values would undo that change
                _refuse(row, RegistryErrorCode.CHANGED_SINCE_CHECK, "version")
                outcome.refused.append(row)
                continue
            allowed = access.changeable_fields(acting_user, current) if acting_user is not None else None
            if allowed is not None and (refused := [n for n in changes if n not in allowed]):
                row.problems.extend(problem(name, RegistryErrorCode.FIELD_NOT_YOURS) for name in refused)
                outcome.refused.append(row)
                continue
            changed.append((current, row, changes))
        if acting_user is not None:
            if new_rows:
                require_permission(acting_user, Verb.CITIZEN_CREATE)
            if changed:
                require_permission(acting_user, Verb.CITIZEN_CHANGE_RESIDENCE)
        households, new_households = households_for([*new_rows, *(row for _, row, _ in changed)])
        new = []
        for row in new_rows:
            citizen = Citizen()
            _apply(citizen, row, households)
            new.append(citizen)
        now = timezone.now()
        for citizen, row, _changes in changed:
            _apply(citizen, row, households)
            citizen.version += 1
            citizen.updated_at = now
        outcome.created = create_citizens(acting_user, new, reason=reason)
        outcome.updated = [citizen for citizen, _, _ in changed]
        if changed:
            Citizen.objects.bulk_update(outcome.updated, [*UPDATABLE, "version", "updated_at"], batch_size=2000)
            events.citizens_written_in_bulk(
                acting_user,
                [events.citizen_changed_event(c, reason=reason, fields=ch) for c, _, ch in changed],
            )
            quality.refresh_flags(outcome.updated, check_duplicates=False)
        settle_households(acting_user, new_households, [*outcome.created, *outcome.updated], reason=reason)
    return outcome


def create_citizens(acting_user, citizens: list[Citizen], *, reason: str) -> list[Citizen]:
    """Insert new records whose numbers are known to be free (checked and locked by the caller, or fresh
    from the demo's generator): numbers registered as given out, one audit entry each, quality flags.
    Called inside the caller's transaction; duplicate detection across the batch is the caller's last step
    (``quality.flag_duplicates``)."""
    if not citizens:
        return citizens
    if acting_user is not None:
        require_permission(acting_user, Verb.CITIZEN_CREATE)
    with transaction.atomic(), crypto.one_key():
        already = set(
            AllocatedIdNumber.objects.filter(number__any_of=[c.id_number for c in citizens]).values_list("number", flat=True)
        )
        allocated_by = acting_user if acting_user is not None and acting_user.pk else None
        insert_instances([
            AllocatedIdNumber(number=c.id_number, allocated_by=allocated_by, reason=reason[:200])
            for c in citizens if c.id_number not in already
        ])  # fmt: skip
        insert_instances(citizens)
        assign_primary_keys(citizens, "id_number")
        events.citizens_written_in_bulk(
            acting_user, [events.citizen_created_event(c, reason=reason, after=snapshot(c)) for c in citizens]
        )
        quality.refresh_flags(citizens, check_duplicates=False, new=True)
    return citizens
