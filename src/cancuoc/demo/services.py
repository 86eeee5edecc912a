"""Demo data: a synthetic province population and one login per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from cancuoc.accounts.models import Role, User
from cancuoc.registry import events, quality
from cancuoc.registry.actions import batches
from cancuoc.registry.models import AllocatedIdNumber, Citizen, Household
from cancuoc.units.models import AdministrativeUnit, Level, Structure, UnitSuccession

from .population import Person, PopulationGenerator

BATCH = 5000
DEMO_PASSWORD = "cancuoc-demo-2026"


class DemoError(Exception):
    pass


@dataclass
class DemoResult:
    province: AdministrativeUnit
    citizens: int
    households: int


def province_by_code(code: str) -> AdministrativeUnit:
    province = AdministrativeUnit.objects.filter(
        structure=Structure.Y2025, level=Level.PROVINCE, code=code.zfill(2)
    ).first()
    if province is None:
        raise DemoError(f"Không có tỉnh mã {code} (cơ cấu từ 01/07/2025) / No province with code {code} (2025 structure). "
                        "Run `cancuoc units load` first.")  # fmt: skip
    return province


def _birth_province_codes(province: AdministrativeUnit) -> list[str]:
    old_ids = UnitSuccession.objects.filter(successor=province).values_list("predecessor_id", flat=True)
    codes = list(
        AdministrativeUnit.objects.filter(pk__in=old_ids, level=Level.PROVINCE).values_list("code", flat=True)
    )
    return sorted(code.zfill(3) for code in codes) or ["001"]


def _citizen(person: Person, commune: AdministrativeUnit, household: Household, birth_units: dict) -> Citizen:
    citizen = Citizen(
        id_number=person.id_number, family_name=person.family_name, middle_name=person.middle_name,
        given_name=person.given_name,
        birth_date=person.birth_date, birth_date_precision=person.birth_date_precision, sex=person.sex,
        ethnicity=person.ethnicity, religion=person.religion, nationality="VNM", blood_type=person.blood_type,
        marital_status=person.marital_status, permanent_unit=commune, permanent_address=person.address,
        current_unit=commune if person.temporary_elsewhere else None,
        birth_registration_unit=birth_units.get(person.birth_province_code),
        household=household, relation_to_head=person.relation, father_name=person.father_name,
        mother_name=person.mother_name, spouse_name=person.spouse_name, old_id_number=person.old_id_number,
        date_of_death=person.date_of_death,
    )  # fmt: skip
    citizen.refresh_name_keys()
    return citizen


@transaction.atomic
def generate_population(
    *, province_code: str, citizens: int, seed: int, today: date,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:  # fmt: skip
    """Create ``citizens`` synthetic people in the province's communes. All or nothing."""
    if citizens < 1:
        raise DemoError("Số công dân phải lớn hơn 0 / --citizens must be at least 1")
    province = province_by_code(province_code)
    communes = list(AdministrativeUnit.objects.filter(parent=province, level=Level.COMMUNE).order_by("code"))
    if not communes:
        raise DemoError(f"Tỉnh {province.name} không có xã / the province has no communes")
    birth_codes = _birth_province_codes(province)
    birth_units = {
        unit.code.zfill(3): unit
        for unit in AdministrativeUnit.objects.filter(structure=Structure.PRE_2025, level=Level.PROVINCE)
    }
    generator = PopulationGenerator(
        seed=seed, today=today, birth_province_codes=birth_codes, communes=len(communes)
    )
    generator.used_numbers.update(AllocatedIdNumber.objects.values_list("number", flat=True))
    prefix = f"{province.code}{seed % 1000:03d}"
    reason = f"demo --province {province_code} --citizens {citizens} --seed {seed}"
    pending: list[tuple[Person, Household]] = []
    made = households = 0

    def flush():
        nonlocal pending
        if not pending:
            return
        new_households = list({id(h): h for _, h in pending if h.pk is None}.values())
        batches.insert_households(new_households)
        rows = [
            _citizen(person, communes[person.commune_index], household, birth_units)
            for person, household in pending
        ]
        duplicates = []
        for person, household in pending:
            if "duplicate" in person.problems:  # the same person entered twice under another number
                copy = _citizen(person, communes[person.commune_index], household, birth_units)
                copy.id_number = generator._number(person.birth_date, person.sex, person.birth_province_code)
                copy.relation_to_head = "other"
                duplicates.append(copy)
        # through the registry's bulk action: numbers registered, one audit entry per citizen, flags
        created = batches.create_citizens(None, rows + duplicates, reason=reason)
        batches.settle_households(
            None, new_households, created, reason=reason
        )  # heads set, households audited
        pending = []

    for members in generator.households(citizens):
        households += 1
        first = members[0]
        household = Household(number=f"{prefix}{generator.household_key:07d}", unit=communes[first.commune_index],
                              address=first.address)  # fmt: skip
        pending.extend((person, household) for person in members)
        made += len(members) + sum(1 for person in members if "duplicate" in person.problems)
        if len(pending) >= BATCH:
            flush()
            if progress:
                progress(made, citizens)
    flush()
    quality.flag_duplicates()
    if progress:
        progress(made, citizens)
    events.demo_population_created(province, reason=reason, changes={"citizens": made, "households": households})  # fmt: skip
    return DemoResult(province, made, households)


@dataclass
class DemoLogin:
    username: str
    role: str
    area: str


def ensure_demo_users(province: AdministrativeUnit) -> list[DemoLogin]:
    """One login per role; the commune officers work in the two most populated communes."""
    from django.db.models import Count

    busiest = list(
        AdministrativeUnit.objects.filter(parent=province, level=Level.COMMUNE)
        .annotate(n=Count("households"))
        .order_by("-n", "code")[:2]
    )
    plan = [
        ("admin", Role.NATIONAL_ADMIN, None, "Quản trị quốc gia"),
        ("auditor", Role.AUDITOR, None, "Thanh tra"),
        ("production", Role.PRODUCTION_OPERATOR, None, "Trung tâm sản xuất thẻ"),
        ("province", Role.SUPERVISOR, province, "Giám sát tỉnh"),
    ] + [(f"commune{i + 1}", Role.COMMUNE_OFFICER, unit, "Cán bộ xã") for i, unit in enumerate(busiest)]
    logins = []
    for username, role, unit, display in plan:
        user, created = User.objects.get_or_create(username=username, defaults={"role": role, "unit": unit})
        if created:
            user.first_name = display
            user.is_staff = role == Role.NATIONAL_ADMIN
            user.is_superuser = role == Role.NATIONAL_ADMIN
            user.set_password(DEMO_PASSWORD)
            user.save()
        logins.append(
            DemoLogin(username, user.get_role_display(), user.unit.name if user.unit else "toàn quốc")
        )
    return logins
