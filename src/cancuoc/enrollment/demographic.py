"""The demographic duplicate check of one application: other living, unmerged records that look like the
same person. Candidates are gathered by indexed look-ups (the folded full name with the birth date, the
day and month swapped, or the birth year alone for a legacy 01/01 date; the same old 9-digit number) and
scored by ``cancuoc.dedup`` over every field the registry holds; pairs an officer has already found to
be different people are left out."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from cancuoc.registry.models import Citizen, NotDuplicatePair

THRESHOLD = 0.5
LIMIT = 10


def _swapped(day: date) -> date | None:
    try:
        return date(day.year, day.day, day.month) if day.day <= 12 and day.day != day.month else None
    except ValueError:
        return None


def _gather(citizen: Citizen) -> list[Citizen]:
    dates = [citizen.birth_date] + ([swap] if (swap := _swapped(citizen.birth_date)) else [])
    near = Q(name_folded=citizen.name_folded, birth_date__in=dates)
    if (citizen.birth_date.month, citizen.birth_date.day) == (1, 1):
        near |= Q(name_folded=citizen.name_folded, birth_date__year=citizen.birth_date.year)
    else:
        near |= Q(name_folded=citizen.name_folded, birth_date=date(citizen.birth_date.year, 1, 1))
    near |= Q(name_sorted=citizen.name_sorted, birth_date=citizen.birth_date)
    if citizen.old_id_number:
        near |= Q(old_id_number=citizen.old_id_number)
    return list(Citizen.objects.filter(near, merged_into__isnull=True).exclude(pk=citizen.pk)[:200])


def _dismissed(citizen: Citizen, others: list[Citizen]) -> set[int]:
    ids = [other.pk for other in others]
    pairs = NotDuplicatePair.objects.filter(
        Q(first=citizen.pk, second__in=ids) | Q(second=citizen.pk, first__in=ids)
    )
    return {pair.second_id if pair.first_id == citizen.pk else pair.first_id for pair in pairs}


def candidates_for(citizen: Citizen) -> list[tuple[int, float, tuple[str, ...]]]:
    """(citizen id, score 0–1, reasons) of the likely duplicates, best first."""
    from . import scoring

    others = _gather(citizen)
    dismissed = _dismissed(citizen, others)
    scored = [(other.pk, *scoring.compare(citizen, other)) for other in others if other.pk not in dismissed]
    return sorted([item for item in scored if item[1] >= THRESHOLD], key=lambda item: -item[1])[:LIMIT]
