"""When a unit will reach its target at the current pace. Pure: no Django import."""

from __future__ import annotations

import math
from datetime import date, timedelta

PACE_DAYS = 14


def pace_per_day(series: list[tuple[date, int]], *, days: int = PACE_DAYS) -> float:
    """Covered citizens gained per day over the last ``days`` days of ``series`` ((day, covered), any
    order, days without a row carry the previous value)."""
    if len(series) < 2:
        return 0.0
    ordered = sorted(series)
    last_day, last = ordered[-1]
    start = last_day - timedelta(days=days)
    before = [value for day, value in ordered if day <= start]
    first_day, first = (start, before[-1]) if before else ordered[0]
    span = (last_day - first_day).days
    return max(0.0, (last - first) / span) if span > 0 else 0.0


def completion_date(*, target: int, covered: int, pace: float, today: date) -> date | None:
    """The day the remaining citizens are covered at ``pace`` a day; today when nothing remains; None
    when nothing moves."""
    remaining = target - covered
    if remaining <= 0:
        return today
    if pace <= 0:
        return None
    return today + timedelta(days=math.ceil(remaining / pace))
