"""Reads of the campaign: a unit named by its code (today's structure first, "cũ:<code>" or a ceased unit
through its successions, "VN" for the country), its coverage and its children's from the kept counts
(or, for another day than today, recomputed from the records as of that day), the outstanding list, the
daily series, throughput per station and officer, the forecast."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from cancuoc.registry.models import Citizen
from cancuoc.units.models import AdministrativeUnit, Level, Structure
from cancuoc.units.selectors import resolve_to_units_in_force, unit_for_code

from . import forecast
from .counting import load_facts, predecessors_into, successor_paths
from .models import (
    REASON_FIELDS,
    Assignment,
    CitizenStanding,
    OfficerDay,
    StationDay,
    UnitCount,
    UnitDay,
    Visit,
)
from .status import (
    ACTION_OF,
    COUNTED,
    KEPT_REASONS,
    SOON_DAYS,
    Reason,
    contribution,
    coverage_ratio,
    standing,
)

COUNTRY_CODE = "VN"


@dataclass
class Area:
    """What a campaign figure is about: a unit (None: the country) and the unit paths whose counts make it
    (its own, plus its successors' for a ceased unit)."""

    unit: AdministrativeUnit | None
    roots: list[str]
    successors: list[AdministrativeUnit] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.unit.code if self.unit else COUNTRY_CODE

    @property
    def name(self) -> str:
        return self.unit.name if self.unit else "Việt Nam"

    @property
    def path(self) -> str:
        return self.unit.path if self.unit else "/"

    @property
    def ceased(self) -> bool:
        return bool(self.successors)

    def children(self) -> list[Area]:
        if self.ceased:
            return [area_of(unit) for unit in self.successors]
        if self.unit is None:
            units = AdministrativeUnit.objects.filter(parent__isnull=True, structure=Structure.Y2025)
        else:
            units = self.unit.children.all()
        return [Area(unit, [unit.path]) for unit in units.order_by("code")]


def area_of(unit: AdministrativeUnit | None, *, on: date | None = None) -> Area:
    if unit is None:
        return Area(None, ["/"])
    on = on or timezone.localdate()
    if unit.valid_to is not None and unit.valid_to < on:
        successors = [u for u in resolve_to_units_in_force(unit, on) if u.pk != unit.pk]
        # residents still filed under its communes count in the successors, except in a commune that was
        # split (no one successor to count them in): those are added from the old commune's own counter
        communes = dict(AdministrativeUnit.objects.filter(path__startswith=unit.path, level=Level.COMMUNE)
                        .values_list("pk", "path"))  # fmt: skip
        unique = successor_paths(set(communes))
        split = [path for pk, path in communes.items() if pk not in unique]
        return Area(unit, [*(u.path for u in successors), *split], successors)
    return Area(unit, [unit.path])


def find_area(code: str, *, on: date | None = None) -> Area | None:
    """The area a code names, or None."""
    code = str(code or "").strip()
    if not re.fullmatch(r"[\w:. -]{1,20}", code):  # a code, "cũ:<code>" or VN; anything else names nothing
        return None
    if code.upper() == COUNTRY_CODE:
        return area_of(None)
    unit, _resolved = unit_for_code(code, on=on or timezone.localdate())
    return area_of(unit, on=on) if unit is not None else None


# --- coverage ------------------------------------------------------------------------------------------------
def _figures(values: dict[str, int]) -> dict:
    figures = {name: int(values.get(name, 0)) for name in COUNTED if name not in ("covered",)}
    figures["coverage"] = coverage_ratio(int(values.get("covered", 0)), figures["target"])
    return figures


def _sum(rows: list[dict]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for name, value in row.items():
            if isinstance(value, int):
                total[name] += value
    return total


def kept_values(paths: list[str]) -> dict[str, dict[str, int]]:
    names = (*COUNTED, "eid_level2", *REASON_FIELDS.values())
    return {
        row["path"]: row for row in UnitCount.objects.filter(path__in=paths).values("path", "full_on", *names)
    }


def _area_values(area: Area, kept: dict[str, dict]) -> dict[str, int]:
    # a ceased unit: what is still filed under it plus its successors' (a successor formed from several
    # old units counts whole)
    return _sum([kept.get(root, {}) for root in area.roots])


def coverage_tree(area: Area, *, on: date | None = None) -> dict:
    """The acceptance shape: {unit, target, applications, approved, produced, handed_over, valid_cards,
    coverage, children: [the same for each child]}."""
    today = timezone.localdate()
    children = area.children()
    if on is None or on == today:
        kept = kept_values([*area.roots, *(root for child in children for root in child.roots)])
        values = {child.code: _area_values(child, kept) for child in children}
        own = _area_values(area, kept)
    else:
        counted = counts_as_of([area, *children], on)
        own = counted[area.code]
        values = {child.code: counted[child.code] for child in children}
    return {"unit": area.code, **_figures(own),
            "children": [{"unit": child.code, **_figures(values[child.code]), "children": []} for child in children]}  # fmt: skip


def _citizens_under(roots: list[str]):
    """Citizens present under ``roots``: by a residence there, or in a ceased unit that went to one there."""
    query = Q()
    for root in roots:
        if root == "/":
            return Citizen.objects.all()
        query |= (Q(permanent_unit__path__startswith=root) | Q(temporary_unit__path__startswith=root)
                  | Q(current_unit__path__startswith=root))  # fmt: skip
    old = predecessors_into(roots)
    if old:
        query |= Q(permanent_unit_id__in=old) | Q(temporary_unit_id__in=old) | Q(current_unit_id__in=old)
    return Citizen.objects.filter(query)


def counts_as_of(areas: list[Area], on: date) -> dict[str, dict[str, int]]:
    """The counts of ``areas`` at the end of ``on``, recomputed from the records (a scan of the first
    area's citizens: for another day than today, and for checking the kept counts)."""
    wanted = {root for area in areas for root in area.roots}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ids = list(_citizens_under(areas[0].roots).values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        for facts, paths in load_facts(ids[start : start + 2000]).values():
            kept = standing(facts, on)
            if not kept.target:
                continue
            for key in contribution(paths) & wanted:
                for name, value in kept.counted().items():
                    totals[key][name] += value
    return {area.code: _sum([totals.get(root, {}) for root in area.roots]) for area in areas}


# --- the dashboard ---------------------------------------------------------------------------------------
@dataclass
class UnitRow:
    area: Area
    values: dict
    coverage: float
    full_on: date | None
    rank: int = 0
    outstanding: int = 0
    forecast: date | None = None


def unit_rows(area: Area) -> tuple[UnitRow, list[UnitRow]]:
    """The unit and its children with their kept counts, children ranked by coverage (best first)."""
    children = area.children()
    kept = kept_values([*area.roots, *(root for child in children for root in child.roots)])

    def row(of: Area) -> UnitRow:
        values = _area_values(of, kept)
        full = [kept.get(root, {}).get("full_on") for root in of.roots]
        return UnitRow(of, values, coverage_ratio(values.get("covered", 0), values.get("target", 0)),
                       full[0] if full and not of.ceased else None,
                       outstanding=values.get("target", 0) - values.get("covered", 0))  # fmt: skip

    rows = [row(child) for child in children]
    for rank, item in enumerate(sorted(rows, key=lambda r: (-r.coverage, r.area.code)), start=1):
        item.rank = rank
    return row(area), rows


def series(
    roots: list[str], *, days: int = 60, until: date | None = None
) -> list[tuple[date, dict[str, int]]]:
    """The daily counts of an area over ``days`` days up to ``until``, days without a row carrying the
    previous one."""
    until = until or timezone.localdate()
    start = until - timedelta(days=days - 1)
    by_root: dict[str, dict[date, dict]] = defaultdict(dict)
    names = ("target", "applications", "approved", "produced", "handed_over", "valid_cards", "covered")
    before = {}
    for root in roots:
        row = UnitDay.objects.filter(path=root, day__lt=start).order_by("-day").values(*names).first()
        before[root] = row or {}
    for row in UnitDay.objects.filter(path__in=roots, day__gte=start, day__lte=until).values(
        "path", "day", *names
    ):
        by_root[row["path"]][row["day"]] = row
    result = []
    current = dict(before)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for root in roots:
            if day in by_root[root]:
                current[root] = by_root[root][day]
        result.append((day, _sum([current.get(root, {}) for root in roots])))
    return result


def completion_forecast(roots: list[str], values: dict[str, int]) -> date | None:
    points = [(day, row.get("covered", 0)) for day, row in series(roots, days=forecast.PACE_DAYS + 1)]
    pace = forecast.pace_per_day(points)
    return forecast.completion_date(target=values.get("target", 0), covered=values.get("covered", 0), pace=pace,
                                    today=timezone.localdate())  # fmt: skip


def collected(roots: list[str], day: date) -> int:
    """Applications the stations of the area took in on ``day``."""
    query = Q()
    for root in roots:
        query |= Q(unit_path__startswith=root)
    return StationDay.objects.filter(query, day=day).aggregate(total=Sum("applications"))["total"] or 0


def collected_per_area(areas: list[Area], roots: list[str], day: date) -> dict[str, int]:
    """``collected`` of each of ``areas`` (all under ``roots``) in one query."""
    query = Q()
    for root in roots:
        query |= Q(unit_path__startswith=root)
    by_path = dict(
        StationDay.objects.filter(query, day=day).values_list("unit_path").annotate(total=Sum("applications"))
    )
    return {area.code: sum(total for path, total in by_path.items() if any(path.startswith(r) for r in area.roots))
            for area in areas}  # fmt: skip


def throughput(roots: list[str], *, days: int = 14) -> dict:
    """Applications per day of the area's stations, and per station and per officer over ``days`` days."""
    since = timezone.localdate() - timedelta(days=days - 1)
    query = Q()
    for root in roots:
        query |= Q(unit_path__startswith=root)
    per_day = dict(
        StationDay.objects.filter(query, day__gte=since)
        .values_list("day")
        .annotate(total=Sum("applications"))
    )
    stations = list(StationDay.objects.filter(query, day__gte=since).values("station__code", "station__name")
                    .annotate(total=Sum("applications"), seconds=Sum("capture_seconds")).order_by("-total")[:30])  # fmt: skip
    officers = list(OfficerDay.objects.filter(query, day__gte=since).values("officer__username")
                    .annotate(total=Sum("applications"), seconds=Sum("capture_seconds")).order_by("-total")[:30])  # fmt: skip
    return {"days": [(since + timedelta(days=i), per_day.get(since + timedelta(days=i), 0)) for i in range(days)],
            "stations": stations, "officers": officers}  # fmt: skip


# --- outstanding ---------------------------------------------------------------------------------------------
@dataclass
class OutstandingRow:
    citizen_id: int
    id_number: str
    full_name: str
    birth_date: date
    household: str
    address: str
    reason: str
    action: str
    where: str = ""  # the unit where someone away is
    team: str = ""
    last_visit: str = ""

    def as_dict(self) -> dict:
        return {"id_number": self.id_number, "reason": self.reason, "action": self.action}


def outstanding(area: Area, *, reason: str = "", limit: int | None = None) -> list[OutstandingRow]:
    """Eligible citizens of the area without an application (nor a valid card), with the reason and the
    action, and those turning 14 within ``status.SOON_DAYS`` days; by household and address."""
    today = timezone.localdate()
    citizens = _citizens_under(area.roots).filter(merged_into__isnull=True)
    standing_rows = CitizenStanding.objects.filter(covered=False, citizen__in=citizens.values("pk"))
    if reason and reason in {r.value for r in Reason}:
        standing_rows = standing_rows.filter(reason=reason)
    if limit:  # a page: the first households only, not every open standing of a province
        standing_rows = standing_rows.order_by("citizen__household__number", "citizen_id")[:limit]
    reasons = dict(standing_rows.values_list("citizen_id", "reason"))
    if not reason or reason == Reason.TURNING_14:
        soon = citizens.filter(
            birth_date__gt=_years_ago(today, 14), birth_date__lte=_years_ago(today + timedelta(days=SOON_DAYS), 14),
            date_of_death__isnull=True, nationality="VNM").exclude(applications__is_open=True)  # fmt: skip
        for pk in soon.values_list("pk", flat=True)[:5000]:
            reasons.setdefault(pk, Reason.TURNING_14)
    ids = list(reasons)
    rows = list(Citizen.objects.filter(pk__in=ids).values_list(
        "pk", "id_number", "full_name", "birth_date", "household__number", "household__address", "permanent_address",
        "current_unit__name", "temporary_unit__name"))  # fmt: skip
    teams = dict(Assignment.objects.filter(citizen_id__in=ids).values_list("citizen_id", "team__code"))
    visits: dict[int, str] = {}
    for citizen_id, outcome in Visit.objects.filter(citizen_id__in=ids).order_by("visited_on", "pk").values_list(
            "citizen_id", "outcome"):  # fmt: skip
        visits[citizen_id] = outcome
    result = [
        OutstandingRow(pk, number, name, birth, household or "", household_address or address or "",
                       str(reasons[pk]), str(ACTION_OF[Reason(reasons[pk])]),
                       where=(current or temporary or "") if reasons[pk] == Reason.AWAY else "",
                       team=teams.get(pk, ""), last_visit=visits.get(pk, ""))
        for pk, number, name, birth, household, household_address, address, current, temporary in rows
    ]  # fmt: skip
    result.sort(
        key=lambda row: (row.household == "", row.household, row.address, row.full_name, row.id_number)
    )
    return result[:limit] if limit else result


def outstanding_by_reason(values: dict) -> dict[str, int]:
    return {reason.value: int(values.get(REASON_FIELDS[reason], 0)) for reason in KEPT_REASONS}


def _years_ago(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
