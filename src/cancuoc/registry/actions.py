"""The only write path of the registry. Each action takes the acting user and a reason, runs in one
transaction, checks the user's area, and writes its audit entry in that same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts import access
from cancuoc.audit.models import Action
from cancuoc.audit.services import AuditEvent, record
from cancuoc.rules import idnumber
from cancuoc.units.models import AdministrativeUnit, Level

from . import quality
from .models import AllocatedIdNumber, Citizen, Household
from .validation import Problem, clean_citizen

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


def snapshot(citizen: Citizen) -> dict:
    """The audited fields as JSON-safe values (dates as ISO strings)."""
    values = {}
    for name in AUDITED_FIELDS:
        value = getattr(citizen, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def diff(before: dict, after: dict) -> dict:
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}


def resolve_unit(code: str, level: int | None, field: str) -> AdministrativeUnit:
    """A unit code from outside: today's structure first, then an old code resolved to its successor."""
    from cancuoc.units.selectors import unit_for_code

    unit, in_force = unit_for_code(code, level, on=timezone.localdate())
    if unit is None:
        raise RegistryError([Problem(field, "unknown_unit", f"Không tìm thấy đơn vị hành chính mã {code}",
                                     f"No administrative unit with code {code}")])  # fmt: skip
    # A split commune stays as written: the officer sees it on the record and corrects it.
    return in_force[0] if len(in_force) == 1 else unit


def _apply_values(citizen: Citizen, values: dict) -> None:
    for key, value in values.items():
        if key in UNIT_FIELDS:
            attribute, level = UNIT_FIELDS[key]
            setattr(citizen, attribute, resolve_unit(value, level, key))
        elif key == "household_number":
            household = Household.objects.filter(number=value).first()
            if household is None:
                raise RegistryError([Problem(key, "unknown_household", f"Không tìm thấy hộ {value}",
                                             f"No household numbered {value}")])  # fmt: skip
            citizen.household = household
        else:
            setattr(citizen, key, value)
    citizen.refresh_name_keys()


def _check_area(user, citizen: Citizen) -> None:
    if user is None:  # system jobs (demo data, imports already authorised) act nationwide
        return
    if not access.can_change_registry(user):
        raise access.Forbidden()
    if user.scope_path is None:
        return
    units = [citizen.permanent_unit, citizen.temporary_unit, citizen.current_unit]
    if not any(access.unit_in_scope(user, unit) for unit in units if unit is not None):
        raise RegistryError([Problem("permanent_unit_code", "outside_area",
                                     "Nơi cư trú nằm ngoài địa bàn quản lý của cán bộ",
                                     "The residence is outside the officer's area")])  # fmt: skip


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise RegistryError([Problem("reason", "reason_required", "Phải ghi lý do thay đổi",
                                     "A reason for the change is required")])  # fmt: skip


@transaction.atomic
def create_citizen(acting_user, raw: dict, *, reason: str, today: date | None = None) -> Citizen:
    _require_reason(reason)
    cleaned = clean_citizen(raw, today=today or timezone.localdate())
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    citizen = Citizen()
    _apply_values(citizen, cleaned.values)
    _check_area(acting_user, citizen)
    _claim_number(citizen.id_number, acting_user, reason)
    try:
        with transaction.atomic():
            citizen.save()
    except IntegrityError as error:
        raise RegistryError([Problem("id_number", "id_exists", "Số định danh đã tồn tại",
                                     "This personal ID number already exists")]) from error  # fmt: skip
    quality.refresh_flags([citizen])
    record(acting_user, AuditEvent(Action.CREATE, "citizen", citizen.id_number, residence_path(citizen), reason,
                                   {"after": snapshot(citizen)}))  # fmt: skip
    return citizen


def _claim_number(number: str, acting_user, reason: str) -> None:
    """Record an existing number as given out; a cancelled number can never belong to anyone again."""
    existing = AllocatedIdNumber.objects.filter(number=number).first()
    if existing is None:
        AllocatedIdNumber.objects.create(
            number=number, allocated_by=_user_or_none(acting_user), reason=reason[:200]
        )
    elif existing.status == AllocatedIdNumber.Status.CANCELLED:
        raise RegistryError([Problem("id_number", "id_cancelled", "Số định danh đã bị hủy, không được dùng lại",
                                     "This ID number was cancelled and cannot be used again")])  # fmt: skip


def _user_or_none(user):
    return user if user is not None and getattr(user, "pk", None) else None


def residence_path(citizen: Citizen) -> str:
    """The unit path an audit entry of this citizen is filed under (for auditors' area scope)."""
    unit = citizen.permanent_unit or citizen.temporary_unit or citizen.current_unit
    return unit.path if unit else ""


@transaction.atomic
def update_citizen(
    acting_user, citizen: Citizen, raw: dict, *, reason: str, expected_version: int | None = None,
    today: date | None = None,
) -> Citizen:  # fmt: skip
    """Change some fields of one citizen. The ID number itself never changes here."""
    _require_reason(reason)
    if "id_number" in raw and raw["id_number"] != citizen.id_number:
        raise RegistryError([Problem("id_number", "id_immutable", "Không thể sửa số định danh",
                                     "The personal ID number cannot be changed")])  # fmt: skip
    locked = Citizen.objects.select_for_update().get(pk=citizen.pk)
    if expected_version is not None and locked.version != expected_version:
        raise RegistryError([Problem("version", "stale", "Hồ sơ đã được người khác sửa; hãy tải lại",
                                     "Someone else changed this record; reload it")])  # fmt: skip
    _check_area(acting_user, locked)
    cleaned = clean_citizen(raw, today=today or timezone.localdate(), partial=True)
    if not cleaned.ok:
        raise RegistryError(cleaned.problems)
    before = snapshot(locked)
    _apply_values(locked, cleaned.values)
    _check_area(acting_user, locked)  # the change may not move a citizen out of the officer's reach
    after = snapshot(locked)
    changes = diff(before, after)
    if not changes:
        return locked
    locked.version += 1
    locked.save()
    quality.refresh_flags([locked])
    record(acting_user, AuditEvent(Action.UPDATE, "citizen", locked.id_number, residence_path(locked), reason,
                                   {"fields": changes}))  # fmt: skip
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
    prefix = idnumber.prefix_for(place_code, birth_year, sex)
    for attempt in range(1, MAX_ALLOCATION_ATTEMPTS + 1):
        number = idnumber.candidate_number(prefix)
        try:
            with transaction.atomic():
                AllocatedIdNumber.objects.create(number=number, allocated_by=_user_or_none(acting_user),
                                                 reason=reason[:200])  # fmt: skip
        except IntegrityError:
            continue
        record(acting_user, AuditEvent(Action.ALLOCATE, "id_number", number, "", reason))
        return Allocation(number, attempt)
    raise RegistryError([Problem("id_number", "allocation_exhausted", "Không cấp được số định danh mới",
                                 "Could not allocate a new ID number")])  # fmt: skip


@transaction.atomic
def cancel_id_number(acting_user, number: str, *, reason: str) -> None:
    _require_reason(reason)
    updated = AllocatedIdNumber.objects.filter(number=number, status=AllocatedIdNumber.Status.ACTIVE).update(
        status=AllocatedIdNumber.Status.CANCELLED
    )
    if not updated:
        raise RegistryError([Problem("id_number", "not_active", "Số định danh không tồn tại hoặc đã hủy",
                                     "No such active ID number")])  # fmt: skip
    record(acting_user, AuditEvent(Action.CANCEL, "id_number", number, "", reason))


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
    record(acting_user, AuditEvent(Action.READ, "citizen", citizen.id_number, residence_path(citizen), what))
