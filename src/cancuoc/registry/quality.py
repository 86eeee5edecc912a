"""Data-quality flags per record ("đúng, đủ, sạch, sống") and their counts per unit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from cancuoc.rules import idnumber

from .models import Citizen, QualityFlag

Code = QualityFlag.Code


def detect_flags(citizen: Citizen, *, check_duplicates: bool = True) -> dict[str, str]:
    """The flags one record deserves now, with a short detail each. Only the duplicate check queries
    the database; bulk jobs skip it here and run ``flag_duplicates`` once over the whole set."""
    flags: dict[str, str] = {}
    missing = [
        name
        for name, value in (
            ("family_name", citizen.family_name),
            ("permanent_residence", citizen.permanent_unit_id),
            ("ethnicity", citizen.ethnicity),
            ("birth_registration", citizen.birth_registration_unit_id),
        )
        if not value
    ]
    if missing:
        flags[Code.MISSING_FIELDS] = ", ".join(missing)
    birth_province = None
    if citizen.birth_registration_unit_id and citizen.birth_registration_unit.structure == "pre2025":
        unit = citizen.birth_registration_unit
        birth_province = unit.code if unit.level == 1 else None
    found = idnumber.contradictions(
        citizen.id_number, birth_date=citizen.birth_date, sex=citizen.sex, birth_province_code=birth_province
    )
    if found:
        flags[Code.ID_CONTRADICTS_RECORD] = "; ".join(c.message_vi for c in found)[:300]
    if citizen.date_of_death is not None and (citizen.current_unit_id or citizen.temporary_unit_id):
        flags[Code.DEAD_BUT_PRESENT] = "date_of_death with current or temporary residence"
    if citizen.birth_date_precision == "year":
        flags[Code.LEGACY_BIRTH_DATE] = str(citizen.birth_date.year)
    if not check_duplicates:
        return flags
    duplicate = (
        Citizen.objects.filter(name_folded=citizen.name_folded, birth_date=citizen.birth_date)
        .exclude(pk=citizen.pk)
        .values_list("id_number", flat=True)
        .first()
    )
    if duplicate:
        flags[Code.SUSPECTED_DUPLICATE] = f"same name and birth date as {duplicate}"
    return flags


def refresh_flags(citizens: Iterable[Citizen], *, check_duplicates: bool = True, new: bool = False) -> None:
    """Replace the stored flags of ``citizens`` with what ``detect_flags`` finds now (``new``: the
    citizens were just inserted and cannot have flags yet)."""
    from .bulk import insert_instances

    citizens = list(citizens)
    if not citizens:
        return
    if not new:
        QualityFlag.objects.filter(citizen__in=[c.pk for c in citizens]).delete()
    insert_instances(
        [
            QualityFlag(citizen_id=citizen.pk, code=code, detail=detail)
            for citizen in citizens
            for code, detail in detect_flags(citizen, check_duplicates=check_duplicates).items()
        ]
    )


def flag_duplicates(citizen_ids: Iterable[int] | None = None) -> int:
    """Flag every citizen sharing folded name and birth date with another record (one set-based query,
    for bulk jobs). Limited to ``citizen_ids`` when given. Returns how many flags were added."""
    twins = Citizen.objects.filter(
        name_folded=OuterRef("name_folded"), birth_date=OuterRef("birth_date")
    ).exclude(pk=OuterRef("pk"))
    rows = (
        Citizen.objects.filter(Exists(twins))
        .annotate(twin=Subquery(twins.values("id_number")[:1]))
        .values_list("pk", "twin")
    )
    wanted = set(citizen_ids) if citizen_ids is not None else None
    flags = [
        QualityFlag(
            citizen_id=pk, code=Code.SUSPECTED_DUPLICATE, detail=f"same name and birth date as {twin}"
        )
        for pk, twin in rows.iterator(chunk_size=5000)
        if wanted is None or pk in wanted
    ]
    return len(QualityFlag.objects.bulk_create(flags, ignore_conflicts=True, batch_size=2000))


def flag_counts(citizens) -> dict[str, int]:
    """{code: number of citizens flagged} within a citizen queryset (already scoped by the caller)."""
    rows = (
        QualityFlag.objects.filter(citizen__in=citizens.values("pk")).values("code").annotate(n=Count("id"))
    )
    counts = {code: 0 for code in Code.values}
    counts.update({row["code"]: row["n"] for row in rows})
    return counts


def flag_counts_per_child_unit(parent_unit, citizens) -> list[dict]:
    """For each child unit of ``parent_unit``: citizens, flagged citizens and counts per flag, rolled up
    over every unit beneath the child (any depth)."""
    from cancuoc.units.models import AdministrativeUnit

    rows = []
    children = (
        AdministrativeUnit.objects.filter(parent=parent_unit)
        if parent_unit
        else AdministrativeUnit.objects.filter(parent__isnull=True, valid_to__isnull=True)
    )
    for child in children.order_by("name_folded"):
        under = citizens.filter(permanent_unit__path__startswith=child.path)
        total = under.count()
        if not total:
            continue
        per_code = flag_counts(under)
        flagged = under.filter(Q(quality_flags__isnull=False)).distinct().count()
        rows.append(
            {
                "unit": child,
                "citizens": total,
                "flagged": flagged,
                "clean_share": 1 - flagged / total,
                **per_code,
            }
        )
    return rows
