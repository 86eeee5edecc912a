"""Reads of the registry. Every function takes the acting user and returns only what is in their area."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL

from cancuoc.accounts.permissions import NotFound
from cancuoc.rules import idnumber
from cancuoc.rules.text import fold, normalize_name, sorted_tokens_key

from .access import access_citizen_by_id_number, citizen_in_area, scope_citizens, units_under
from .models import Citizen

SEARCH_LIMIT = 50
# Each name tier is ranked over at most this many of its matches (the same ones on every page while the
# registry does not change, so the order is stable while paging); a search matching more asks for more
# of the name or a birth year. Read in the index's order, without a sort: a common surname never sorts
# the country, and an ORDER BY id would walk the primary key past every other name.
RANK_WINDOW = 500
# The start-of-a-word and part-of-a-word tiers serve an officer still typing: a smaller window, reached
# sooner by the scans these tiers often need (two letters make a poor index key).
TYPING_WINDOW = 100
PARTIAL_MATCH_BUDGET_MS = 35
MAX_OFFSET = 10_000  # paging deeper than this is not searching: narrow the search instead
_WORDS = re.compile(r"[^\W_]+")
ID_PREFIX_DIGITS = range(9, 12)  # 9 to 11 digits: the start of a number (9 is also an old CMND number)


@dataclass(frozen=True)
class SearchResult:
    citizens: list[Citizen]
    truncated: bool  # more matches exist than this page shows
    offset: int = 0
    next_offset: int | None = None  # where the next page starts, when it can be reached by paging
    narrow: bool = False  # more matches than paging reaches (or the time budget ran out): narrow the search


def _filtered(user, *, birth_year: int | None, unit=None) -> QuerySet[Citizen]:
    # a record merged into another is kept with its history, opened by its number, but no longer listed
    citizens = scope_citizens(user, Citizen.objects.filter(merged_into__isnull=True))
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


def _page(page: list[Citizen], offset: int, limit: int, *, more: bool, narrow: bool = False) -> SearchResult:
    """One page of results; ``more`` says whether a match follows it."""
    return SearchResult(page[:limit], more or narrow, offset, offset + limit if more else None, narrow)


def search_citizens(
    user, query: str, *, birth_year: int | None = None, unit=None, limit: int = SEARCH_LIMIT, offset: int = 0
) -> SearchResult:
    """By ID number (12 digits: exact; 9 to 11 digits: the start of a number, or an old 9-digit CMND
    number) or by name (diacritic-insensitive, word order free), ``limit`` results from ``offset``.

    Name matches come in groups, each ranked before the next:

    1. every typed word is a whole word of the name *with its diacritics* ("Văn" is not "Vân");
    2. every typed word is a whole word of the name without diacritics ("van" finds "Vân");
    3. the last word is the start of a word, as while typing ("Trần Hù" finds "Hùng"), with the typed
       diacritics before without them ("Hữu");
    4. the typed words are parts of words ("hươ" finds "Hương"), under a time budget.

    Inside groups 1 and 2 the whole name typed comes first, then the same words in another order, then
    names holding the words among others; inside group 3 the names starting with what was typed come
    first. Then: more words with their diacritics, the typed word order, shorter names, the name, the
    record. Typed without any diacritic, every match counts as one without them. Each tier is its own
    indexed query capped at a window, so a common surname never sorts the country, and a tier is skipped
    when its rows could not reach the page; groups 3 and 4 run only when nothing was found before them
    (no name holds every typed word whole: a word is unfinished, or a part of a word).
    """
    query = (query or "").strip()
    offset = min(max(0, offset), MAX_OFFSET)
    citizens = _filtered(user, birth_year=birth_year, unit=unit)
    if idnumber.is_valid(query):
        if offset:
            return SearchResult([], False, offset)
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
    if query.isascii() and query.isdigit() and len(query) in ID_PREFIX_DIGITS:
        return _search_number_prefix(citizens, query, offset, limit)
    citizens = citizens.select_related("permanent_unit")
    folded = fold(query)
    if not folded:
        if birth_year is None and unit is None:
            return SearchResult([], False)
        rows = list(citizens.order_by("name_folded", "id")[offset : offset + limit + 1])
        return _page(rows, offset, limit, more=len(rows) > limit)
    return _search_name(citizens, query, folded, offset, limit)


def _search_number_prefix(citizens: QuerySet[Citizen], digits: str, offset: int, limit: int) -> SearchResult:
    """Numbers starting with ``digits`` (the unique index on id_number serves LIKE 'digits%' on PostgreSQL
    through its pattern-ops twin) and, for 9 digits, the old CMND number itself (its own index), first."""
    condition = Q(id_number__startswith=digits)
    order = ["id_number"]
    if len(digits) == 9:
        condition |= Q(old_id_number=digits)
        order.insert(0, ExpressionWrapper(~Q(old_id_number=digits), output_field=BooleanField()))
    found = citizens.filter(condition).select_related("permanent_unit").order_by(*order)
    rows = list(found[offset : offset + limit + 1])
    return _page(rows, offset, limit, more=len(rows) > limit)


def _search_name(citizens: QuerySet[Citizen], query: str, folded: str, offset: int, limit: int) -> SearchResult:
    words = folded.split()
    typed = _WORDS.findall(normalize_name(query).lower())
    typed_folded = [fold(word) for word in typed]
    needed = offset + limit + 1
    seen: set[int] = set()
    ranked: list[tuple] = []
    narrow = False

    def take(queryset: QuerySet[Citizen], tier: int, window: int = RANK_WINDOW) -> None:
        nonlocal narrow
        rows = list(queryset.order_by().values_list("pk", "full_name", "name_folded")[:window])
        narrow = narrow or len(rows) == window
        for pk, full_name, name_folded in rows:
            if pk not in seen:
                seen.add(pk)
                ranked.append(_rank_key(pk, full_name, name_folded, typed, typed_folded, tier))

    marks = typed != typed_folded  # typed without diacritics, no match is one "with diacritics"

    def page_is_settled() -> bool:
        # A later tier's row can only come before the rows found so far when it matches with the typed
        # diacritics and they do not: once enough rows do (or none can), the page is settled, on this
        # page and every page before it, so the large whole-word tier is skipped for a common full name.
        return sum(1 for key in ranked if key[0] in (0, 2) or not marks) >= needed

    # The tiers are disjoint, so that no window is spent on rows an earlier tier holds.
    same_order = Q(name_folded=folded)
    take(citizens.filter(same_order), 0)
    if len(words) > 1 and not page_is_settled():
        other_order = Q(name_sorted=sorted_tokens_key(query))
        take(citizens.filter(other_order).exclude(same_order), 1)
        same_order |= other_order
    if not page_is_settled():
        take(citizens.filter(_has_every_word(words)).exclude(same_order), 2)
    # A name with every typed word as a whole word means those words are finished; when there is none,
    # the last word is being typed, or the words are parts of words.
    def typing() -> None:
        # The name typed from its start is a range of the name_folded index; other orders need more.
        take(citizens.filter(name_folded__startswith=folded), 3, TYPING_WINDOW)
        if not page_is_settled():
            take(citizens.filter(_starts_a_word(words)).exclude(name_folded__startswith=folded), 4, TYPING_WINDOW)

    if not ranked and not _within_time_budget(typing):
        narrow = True
    if not ranked and not narrow:  # after a spent time budget the officer is asked for more instead
        condition = Q()
        for word in words:
            condition &= Q(name_folded__contains=word)
        if not _within_time_budget(lambda: take(citizens.filter(condition), 5, TYPING_WINDOW)):
            narrow = True
    ranked.sort()
    window = ranked[:needed]
    page_keys = [key[-1] for key in window[offset : offset + limit]]
    by_pk = citizens.in_bulk(page_keys) if page_keys else {}
    page = [by_pk[pk] for pk in page_keys if pk in by_pk]
    return _page(page, offset, limit, more=len(window) > offset + limit, narrow=narrow)


def _rank_key(pk: int, full_name: str, folded: str, typed: list[str], typed_folded: list[str], tier: int) -> tuple:
    """Sort key of one name match: smaller is more relevant (see ``search_citizens``)."""
    name = full_name.lower().split()
    name_folded = folded.split()
    if tier <= 2:
        with_diacritics = sum(1 for word in typed if word in name)
        group = 0 if with_diacritics == len(typed) and typed != typed_folded else 1
    else:
        last = typed[-1]
        with_diacritics = sum(1 for word in typed[:-1] if word in name) + any(w.startswith(last) for w in name)
        group = 4 if tier == 5 else 2 if with_diacritics == len(typed) and typed != typed_folded else 3
    # The typed words in the typed order among the name's words (a word may be unfinished).
    position, in_order = 0, True
    for word in typed_folded:
        while position < len(name_folded) and not name_folded[position].startswith(word):
            position += 1
        if position == len(name_folded):
            in_order = False
            break
        position += 1
    return (group, tier, -with_diacritics, not in_order, len(name), len(full_name), full_name, pk)


def _starts_a_word(words: list[str]):
    """Every word but the last as a whole word, the last as the start of a word."""
    last = words[-1]
    starts = Q(name_folded__startswith=last) | Q(name_folded__contains=f" {last}")
    return (_has_every_word(words[:-1]) & starts) if len(words) > 1 else starts


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


def get_household_members(household, *, user) -> list[Citizen]:
    """The members ``user`` may see (a member whose residences all lie outside the user's area, e.g. one who
    moved away and is still in the household book, is not shown: he is "not found" everywhere else too)."""
    members = household.members.filter(merged_into__isnull=True).order_by("relation_to_head", "birth_date")
    return [m for m in members if user is None or citizen_in_area(user, m)]


def scoped(user) -> QuerySet[Citizen]:
    return scope_citizens(user, Citizen.objects.filter(merged_into__isnull=True))


def citizens_in_unit(user, unit) -> QuerySet[Citizen]:
    return _filtered(user, birth_year=None, unit=unit)
