"""The only write path of the registry. Each action takes the acting user and a reason, runs in one
transaction, checks the user's area, and writes its audit entry in that same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, in_area, require_permission
from cancuoc.protection import snapshots
from cancuoc.rules import idnumber
from cancuoc.rules.text import reason_problem
from cancuoc.units.models import AdministrativeUnit, Level

from .. import access, events, quality
from ..errors import RegistryErrorCode, problem
from ..events import residence_path
from ..models import AllocatedIdNumber, Citizen, Household
from ..validation import Problem, clean_citizen

__all__ = ["residence_path"]

AUDITED_FIELDS = [
    "id_number", "family_name", "middle_name", "given_name", "other_names", "birth_date", "birth_date_precision",
    "sex", "birth_registration_unit_id", "origin_unit_id", "ethnicity", "religion", "nationality", "blood_type",
    "marital_status", "permanent_unit_id", "permanent_address", "temporary_unit_id", "temporary_address",
    "current_unit_id", "current_address", "household_id", "relation_to_head", "father_id", "mother_id",
    "spouse_id", "legal_representative_id", "father_name", "mother_name", "spouse_name", "old_id_number",
    "date_of_death",
]  # fmt: skip
UNIT_FIELDS = {
    "permanent_unit_code": ("permanent_unit", Level.COMMUNE),
    "temporary_unit_code": ("temporary_unit", Level.COMMUNE),
    "current_unit_code": ("current_unit", Level.COMMUNE),
    "birth_registration_unit_code": ("birth_registration_unit", None),
    "origin_unit_code": ("origin_unit", None),
}
MAX_ALLOCATION_ATTEMPTS = 50


class RegistryError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def plain_snapshot(citizen: Citizen) -> dict:
    """The audited fields as JSON-safe values (dates as ISO strings), nothing sealed: for comparing."""
    values = {}
    for name in AUDITED_FIELDS:
        value = getattr(citizen, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def snapshot(citizen: Citizen) -> dict:
    """The audited fields as JSON-safe values (dates as ISO strings), sensitive ones sealed."""
    return snapshots.seal_snapshot(plain_snapshot(citizen))


def diff(before: dict, after: dict) -> dict:
    return snapshots.sealed_diff(before, after)


def resolve_unit(code: str, level: int | None, field: str) -> AdministrativeUnit:
    """A unit code from outside: today's structure first, then an old code resolved to its successor."""
    from cancuoc.units.selectors import unit_for_code

    unit, in_force = unit_for_code(code, level, on=timezone.localdate())
    if unit is None:
        raise RegistryError([problem(field, RegistryErrorCode.UNKNOWN_UNIT, code=code)])
    # A split commune stays as written: the officer sees it on the record and corrects it.
    return in_force[0] if len(in_force) == 1 else unit


def _apply_values(citizen: Citizen, values: dict) -> None:
    for key, value in values.items():
        if key in UNIT_FIELDS:
            attribute, level = UNIT_FIELDS[key]
            setattr(citizen, attribute, None if value is None else resolve_unit(value, level, key))
        elif key == "household_number":
            household = Household.objects.filter(number=value).first()
            if household is None:
                raise RegistryError([problem(key, RegistryErrorCode.UNKNOWN_HOUSEHOLD, number=value)])
            citizen.household = household
        else:
            setattr(citizen, key, value)
    citizen.refresh_name_keys()


def _check_area(user, citizen: Citizen, verb: Verb) -> None:
    """The record (as it would be after the change) must lie in the user's area for ``verb``."""
    if user is None:  # system jobs (demo data, imports already authorised) act nationwide
        return
    require_permission(user, verb)
    units = [citizen.permanent_unit, citizen.temporary_unit, citizen.current_unit]
    if not any(in_area(user, verb, unit.path) for unit in units if unit is not None):
        raise RegistryError([problem("permanent_unit_code", RegistryErrorCode.OUTSIDE_AREA)])


def _check_fields(allowed: frozenset[str] | None, changed: list[str]) -> None:
    """Identity data belongs to the commune of permanent residence and the supervisors above it; the
    commune where the citizen only stays may change that residence's data and nothing else."""
    if allowed is None:
        return
    refused = [name for name in changed if name not in allowed]
    if refused:
        raise RegistryError([problem(name, RegistryErrorCode.FIELD_NOT_YOURS) for name in refused])


def _only_ends_a_residence(values: dict) -> bool:
    ended = access.TEMPORARY_RESIDENCE_FIELDS | access.CURRENT_RESIDENCE_FIELDS
    return bool(values) and all(key in ended and not value for key, value in values.items())


MAX_REASON_LENGTH = 300  # what the audit log keeps


def _require_reason(reason: str) -> None:
    """Every change names its reason; the log keeps it whole, so it must fit and hold no hidden characters."""
    _text, wrong = reason_problem(reason, limit=MAX_REASON_LENGTH)
    if wrong:
        code = RegistryErrorCode.REASON_REQUIRED if wrong == "required" else RegistryErrorCode.REASON_INVALID
        raise RegistryError([problem("reason", code)])


def create_citizen(acting_user, raw: dict, *, reason: str, today: date | None = None, where: str = "") -> Citizen:
    _require_reason(reason)
    if acting_user is not None:
        require_permission(acting_user, Verb.CITIZEN_CREATE)
    cleaned = clean_citizen(raw, today=today or timezone.localdate())
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    citizen = Citizen()
    _apply_values(citizen, cleaned.values)
    # the area first: an answer about the number only goes to a request that could have succeeded
    _check_area(acting_user, citizen, Verb.CITIZEN_CREATE)
    _refuse_unusable_number(acting_user, citizen.id_number, where=where or "create")
    return _create_checked_citizen(acting_user, citizen, reason=reason)


@transaction.atomic
def _create_checked_citizen(acting_user, citizen: Citizen, *, reason: str) -> Citizen:
    _claim_number(citizen.id_number, acting_user, reason)
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError as error:
        # another transaction created the same number between the check and the insert
        raise RegistryError([problem("id_number", RegistryErrorCode.ID_UNAVAILABLE)]) from error
    quality.refresh_flags([citizen])
    quality.flag_duplicates([citizen.pk])  # the older record it repeats is flagged too
    events.citizen_created(acting_user, citizen, reason=reason, after=snapshot(citizen))
    return citizen


def number_unusable_cause(acting_user, number: str) -> str | None:
    """Why a new record may not take this number ("exists_outside_area", "cancelled", "exists"), or None.
    Callers answer every cause but "exists" the same way."""
    existing = Citizen.objects.filter(id_number=number).first()
    if existing is not None:
        if acting_user is None or access.citizen_in_area(acting_user, existing, Verb.CITIZEN_READ):
            return "exists"
        return "exists_outside_area"
    status = AllocatedIdNumber.objects.filter(number=number).values_list("status", flat=True).first()
    if status == AllocatedIdNumber.Status.CANCELLED:
        return "cancelled"
    return None


def _refuse_unusable_number(acting_user, number: str, *, where: str) -> None:
    """Called before the change's transaction opens, so that the audited refusal is kept."""
    cause = number_unusable_cause(acting_user, number)
    if cause is None:
        return
    if cause == "exists":  # the officer may open that record anyway: saying so tells nothing new
        raise RegistryError([problem("id_number", RegistryErrorCode.ID_EXISTS)])
    events.citizen_creation_refused(acting_user, id_number=number, where=where, cause=cause)
    raise RegistryError([problem("id_number", RegistryErrorCode.ID_UNAVAILABLE)])


def _claim_number(number: str, acting_user, reason: str) -> None:
    """Record an existing number as given out; a cancelled number can never belong to anyone again."""
    existing = AllocatedIdNumber.objects.filter(number=number).first()
    if existing is None:
        try:
            with transaction.atomic():
                AllocatedIdNumber.objects.create(
                    number=number, allocated_by=_user_or_none(acting_user), reason=reason[:200]
                )
        except IntegrityError as error:  # a concurrent creation of the same number won
            raise RegistryError([problem("id_number", RegistryErrorCode.ID_UNAVAILABLE)]) from error
    elif existing.status == AllocatedIdNumber.Status.CANCELLED:  # cancelled since the check above
        raise RegistryError([problem("id_number", RegistryErrorCode.ID_UNAVAILABLE)])


def _user_or_none(user):
    return user if user is not None and getattr(user, "pk", None) else None


@transaction.atomic
def update_citizen(
    acting_user, citizen: Citizen, raw: dict, *, reason: str, expected_version: int | None = None,
    today: date | None = None,
) -> Citizen:  # fmt: skip
    """Change some fields of one citizen. The ID number itself never changes here."""
    _require_reason(reason)
    if "id_number" in raw and raw["id_number"] != citizen.id_number:
        raise RegistryError([problem("id_number", RegistryErrorCode.ID_IMMUTABLE)])
    if moved := [key for key in ("household_number", "relation_to_head") if key in raw]:
        # the household rules (a head, its members) live in actions.households: never around them
        raise RegistryError([problem(key, RegistryErrorCode.HOUSEHOLD_BY_ITS_ACTIONS) for key in moved])
    locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
    if locked.merged_into_id:  # kept for its history: the record it was merged into is the one to change
        raise RegistryError([problem("id_number", RegistryErrorCode.ALREADY_MERGED)])
    if expected_version is not None and locked.version != expected_version:
        raise RegistryError([problem("version", RegistryErrorCode.STALE)])
    if acting_user is not None:
        require_permission(acting_user, Verb.CITIZEN_CHANGE_RESIDENCE)
        if not access.citizen_in_area(acting_user, locked, Verb.CITIZEN_READ):
            raise NotFound()
    allowed = access.changeable_fields(acting_user, locked) if acting_user is not None else None
    cleaned = clean_citizen(raw, today=today or timezone.localdate(), partial=True,
                            current={"birth_date": locked.birth_date, "date_of_death": locked.date_of_death})
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    before = snapshot(locked)
    _apply_values(locked, cleaned.values)
    # the change may not move a citizen out of the officer's reach, but the commune of a temporary or current
    # residence may end it (the record then leaves its area, as the person did)
    if not _only_ends_a_residence(cleaned.values):
        _check_area(acting_user, locked, Verb.CITIZEN_CHANGE_RESIDENCE)
    after = snapshot(locked)
    changes = diff(before, after)
    _check_fields(allowed, list(changes))
    if not changes:
        return locked
    locked.version += 1
    locked.save()
    quality.refresh_flags([locked])
    events.citizen_changed(acting_user, locked, reason=reason, fields=changes)
    return locked


@dataclass(frozen=True)
class Allocation:
    number: str
    attempts: int


@transaction.atomic
def allocate_id_number(acting_user, *, place_code: str, birth_year: int, sex: str, reason: str) -> Allocation:
    """Give out a new number for a birth registration. The primary key decides uniqueness: a collision
    (another process took the same random number) is retried, never checked beforehand."""
    _require_reason(reason)
    if acting_user is not None:
        require_permission(acting_user, Verb.ID_NUMBER_ALLOCATE)
    prefix = idnumber.prefix_for(place_code, birth_year, sex)
    for attempt in range(1, MAX_ALLOCATION_ATTEMPTS + 1):
        number = idnumber.candidate_number(prefix)
        try:
            with transaction.atomic():
                AllocatedIdNumber.objects.create(number=number, allocated_by=_user_or_none(acting_user),
                                                 reason=reason[:200])  # fmt: skip
        except IntegrityError:
            continue
        events.id_number_allocated(acting_user, number, reason=reason)
        return Allocation(number, attempt)
    raise RegistryError([problem("id_number", RegistryErrorCode.ALLOCATION_EXHAUSTED)])


@transaction.atomic
def cancel_id_number(acting_user, number: str, *, reason: str) -> None:
    _require_reason(reason)
    if acting_user is not None:
        require_permission(acting_user, Verb.ID_NUMBER_CANCEL)
    updated = AllocatedIdNumber.objects.filter(number=number, status=AllocatedIdNumber.Status.ACTIVE).update(
        status=AllocatedIdNumber.Status.CANCELLED
    )
    if not updated:
        raise RegistryError([problem("id_number", RegistryErrorCode.NOT_ACTIVE)])
    events.id_number_cancelled(acting_user, number, reason=reason)


@transaction.atomic
def register_birth(acting_user, raw: dict, *, place_code: str, reason: str) -> Citizen:
    """Allocate a number for a newborn and create the record, in one transaction."""
    cleaned = clean_citizen({**raw, "id_number": "000000000000"}, today=timezone.localdate())
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    birth = cleaned.values["birth_date"]
    allocation = allocate_id_number(acting_user, place_code=place_code, birth_year=birth.year,
                                    sex=cleaned.values["sex"], reason=reason)  # fmt: skip
    return create_citizen(acting_user, {**raw, "id_number": allocation.number}, reason=reason)


def record_read(acting_user, citizen: Citizen, *, what: str = "citizen page") -> None:
    events.citizen_viewed(acting_user, citizen, where=what)
