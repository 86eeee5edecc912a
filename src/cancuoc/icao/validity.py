"""Card validity: the expiry date from the holder's birth date and the issue date.

Renewal ages (2023 Law on Identification, in force 1 July 2024): 14, 25, 40, 60; under the 2014 law
they were 25, 40, 60. A card issued within two years before a renewal age stays valid until the next
one: the expiry is the birthday at the first renewal age that is more than two years after the issue
date; when there is none (issued at 58 or older) the card has no expiry. Rule sets are data, chosen by
issue date, so a future change of law is a new entry, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class RenewalRules:
    name: str
    in_force_from: date
    renewal_ages: tuple[int, ...]
    grace_years: int = 2


LAW_2014 = RenewalRules("Luật Căn cước công dân 2014", date(2016, 1, 1), (25, 40, 60))
LAW_2023 = RenewalRules("Luật Căn cước 2023", date(2024, 7, 1), (14, 25, 40, 60))
RULES = (LAW_2023, LAW_2014)


def rules_for(issue_date: date) -> RenewalRules:
    for rules in RULES:
        if issue_date >= rules.in_force_from:
            return rules
    return RULES[-1]


def anniversary(birth_date: date, years: int) -> date:
    """The birthday ``years`` after birth; 29 February falls on 28 February in common years."""
    year = birth_date.year + years
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def expiry_date(birth_date: date, issue_date: date, rules: RenewalRules | None = None) -> date | None:
    """The last day of validity (the birthday at the next renewal age), or None for no expiry."""
    if issue_date < birth_date:
        raise ValueError("issue date before birth date")
    rules = rules or rules_for(issue_date)
    for age in rules.renewal_ages:
        birthday = anniversary(birth_date, age)
        if birthday > anniversary(issue_date, rules.grace_years):
            return birthday
    return None


def is_valid_on(expiry: date | None, on: date) -> bool:
    return expiry is None or on <= expiry
