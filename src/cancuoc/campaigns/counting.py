"""The kept counts: each eligible citizen's standing and the counters of every unit path above them,
kept live by folding the history tables other apps already write (``ApplicationEvent``, new
``Application`` rows, ``CardEvent``, new ``QualityFlag`` rows, the registry's ``updated_at``) plus the
day's birthdays and card expiries, and recomputed from scratch by ``rebuild``. Both paths call the same
``status.standing`` on the same facts, so they agree; the fold only recomputes the citizens touched since
its cursor and adds the difference to the counters (a page reads a few counter rows, never the citizens).

The fold runs as a periodic task (``tasks.fold_counts``) and before the commands read; it holds the
cursor row locked, so two folds never interleave."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cancuoc.cards.models import Card, CardEvent
from cancuoc.enrollment.models import Application, ApplicationEvent
from cancuoc.registry.models import ChangeRequest, Citizen, QualityFlag
from cancuoc.units.models import UnitSuccession

from .models import (
    COUNT_FIELDS,
    REASON_FIELDS,
    CitizenStanding,
    Condition,
    FoldCursor,
    OfficerDay,
    StationDay,
    UnitCount,
    UnitDay,
    Visit,
)  # fmt: skip
from .status import (
    ELDERLY_AGE,
    KEPT_REASONS,
    ApplicationFacts,
    CardFacts,
    PersonFacts,
    Standing,
    contribution,
    standing,
)  # fmt: skip

CLOCK_SKEW = timedelta(seconds=10)  # between the clocks of the servers that stamp updated_at
CHUNK = 2000


def _day(moment: datetime) -> date:
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- facts ---------------------------------------------------------------------------------------------------
def load_facts(citizen_ids: Iterable[int]) -> dict[int, tuple[PersonFacts, list[str]]]:
    """{citizen id: (facts, residence unit paths)} for ``citizen_ids`` in a handful of queries."""
    ids = sorted(set(citizen_ids))
    if not ids:
        return {}
    rows = list(Citizen.objects.filter(pk__in=ids).values_list(
        "pk", "birth_date", "date_of_death", "nationality", "merged_into_id", "permanent_unit__path",
        "temporary_unit__path", "current_unit__path", "permanent_unit_id", "temporary_unit_id", "current_unit_id"))  # fmt: skip
    flagged = set(QualityFlag.objects.filter(citizen_id__in=ids).values_list("citizen_id", flat=True))
    conditions = set(Condition.objects.filter(citizen_id__in=ids).values_list("citizen_id", flat=True))
    last_visit: dict[int, str] = {}
    for citizen_id, outcome in Visit.objects.filter(citizen_id__in=ids).order_by("visited_on", "pk").values_list(
            "citizen_id", "outcome"):  # fmt: skip
        last_visit[citizen_id] = outcome
    pending = set(ChangeRequest.objects.filter(
        citizen_id__in=ids, status=ChangeRequest.Status.PENDING,
        pk__in=Visit.objects.filter(citizen_id__in=ids, change_request__isnull=False).values("change_request_id"),
    ).values_list("citizen_id", flat=True))  # fmt: skip
    applications: dict[int, list] = defaultdict(list)
    app_rows = list(Application.objects.filter(citizen_id__in=ids).values_list(
        "pk", "citizen_id", "submitted_at", "stage", "updated_at"))  # fmt: skip
    stages: dict[int, list] = defaultdict(list)
    for application_id, at, stage in ApplicationEvent.objects.filter(
            application_id__in=[row[0] for row in app_rows]).order_by("at", "pk").values_list(
            "application_id", "at", "stage"):  # fmt: skip
        stages[application_id].append((_day(at), stage))
    for pk, citizen_id, submitted, stage, updated in app_rows:
        applications[citizen_id].append(
            ApplicationFacts(_day(submitted), stage, _day(updated), tuple(stages[pk]))
        )
    cards: dict[int, list] = defaultdict(list)
    card_rows = list(Card.objects.filter(citizen_id__in=ids).values_list(
        "pk", "citizen_id", "application_id", "state", "expiry", "state_changed_at"))  # fmt: skip
    states: dict[int, list] = defaultdict(list)
    for card_id, at, target in CardEvent.objects.filter(card_id__in=[row[0] for row in card_rows]).order_by(
            "at", "pk").values_list("card_id", "at", "target"):  # fmt: skip
        states[card_id].append((_day(at), target))
    for pk, citizen_id, application_id, state, expiry, changed in card_rows:
        cards[citizen_id].append(
            CardFacts(application_id is not None, state, expiry, _day(changed), tuple(states[pk]))
        )
    successor = successor_paths({unit for row in rows for unit in row[8:11] if unit is not None})
    facts = {}
    for pk, birth, death, nationality, merged, p_path, t_path, c_path, p_id, t_id, c_id in rows:
        paths = [path for path in (p_path, t_path, c_path) if path]
        # a residence still filed under a ceased commune counts in today's commune too, when it went to one
        paths += [successor[unit] for unit in (p_id, t_id, c_id) if unit in successor]
        away = any(unit is not None and unit != p_id for unit in (t_id, c_id)) and p_id is not None
        facts[pk] = (PersonFacts(
            birth_date=birth, date_of_death=death, nationality=nationality, merged=merged is not None,
            resident=bool(paths), away=away, data_error=pk in flagged, sick_or_disabled=pk in conditions,
            last_visit=last_visit.get(pk, ""), pending_change=pk in pending,
            applications=tuple(applications[pk]), cards=tuple(cards[pk])), paths)  # fmt: skip
    return facts


def successor_paths(unit_ids: set[int]) -> dict[int, str]:
    """{ceased unit id: path of the one unit in force that took it over} for those of ``unit_ids`` that
    went to exactly one (a commune split between several is counted under its old units only)."""
    if not unit_ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for predecessor, path in UnitSuccession.objects.filter(
            predecessor_id__in=unit_ids, successor__valid_to__isnull=True).values_list(
            "predecessor_id", "successor__path"):  # fmt: skip
        found[predecessor].append(path)
    return {unit: paths[0] for unit, paths in found.items() if len(paths) == 1}


def predecessors_into(roots: list[str]) -> list[int]:
    """Ceased units whose one successor in force lies under ``roots`` (their residents count there)."""
    query = Q()
    for root in roots:
        query |= Q(successor__path__startswith=root)
    candidates = set(UnitSuccession.objects.filter(query, successor__valid_to__isnull=True)
                     .values_list("predecessor_id", flat=True))  # fmt: skip
    return sorted(successor_paths(candidates))


def standings(citizen_ids: Iterable[int], on: date) -> dict[int, tuple[Standing, set[str]]]:
    return {
        pk: (standing(facts, on), contribution(paths))
        for pk, (facts, paths) in load_facts(citizen_ids).items()
    }


# --- applying differences ------------------------------------------------------------------------------------
def _row_values(kept: Standing) -> dict[str, int]:
    values = kept.counted()
    for reason in KEPT_REASONS:
        values[REASON_FIELDS[reason]] = int(kept.target and not kept.covered and kept.reason == reason)
    return values


def _stored_values(row: CitizenStanding) -> dict[str, int]:
    kept = Standing(target=True, applications=row.applications, approved=row.approved, produced=row.produced,
                    handed_over=row.handed_over, valid_cards=row.valid_cards, covered=row.covered, reason=row.reason)  # fmt: skip
    return _row_values(kept)


def recompute(citizen_ids: Iterable[int], on: date) -> set[str]:
    """Recompute the standing of ``citizen_ids`` and add the differences to the counters; returns the unit
    paths whose counters changed. Call inside the fold's transaction."""
    touched: set[str] = set()
    ids = sorted(set(citizen_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        new = standings(chunk, on)
        old = {row.citizen_id: row for row in CitizenStanding.objects.filter(citizen_id__in=chunk)}
        deltas: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        creates, updates, deletes = [], [], []
        for pk in chunk:
            row = old.get(pk)
            kept, keys = new.get(pk, (Standing(), set()))
            if not kept.target:
                keys = set()
            fields = None
            if kept.target:
                fields = dict(keys=" ".join(sorted(keys)), applications=kept.applications, approved=kept.approved,
                              produced=kept.produced, handed_over=kept.handed_over, valid_cards=kept.valid_cards,
                              covered=kept.covered, reason=kept.reason)  # fmt: skip
                if row is not None and all(getattr(row, name) == value for name, value in fields.items()):
                    continue  # read again, unchanged: nothing to write
            if row is not None:
                for key in row.keys.split():
                    for name, value in _stored_values(row).items():
                        deltas[key][name] -= value
            if fields is not None:
                for key in keys:
                    for name, value in _row_values(kept).items():
                        deltas[key][name] += value
                if row is None:
                    creates.append(CitizenStanding(citizen_id=pk, **fields))
                else:
                    for name, value in fields.items():
                        setattr(row, name, value)
                    updates.append(row)
            elif row is not None:
                deletes.append(pk)
        CitizenStanding.objects.filter(citizen_id__in=deletes).delete()
        CitizenStanding.objects.bulk_create(creates)
        CitizenStanding.objects.bulk_update(updates, ["keys", "applications", "approved", "produced", "handed_over",
                                                      "valid_cards", "covered", "reason"])  # fmt: skip
        for key, changes in deltas.items():
            changes = {name: value for name, value in changes.items() if value}
            if not changes:
                continue
            touched.add(key)
            updated = UnitCount.objects.filter(path=key).update(
                **{name: F(name) + value for name, value in changes.items()}
            )
            if not updated:
                UnitCount.objects.create(path=key, **changes)
    return touched


def _snapshot(paths: set[str], day: date) -> None:
    """Today's row of the daily series for ``paths``, and the day each first reached 100 %."""
    if not paths:
        return
    counts = list(UnitCount.objects.filter(path__in=paths))
    existing = {row.path: row for row in UnitDay.objects.filter(path__in=paths, day=day)}
    creates, updates = [], []
    for count in counts:
        row = existing.get(count.path) or UnitDay(path=count.path, day=day)
        for name in COUNT_FIELDS:
            setattr(row, name, getattr(count, name))
        (updates if row.pk else creates).append(row)
        if count.full_on is None and count.target and count.covered >= count.target:
            UnitCount.objects.filter(pk=count.pk).update(full_on=day)
    UnitDay.objects.bulk_create(creates)
    UnitDay.objects.bulk_update(updates, list(COUNT_FIELDS))


def _count_stations(pairs: set[tuple[int, date]]) -> None:
    """Recount the applications of each (station, day) in ``pairs`` and of its officers (exact, idempotent)."""
    for station_id, day in sorted(pairs):
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        rows = list(Application.objects.filter(station_id=station_id, submitted_at__gte=start,
                                               submitted_at__lt=start + timedelta(days=1))
                    .values_list("created_by_id", "capture_seconds", "unit_path"))  # fmt: skip
        path = rows[0][2] if rows else ""
        StationDay.objects.update_or_create(station_id=station_id, day=day, defaults={
            "unit_path": path, "applications": len(rows), "capture_seconds": sum(r[1] or 0 for r in rows)})  # fmt: skip
        per_officer: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for officer_id, seconds, _path in rows:
            per_officer[officer_id][0] += 1
            per_officer[officer_id][1] += seconds or 0
        OfficerDay.objects.filter(station_id=station_id, day=day).exclude(officer_id__in=per_officer).delete()
        for officer_id, (count, seconds) in per_officer.items():
            OfficerDay.objects.update_or_create(officer_id=officer_id, station_id=station_id, day=day, defaults={
                "unit_path": path, "applications": count, "capture_seconds": seconds})  # fmt: skip


# --- the fold ------------------------------------------------------------------------------------------------
def fold(*, now: datetime | None = None) -> dict[str, int]:
    """Bring the kept counts up to date with everything written since the last fold."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not FoldCursor.objects.filter(pk=1, folded_at__isnull=False).exists():
        return rebuild(now=now)  # the first fold: everything is new, and a rebuild is the faster way
    with transaction.atomic():
        cursor = FoldCursor.objects.select_for_update().get(pk=1)
        dirty: set[int] = set()
        moved: dict[str, int] = {}
        sources = {
            "application_event": ApplicationEvent.objects.values_list("pk", "application__citizen_id"),
            "card_event": CardEvent.objects.values_list("pk", "card__citizen_id"),
            "quality_flag": QualityFlag.objects.values_list("pk", "citizen_id"),
        }
        for name, rows in sources.items():
            rows = list(rows.filter(pk__gt=getattr(cursor, f"{name}_before")))
            dirty.update(citizen for _pk, citizen in rows)
            moved[name] = max([getattr(cursor, name), *(pk for pk, _c in rows)])
        apps = list(Application.objects.filter(pk__gt=cursor.application_before)
                    .values_list("pk", "citizen_id", "station_id", "submitted_at"))  # fmt: skip
        dirty.update(row[1] for row in apps)
        moved["application"] = max([cursor.application, *(row[0] for row in apps)])
        station_days = {(row[2], _day(row[3])) for row in apps}
        changed = Citizen.objects.all()
        if cursor.citizen_changed_before is not None:
            changed = changed.filter(updated_at__gt=cursor.citizen_changed_before - CLOCK_SKEW)
        elif cursor.citizen_changed_at is not None:
            changed = changed.filter(updated_at__gt=cursor.citizen_changed_at - CLOCK_SKEW)
        dirty.update(changed.values_list("pk", flat=True))
        if cursor.day is not None and cursor.day < today:
            dirty.update(_day_sweep(cursor.day, today))
        touched = recompute(dirty, today)
        _snapshot(touched, today)
        _count_stations(station_days)
        FoldCursor.objects.filter(pk=1).update(
            **moved, **{f"{name}_before": getattr(cursor, name) for name in moved},
            citizen_changed_at=now, citizen_changed_before=cursor.citizen_changed_at or now,
            day=today, folded_at=now)  # fmt: skip
    return {"citizens": len(dirty), "units": len(touched)}


def _day_sweep(last: date, today: date) -> set[int]:
    """Citizens whose standing changes with the date alone between ``last`` (exclusive) and ``today``:
    the 14th and 80th birthdays, and cards in use passing their expiry."""
    ids: set[int] = set()
    for years in (14, ELDERLY_AGE):
        ids.update(Citizen.objects.filter(birth_date__gt=_years_before(last, years),
                                          birth_date__lte=_years_before(today, years)).values_list("pk", flat=True))  # fmt: skip
    ids.update(
        Card.objects.filter(state="active", expiry__gte=last, expiry__lt=today).values_list(
            "citizen_id", flat=True
        )
    )
    return ids


# --- the rebuild ---------------------------------------------------------------------------------------------
def rebuild(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute every kept count from the records: every citizen's standing, every unit counter, today's
    row of the series, the date each unit reached 100 % (from the series), every station's and officer's
    days. The fold's cursor moves to the newest rows, so it goes on from here."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with transaction.atomic():
        FoldCursor.objects.get_or_create(pk=1)
        FoldCursor.objects.select_for_update().get(pk=1)
        tops = {
            "application_event": ApplicationEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "application": Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "card_event": CardEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            "quality_flag": QualityFlag.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        }  # fmt: skip
        CitizenStanding.objects.all().delete()
        last = 0
        citizens = 0
        while True:
            ids = list(
                Citizen.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]
            )
            if not ids:
                break
            last = ids[-1]
            creates = []
            for pk, (kept, keys) in standings(ids, today).items():
                if not kept.target:
                    continue
                for key in keys:
                    for name, value in _row_values(kept).items():
                        totals[key][name] += value
                creates.append(CitizenStanding(citizen_id=pk, keys=" ".join(sorted(keys)), applications=kept.applications,
                                               approved=kept.approved, produced=kept.produced, handed_over=kept.handed_over,
                                               valid_cards=kept.valid_cards, covered=kept.covered, reason=kept.reason))  # fmt: skip
            CitizenStanding.objects.bulk_create(creates)
            citizens += len(ids)
        full_before = dict(UnitCount.objects.filter(full_on__isnull=False).values_list("path", "full_on"))
        paths = set(totals) | set(UnitCount.objects.values_list("path", flat=True))  # a unit down to 0 stays
        UnitCount.objects.all().delete()
        UnitCount.objects.bulk_create([UnitCount(path=key, **totals.get(key, {})) for key in sorted(paths)],
                                      batch_size=1000)  # fmt: skip
        UnitDay.objects.filter(day=today).delete()
        _snapshot(paths, today)
        first_full = _first_full_days()
        for path in set(full_before) | set(first_full):
            day = min(d for d in (full_before.get(path), first_full.get(path)) if d is not None)
            UnitCount.objects.filter(path=path).update(full_on=day)
        StationDay.objects.all().delete()
        OfficerDay.objects.all().delete()
        pairs = {
            (station, _day(at))
            for station, at in Application.objects.values_list("station_id", "submitted_at")
        }
        _count_stations(pairs)
        FoldCursor.objects.filter(pk=1).update(
            **tops, **{f"{name}_before": value for name, value in tops.items()}, citizen_changed_at=now,
            citizen_changed_before=now, day=today, folded_at=now, rebuilt_at=now)  # fmt: skip
    return {"citizens": citizens, "units": len(paths)}


def _first_full_days() -> dict[str, date]:
    first: dict[str, date] = {}
    for path, day in (UnitDay.objects.filter(target__gt=0, covered__gte=F("target")).order_by("day")
                      .values_list("path", "day")):  # fmt: skip
        first.setdefault(path, day)
    return first


def kept_counts(paths: Iterable[str]) -> dict[str, UnitCount]:
    return {row.path: row for row in UnitCount.objects.filter(path__in=list(paths))}


def refresh_citizen(citizen_id: int) -> None:
    """A campaign action changed what a citizen's standing depends on (a visit, a condition): recompute it
    now, in the caller's transaction, and put today's row of the series right."""
    today = timezone.localdate()
    _snapshot(recompute([citizen_id], today), today)
