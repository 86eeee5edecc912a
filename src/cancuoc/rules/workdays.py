"""Working days of Vietnamese public offices: the return date of an application (7 working days after
the capture, 2023 Law on Identification) skips Saturdays, Sundays and the public holidays.

The holidays come from the ``holidays`` package (``holidays.Vietnam``): New Year, Tết by the lunar
calendar (the eve, the first four days and, where a day falls on a weekend, the day the package moves
it to — "29 Tết", "Mùng năm Tết"), Hùng Kings' day (10th day of the 3rd lunar month), 30 April, 1 May,
2 September with the day before or after (Labour Code 2019, art. 112), days off in lieu of a holiday
on a weekend, and the one-off swaps the government announced for past years. Its lunar tables cover
1901–2100; outside them only weekends are days off.

What the package cannot know is next year's announcement: each year the government adds Tết bridge
days (ngày nghỉ bù, hoán đổi). Pass them as ``extra_days_off``, or add them to ``ANNOUNCED_DAYS_OFF``
once published. A Saturday worked in exchange for a bridge day (ngày làm bù) is *not* counted as a
working day unless passed in ``extra_working_days``: a return date computed without it can only be
later than necessary, never earlier than the office can keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

FIRST_COVERED_YEAR, LAST_COVERED_YEAR = 1901, 2100  # the lunar tables of the holidays package
# 2023 Law on Identification: a card is returned within 7 working days of a complete application (the
# 2014 law allowed 7 in cities, 15 elsewhere, 20 in mountain, border and island districts).
PROCESSING_WORKING_DAYS = 7
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class DayOff:
    """One day off with its name in both languages."""

    day: date
    name_vi: str
    name_en: str


# Days off announced by the government that the holidays package does not hold (yet). Keyed by date;
# checked against official dispatches before adding. Empty: for the schedules checked (Tết 2024–2026,
# 30/4–1/5 2024–2025, 2/9 2024–2025) the package's days give the same working days.
ANNOUNCED_DAYS_OFF: Mapping[date, tuple[str, str]] = {}

# A caller's days off: DayOff records, bare dates (named as an announced day off), or date -> (vi, en).
ExtraDaysOff = Iterable[DayOff | date] | Mapping[date, tuple[str, str]]

_UNNAMED_DAY_OFF = ("Ngày nghỉ theo thông báo", "Announced day off")


@lru_cache(maxsize=256)
def _public_holidays(year: int) -> dict[date, tuple[str, str]]:
    """The package's holidays of one year: date -> (Vietnamese name, English name)."""
    # The language is always given: without it the names come out in whatever the process locale says.
    vietnamese = holidays.country_holidays("VN", years=year, language="vi")
    english = holidays.country_holidays("VN", years=year, language="en_US")
    return {day: (name, english.get(day, name)) for day, name in vietnamese.items()}


def _extra(extra_days_off: ExtraDaysOff | None) -> dict[date, tuple[str, str]]:
    days = dict(ANNOUNCED_DAYS_OFF)
    if extra_days_off is None:
        return days
    if isinstance(extra_days_off, Mapping):
        days.update(extra_days_off)
        return days
    for item in extra_days_off:
        if isinstance(item, DayOff):
            days[item.day] = (item.name_vi, item.name_en)
        else:
            days[item] = _UNNAMED_DAY_OFF
    return days


def _is_working(day: date, extra: Mapping[date, tuple[str, str]], working: frozenset[date]) -> bool:
    if day in working:
        return True
    if day.weekday() in (SATURDAY, SUNDAY) or day in extra:
        return False
    return day not in _public_holidays(day.year)


def is_working_day(
    day: date, *, extra_days_off: ExtraDaysOff | None = None, extra_working_days: Iterable[date] = ()
) -> bool:
    """Monday to Friday and not a public holiday nor an announced or extra day off; a date in
    ``extra_working_days`` (a make-up Saturday) is a working day whatever else it is."""
    return _is_working(day, _extra(extra_days_off), frozenset(extra_working_days))


def add_working_days(
    start: date,
    n: int,
    *,
    extra_days_off: ExtraDaysOff | None = None,
    extra_working_days: Iterable[date] = (),
) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted, working or not);
    ``n = 0`` gives ``start``. The return date of an application captured on ``start`` is
    ``add_working_days(start, 7)``."""
    if n < 0:
        raise ValueError("n must be zero or more")
    extra, working = _extra(extra_days_off), frozenset(extra_working_days)
    day = start
    while n:
        day += timedelta(days=1)
        if _is_working(day, extra, working):
            n -= 1
    return day


def return_date(
    captured_on: date, *, extra_days_off: ExtraDaysOff | None = None, extra_working_days: Iterable[date] = ()
) -> date:
    """The date printed on the appointment slip: ``PROCESSING_WORKING_DAYS`` working days after the capture."""
    return add_working_days(captured_on, PROCESSING_WORKING_DAYS, extra_days_off=extra_days_off,
                            extra_working_days=extra_working_days)  # fmt: skip


def holidays_between(
    start: date, end: date, *, extra_days_off: ExtraDaysOff | None = None
) -> list[tuple[date, str, str]]:
    """Public holidays and announced or extra days off from ``start`` to ``end`` inclusive, in date order,
    as (date, Vietnamese name, English name); weekends are not listed unless they are holidays."""
    extra = _extra(extra_days_off)
    found: dict[date, tuple[str, str]] = {}
    for year in range(start.year, end.year + 1):
        for day, names in _public_holidays(year).items():
            if start <= day <= end:
                found[day] = names
    for day, names in extra.items():
        if start <= day <= end:
            # An extra day that is also a public holiday keeps the holiday's own name.
            found.setdefault(day, names)
    return [(day, *found[day]) for day in sorted(found)]


def is_covered(year: int) -> bool:
    """Whether the holidays package knows the lunar holidays of ``year`` (outside, only weekends count)."""
    return FIRST_COVERED_YEAR <= year <= LAST_COVERED_YEAR
