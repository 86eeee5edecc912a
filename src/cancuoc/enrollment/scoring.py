"""Comparison of two registry records for the demographic check: a score 0–1 and the reasons, from every
field the registry holds. Twins (same parents, same birth date, different given names) and namesakes
(same common name and year, different parents or places) score low."""

from __future__ import annotations

from cancuoc.registry.models import Citizen


def compare(a: Citizen, b: Citizen) -> tuple[float, tuple[str, ...]]:
    reasons: list[str] = []
    score = 0.0
    if a.old_id_number and a.old_id_number == b.old_id_number:
        score += 0.6
        reasons.append("old_id_number")
    if a.name_folded == b.name_folded:
        score += 0.3
        reasons.append("name")
    elif a.name_sorted == b.name_sorted:
        score += 0.25
        reasons.append("name_order")
    if a.birth_date == b.birth_date:
        score += 0.25
        reasons.append("birth_date")
    elif (a.birth_date.year, a.birth_date.month, a.birth_date.day) == (
        b.birth_date.year,
        b.birth_date.day,
        b.birth_date.month,
    ):
        score += 0.2
        reasons.append("birth_date_day_month_swapped")
    elif a.birth_date.year == b.birth_date.year and (1, 1) in (
        (a.birth_date.month, a.birth_date.day),
        (b.birth_date.month, b.birth_date.day),
    ):
        score += 0.1
        reasons.append("birth_year_only")
    if a.sex != b.sex:
        score -= 0.3
        reasons.append("sex_differs")
    for field in ("father_id", "mother_id"):
        first, second = getattr(a, field), getattr(b, field)
        if first and second:
            if first == second:
                score += 0.1
                reasons.append(field.removesuffix("_id"))
            else:
                score -= 0.3
                reasons.append(f"{field.removesuffix('_id')}_differs")
    if a.birth_registration_unit_id and a.birth_registration_unit_id == b.birth_registration_unit_id:
        score += 0.1
        reasons.append("birth_registration_unit")
    if a.household_id and a.household_id == b.household_id:
        if a.name_folded != b.name_folded:
            score -= 0.2  # two members of one household with different names: twins, siblings
        reasons.append("household")
    return max(0.0, min(1.0, score)), tuple(reasons)
