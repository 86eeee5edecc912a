"""Data-quality flags per record ("đúng, đủ, sạch, sống") and their counts per unit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from cancuoc.rules import ethnic_religion, idnumber

from .models import Citizen, NotDuplicatePair, QualityFlag

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
    outside = [value for value in (citizen.ethnicity, citizen.religion) if ethnic_religion.is_outside_lists(value)]
    if outside:
        flags[Code.OUTSIDE_LIST] = "; ".join(outside)[:300]
    if citizen.birth_date_precision == "year":
        flags[Code.LEGACY_BIRTH_DATE] = str(citizen.birth_date.year)
    if not check_duplicates:
        return flags
    if citizen.merged_into_id is not None:  # a merged record is no longer anyone's twin, nor flagged
        return flags
    duplicate = suspected_twins(citizen).values_list("id_number", flat=True).first()
    if duplicate:
        flags[Code.SUSPECTED_DUPLICATE] = f"same name and birth date as {duplicate}"
    return flags


def suspected_twins(citizen: Citizen):
    """The other unmerged records with the same folded name and birth date, except those an officer has
    found to be different people (``NotDuplicatePair``)."""
    dismissed = NotDuplicatePair.objects.filter(Q(first=citizen.pk) | Q(second=citizen.pk))
    return (
        Citizen.objects.filter(name_folded=citizen.name_folded, birth_date=citizen.birth_date, merged_into__isnull=True)
        .exclude(pk=citizen.pk)
        .exclude(pk__in=dismissed.values("first"))
        .exclude(pk__in=dismissed.values("second"))
        .order_by("pk")
    )


def refresh_flags(citizens: Iterable[Citizen], *, check_duplicates: bool = True, new: bool = False) -> None:
    """Replace the stored flags of ``citizens`` with what ``detect_flags`` finds now (``new``: the
    citizens were just inserted and cannot have flags yet)."""
    from .bulk import insert_instances

    citizens = list(citizens)
    if not citizens:
        return
    if not new:
        QualityFlag.objects.filter(citizen__any_of=[c.pk for c in citizens]).delete()
    insert_instances(
        [
            QualityFlag(citizen_id=citizen.pk, code=code, detail=detail)
            for citizen in citizens
            for code, detail in detect_flags(citizen, check_duplicates=check_duplicates).items()
        ]
    )


def flag_duplicates(citizen_ids: Iterable[int] | None = None) -> int:
    """Flag every citizen sharing folded name and birth date with another record (for bulk jobs; one
    pass grouping in memory instead of a correlated query per row). Limited to ``citizen_ids`` when
    given, still comparing them with the whole registry. Returns how many flags were added."""
    rows = Citizen.objects.filter(merged_into__isnull=True).values_list("pk", "name_folded", "birth_date", "id_number")
    dismissed = set(NotDuplicatePair.objects.values_list("first", "second"))  # few: one row per decision
    if citizen_ids is not None:
        wanted = set(citizen_ids)
        if not wanted:
            return 0
        names = set()
        ids = list(wanted)
        for start in range(0, len(ids), 5000):
            names.update(
                Citizen.objects.filter(pk__any_of=ids[start : start + 5000]).values_list("name_folded", flat=True)
            )
        names = list(names)
        groups: dict[tuple, list] = {}
        for start in range(0, len(names), 2000):
            for pk, name, birth, number in rows.filter(name_folded__any_of=names[start : start + 2000]).iterator(
                chunk_size=10000
            ):
                groups.setdefault((name, birth), []).append((pk, number))
    else:
        wanted = None
        groups = {}
        for pk, name, birth, number in rows.iterator(chunk_size=20000):
            groups.setdefault((name, birth), []).append((pk, number))
    flags = []
    for members in groups.values():
        if len(members) < 2:
            continue
        # both sides of a pair are flagged: the new record and the older one it repeats
        if wanted is not None and not any(pk in wanted for pk, _ in members):
            continue
        for pk, _number in members:
            twin = next((number for other, number in members
                         if other != pk and (min(pk, other), max(pk, other)) not in dismissed), None)  # fmt: skip
            if twin is None:
                continue
            flags.append(
                QualityFlag(
                    citizen_id=pk, code=Code.SUSPECTED_DUPLICATE, detail=f"same name and birth date as {twin}"
                )
            )
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
    over every unit beneath the child (any depth). Four queries whatever the number of children: the
    counts are grouped by permanent unit in the database and summed per child here, through the
    materialised path (the child's primary key is the path segment just below the parent's)."""
    from cancuoc.units.models import AdministrativeUnit

    children = (
        AdministrativeUnit.objects.filter(parent=parent_unit)
        if parent_unit
        else AdministrativeUnit.objects.filter(parent__isnull=True, valid_to__isnull=True)
    )
    children = {child.pk: child for child in children.order_by("name_folded")}
    depth = len(parent_unit.path.strip("/").split("/")) if parent_unit else 0

    def child_of(path: str | None) -> int | None:
        segments = path.strip("/").split("/") if path else []
        return int(segments[depth]) if len(segments) > depth else None

    totals = {pk: {"citizens": 0, "flagged": 0, **{code: 0 for code in Code.values}} for pk in children}
    by_unit = citizens.values("permanent_unit__path").annotate(n=Count("pk", distinct=True)).order_by()
    flagged_by_unit = (
        citizens.filter(quality_flags__isnull=False)
        .values("permanent_unit__path")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    codes_by_unit = (
        QualityFlag.objects.filter(citizen__in=citizens.values("pk"))
        .values("citizen__permanent_unit__path", "code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for key, rows_, path_field in (
        ("citizens", by_unit, "permanent_unit__path"),
        ("flagged", flagged_by_unit, "permanent_unit__path"),
        (None, codes_by_unit, "citizen__permanent_unit__path"),
    ):
        for row in rows_:
            counts = totals.get(child_of(row[path_field]))
            if counts is not None:
                counts[key or row["code"]] += row["n"]
    rows = []
    for pk, child in children.items():
        counts = totals[pk]
        if counts["citizens"]:
            rows.append({"unit": child, "clean_share": 1 - counts["flagged"] / counts["citizens"], **counts})
    return rows
