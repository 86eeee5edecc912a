"""Derived facts about a person: age on a date and eligibility for a card."""

from __future__ import annotations

from datetime import date

CARD_MANDATORY_AGE = 14


def age_on(birth_date: date, on: date) -> int:
    """Whole years completed on ``on`` (a 29 February birthday counts on 28 February in common years)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_eligible_for_card(
    *,
    birth_date: date | None,
    on: date,
    alive: bool,
    nationality: str,
    present_in_unit: bool,
) -> bool:
    """Must hold a card: alive, 14 or over, Vietnamese, resident or present in the unit."""
    if birth_date is None or not alive or nationality != "VNM" or not present_in_unit:
        return False
    return age_on(birth_date, on) >= CARD_MANDATORY_AGE
