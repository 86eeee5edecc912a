"""Reads of the registry. Every function takes the acting user and returns only what is in their area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL

from cancuoc.accounts.permissions import NotFound
from cancuoc.rules import idnumber
from cancuoc.rules.text import fold, normalize_name, sorted_tokens_key

from .access import access_citizen_by_id_number, scope_citizens, units_under
from .models import Citizen

SEARCH_LIMIT = 50
PARTIAL_MATCH_BUDGET_MS = 35


@dataclass(frozen=True)
class SearchResult:
    citizens: list[Citizen]
    truncated: bool


def _filtered(user, *, birth_year: int | None, unit=None) -> QuerySet[Citizen]:
    citizens = scope_citizens(user, Citizen.objects.all())
    if birth_year:
        citizens = citizens.filter(
            birth_date__gte=date(birth_year, 1, 1), birth_date__lte=date(birth_year, 12, 31)
        )
    if unit is not None:
        units = units_under(unit.path)
        citizens = citizens.filter(
            Q(permanent_unit__in=units) | Q(temporary_unit__in=units) | Q(current_unit__in=units)
        )
    return citizens


def search_citizens(
    user, query: str, *, birth_year: int | None = None, unit=None, limit: int = SEARCH_LIMIT
) -> SearchResult:
    """By ID number (exact) or by name (diacritic-insensitive, partial, word order free).

    Ranking follows how officers judge a hit: the name exactly as typed with its diacritics, then the
    same letters without diacritics, then the same words in another order, then names containing
    every word typed as a whole word, then names containing every word typed as part of a word
    ("hươ" finds "Hương"). Each tier is its own indexed query, so a common surname never sorts the
    country. The part-of-a-word tier runs only when it can add what the officer means: when a typed
    word is not a whole word of any name (an unfinished word), or when nothing else was found.
    """
    query = (query or "").strip()
    if idnumber.is_valid(query):
        try:
            citizen = access_citizen_by_id_number(user, query, where="")  # the search is audited as such
        except NotFound:
            return SearchResult([], False)
        from cancuoc.units.selectors import unit_path

        in_unit = unit is None or any(
            unit_id is not None and unit_path(unit_id).startswith(unit.path)
            for unit_id in (citizen.permanent_unit_id, citizen.temporary_unit_id, citizen.current_unit_id)
        )
        in_year = birth_year is None or citizen.birth_date.year == birth_year
        return SearchResult([citizen] if in_unit and in_year else [], False)
    citizens = _filtered(user, birth_year=birth_year, unit=unit).select_related("permanent_unit")
    folded = fold(query)
    if not folded:
        if birth_year is None and unit is None:
            return SearchResult([], False)
        page = list(citizens.order_by("name_folded", "id")[: limit + 1])
        return SearchResult(page[:limit], len(page) > limit)
    exact = normalize_name(query)
    results: dict[int, Citizen] = {}
    truncated_by_time = False

    def take(queryset: QuerySet[Citizen]) -> None:
        room = limit + 1 - len(results)
        if room <= 0:
            return
        for citizen in queryset.exclude(pk__in=list(results))[:room]:
            results.setdefault(citizen.pk, citizen)

    same_letters = list(citizens.filter(name_folded=folded)[: limit + 1])
    same_letters.sort(key=lambda c: (c.full_name != exact, c.name_folded, c.pk))
    for citizen in same_letters:
        results.setdefault(citizen.pk, citizen)
    words = folded.split()
    if len(words) > 1:
        take(citizens.filter(name_sorted=sorted_tokens_key(query)))
    take(citizens.filter(_has_every_word(words)))
    if len(results) <= limit and (not results or not all(_is_a_name_word(word) for word in words)):
        condition = Q()
        for word in words:
            condition &= Q(name_folded__contains=word)
        if not _within_time_budget(lambda: take(citizens.filter(condition))):
            truncated_by_time = True
    page = list(results.values())
    return SearchResult(page[:limit], len(page) > limit or truncated_by_time)


def _has_every_word(words: list[str]):
    """Names containing each of ``words`` as a whole word (``name_folded`` is single-spaced)."""
    if connection.vendor == "postgresql":
        # Served by the GIN index citizen_name_words (migration 0003) on exactly this expression.
        return ExpressionWrapper(
            RawSQL("string_to_array(registry_citizen.name_folded, ' ') @> %s::text[]", (list(words),)),
            output_field=BooleanField(),
        )
    condition = Q()
    for word in words:
        condition &= (Q(name_folded=word) | Q(name_folded__startswith=f"{word} ")
                      | Q(name_folded__endswith=f" {word}") | Q(name_folded__contains=f" {word} "))  # fmt: skip
    return condition


def _is_a_name_word(word: str) -> bool:
    """Whether some name in the registry (anyone's: no personal data leaves) has ``word`` as a word."""
    return Citizen.objects.filter(_has_every_word([word])).exists()


def _within_time_budget(run) -> bool:
    """Run the partial-match tier under a time budget on PostgreSQL. Names made only of very common
    words ("vo ngoc vu": two words too short for the trigram index and one shared by millions) can take
    far longer than an officer waits; past the budget the tier is abandoned, the exact and word-order
    matches already found are shown, and the page asks for more of the name or a birth year."""
    if connection.vendor != "postgresql":
        run()
        return True
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {PARTIAL_MATCH_BUDGET_MS}")
            run()
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
    except OperationalError:
        return False
    return True


def get_household_members(household) -> list[Citizen]:
    return list(household.members.order_by("relation_to_head", "birth_date"))


def scoped(user) -> QuerySet[Citizen]:
    return scope_citizens(user, Citizen.objects.all())


def citizens_in_unit(user, unit) -> QuerySet[Citizen]:
    return _filtered(user, birth_year=None, unit=unit)
