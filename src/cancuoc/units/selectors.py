"""Reads of administrative units: type-ahead search, subtrees, resolution of old units to today's."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from cancuoc.rules.text import fold

from .models import AdministrativeUnit, UnitSuccession


def search_units(query: str, *, limit: int = 20, in_force_on: date | None = None) -> list[AdministrativeUnit]:
    """Diacritic-insensitive type-ahead: every word of the query must appear in the unit's name.

    Ranked: whole name equal, then names that start with the query, then the rest; units in force
    before units that ceased; then by level (provinces first) and name.
    """
    folded = fold(query)
    if not folded:
        return []
    condition = Q()
    for word in folded.split():
        condition &= Q(name_folded__contains=word)
    units = AdministrativeUnit.objects.filter(condition)
    if in_force_on is not None:
        units = units.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=in_force_on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=in_force_on)
        )
    rank = Case(
        When(name_folded=folded, then=Value(0)),
        When(name_folded__endswith=" " + folded, then=Value(1)),
        When(name_folded__startswith=folded, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    ceased = Case(When(valid_to__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        units.select_related("parent__parent")
        .annotate(rank=rank, ceased=ceased)
        .order_by("rank", "ceased", "level", "name_folded")[:limit]
    )


def subtree(unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(path__startswith=unit.path)


def children(unit: AdministrativeUnit | None) -> QuerySet[AdministrativeUnit]:
    if unit is None:
        return AdministrativeUnit.objects.filter(parent__isnull=True)
    return unit.children.all()


def resolve_to_units_in_force(unit: AdministrativeUnit, on: date) -> list[AdministrativeUnit]:
    """Today's unit(s) for an old one: follow successions until units in force on ``on``.

    A commune that was split resolves to several units; a unit still in force resolves to itself.
    """
    if unit.is_in_force(on):
        return [unit]
    frontier, seen, found = [unit.pk], {unit.pk}, {}
    while frontier:
        links = UnitSuccession.objects.filter(predecessor_id__in=frontier).select_related("successor")
        frontier = []
        for link in links:
            successor = link.successor
            if successor.pk in seen:
                continue
            seen.add(successor.pk)
            if successor.is_in_force(on):
                found[successor.pk] = successor
            else:
                frontier.append(successor.pk)
    return sorted(found.values(), key=lambda u: (u.level, u.name_folded))


def find_unit_by_code(code: str, *, level: int | None = None, structure: str | None = None):
    units = AdministrativeUnit.objects.filter(code=code)
    if level is not None:
        units = units.filter(level=level)
    if structure is not None:
        units = units.filter(structure=structure)
    return units.order_by("-structure").first()
