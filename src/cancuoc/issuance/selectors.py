"""Reads of issuance, each scoped to the user's area for its verb: cards waiting at the station, cards not
collected, renewals due, expired cards, cards whose printed address names a unit that no longer exists,
re-issue requests and the messages that need a call or a visit."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from cancuoc.accounts.permissions import Verb, area_path
from cancuoc.cards.models import IN_USE, Card
from cancuoc.icao.validity import anniversary
from cancuoc.registry.access import residence_filter
from cancuoc.registry.models import Citizen
from cancuoc.rules.cardstates import BEFORE_HANDOVER, is_serial
from cancuoc.units.models import AdministrativeUnit, UnitSuccession

from .models import OutboxMessage, PostalDelivery, ReissueRequest

RENEWAL_AGES = (14, 25, 40, 60)
IN_USE_STATES = [s.value for s in IN_USE]


def uncollected_days() -> int:
    return int(getattr(settings, "CANCUOC_UNCOLLECTED_DAYS", 30))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cards_in_area(user, verb: Verb = Verb.CARD_READ) -> QuerySet:
    """Cards handed over by a station in the area or held by a citizen living in it."""
    path = area_path(user, verb)
    cards = Card.objects.all()
    if path is None:
        return cards
    return cards.filter(Q(unit_path__startswith=path) | Q(citizen__in=Citizen.objects.filter(residence_filter(path))))


def citizens_in_area(user, verb: Verb, unit: AdministrativeUnit | None = None) -> QuerySet:
    path = area_path(user, verb)
    citizens = Citizen.objects.filter(merged_into__isnull=True, date_of_death__isnull=True)
    if path is not None:
        citizens = citizens.filter(residence_filter(path))
    if unit is not None:
        citizens = citizens.filter(residence_filter(unit.path))
    return citizens


def find_for_handover(user, query: str) -> list[Card]:
    """Cards waiting at a station of the area (``received``) for an application code, an ID number or a
    serial; empty for anything else."""
    text = "".join(str(query or "").split()).upper()[:20]
    if not text:
        return []
    cards = Card.objects.filter(state="received", unit_path__startswith=area_path(user, Verb.CARD_HANDOVER) or "/")
    if len(text) == 12 and text.isdigit():
        cards = cards.filter(citizen__id_number=text)
    elif is_serial(text):
        cards = cards.filter(serial=text)
    elif text.isascii() and text.isalnum():
        cards = cards.filter(application__code=text)
    else:
        return []
    return list(cards.select_related("citizen", "application__station").order_by("pk")[:20])


def uncollected(user, *, now: datetime, days: int | None = None) -> QuerySet:
    """Cards received at a station of the area more than ``days`` ago and neither handed over nor posted."""
    days = uncollected_days() if days is None else days
    parcels = PostalDelivery.objects.filter(card=OuterRef("pk"), state="posted")
    return (Card.objects.filter(state="received", state_changed_at__lte=now - timedelta(days=days),
                                unit_path__startswith=area_path(user, Verb.CARD_HANDOVER) or "/")
            .exclude(Exists(parcels)).select_related("citizen", "application__station")
            .order_by("state_changed_at", "pk"))  # fmt: skip


def in_the_post(user) -> QuerySet:
    return (PostalDelivery.objects.filter(state="posted", card__unit_path__startswith=area_path(user, Verb.CARD_HANDOVER) or "/")
            .select_related("card__citizen").order_by("posted_at", "pk"))  # fmt: skip


@dataclass(frozen=True)
class RenewalDue:
    citizen: Citizen
    age: int
    birthday: date
    card: Card | None  # the card in use, if any


def renewals_due(user, *, today: date, months: int, unit: AdministrativeUnit | None = None,
                 limit: int | None = None) -> list[RenewalDue]:  # fmt: skip
    """Citizens of the area reaching 14, 25, 40 or 60 between today and ``months`` months from now whose
    card in use does not stay valid past that birthday (no card, or one expiring by then); a card with no
    expiry needs nothing. Two queries."""
    until = add_months(today, months)
    window = Q()
    for age in RENEWAL_AGES:
        # a 29 February birthday falls on 28 February: widen by a day, the exact check is below
        window |= Q(birth_date__gte=_years_before(today, age) - timedelta(days=1),
                    birth_date__lte=_years_before(until, age) + timedelta(days=1))  # fmt: skip
    citizens = list(citizens_in_area(user, Verb.CARD_READ, unit).filter(window)
                    .select_related("permanent_unit").order_by("birth_date", "id_number")[: (limit or 100_000) * 2])  # fmt: skip
    cards = {card.citizen_id: card for card in Card.objects.filter(citizen__in=[c.pk for c in citizens],
                                                                   state__in=IN_USE_STATES)}  # fmt: skip
    rows = []
    for citizen in citizens:
        for age in RENEWAL_AGES:
            birthday = anniversary(citizen.birth_date, age)
            if not today <= birthday <= until:
                continue
            card = cards.get(citizen.pk)
            if card is not None and (card.expiry is None or card.expiry > birthday):
                continue
            rows.append(RenewalDue(citizen, age, birthday, card))
    rows.sort(key=lambda row: (row.birthday, row.citizen.id_number))
    return rows[:limit] if limit else rows


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 2, 28)


def expired_cards(user, *, today: date, unit: AdministrativeUnit | None = None) -> QuerySet:
    """The last cards of citizens of the area that have expired (moved or only past their date), when no
    valid card is in use or on its way for them."""
    citizens = citizens_in_area(user, Verb.CARD_READ, unit)
    newer = Card.objects.filter(citizen=OuterRef("citizen")).filter(
        Q(state__in=IN_USE_STATES, expiry__isnull=True) | Q(state__in=IN_USE_STATES, expiry__gte=today)
        | Q(state__in=[s.value for s in BEFORE_HANDOVER]))  # fmt: skip
    return (Card.objects.filter(citizen__in=citizens)
            .filter(Q(state="expired") | Q(state__in=IN_USE_STATES, expiry__lt=today))
            .exclude(Exists(newer)).select_related("citizen").order_by("expiry", "pk"))  # fmt: skip


@dataclass(frozen=True)
class ReplacementDue:
    card: Card
    unit: AdministrativeUnit
    successors: tuple[str, ...]


def replacements_due(user, *, today: date, limit: int = 500) -> list[ReplacementDue]:
    """Cards in use whose printed place of residence names a unit no longer in force (a rearrangement):
    the holder may have the address corrected by a replacement card. Three queries."""
    cards = list(cards_in_area(user).filter(state__in=IN_USE_STATES, printed_residence_unit__valid_to__lt=today)
                 .select_related("citizen", "printed_residence_unit").order_by("printed_residence_unit_id", "pk")[:limit])  # fmt: skip
    unit_ids = {card.printed_residence_unit_id for card in cards}
    successors: dict[int, list[str]] = {}
    for predecessor, name in (UnitSuccession.objects.filter(predecessor_id__in=unit_ids)
                              .order_by("successor__name").values_list("predecessor_id", "successor__name")):  # fmt: skip
        successors.setdefault(predecessor, []).append(name)
    return [ReplacementDue(card, card.printed_residence_unit, tuple(successors.get(card.printed_residence_unit_id, ())))
            for card in cards]  # fmt: skip


def reissue_requests(user, *, open_only: bool = True) -> QuerySet:
    path = area_path(user, Verb.CARD_READ)
    requests = ReissueRequest.objects.select_related("citizen", "lost_card").order_by("created_at", "pk")
    if open_only:
        requests = requests.filter(closed_at__isnull=True)
    return requests if path is None else requests.filter(unit_path__startswith=path)


def open_reissue_request(citizen) -> ReissueRequest | None:
    """What the capture page asks: does this citizen have a re-issue waiting (kind ``reissue``, reason lost)?"""
    return ReissueRequest.objects.filter(citizen=citizen, closed_at__isnull=True).first()


def messages_to_follow_up(user) -> QuerySet:
    """Messages nobody received: no phone number, retries exhausted, or unknown after a crash."""
    path = area_path(user, Verb.CARD_READ)
    State = OutboxMessage.State
    messages = OutboxMessage.objects.filter(state__in=[State.NO_CHANNEL, State.FAILED, State.UNCERTAIN])
    # "your card is ready" needs no call once the card was collected (or has otherwise left the station)
    collected = Card.objects.filter(serial=OuterRef("card_serial")).exclude(state="received")
    messages = messages.annotate(card_serial=Substr("key", len("card-ready:") + 1)).exclude(
        Q(key__startswith="card-ready:") & Exists(collected))
    if path is not None:
        messages = messages.filter(unit_path__startswith=path)
    return messages.select_related("citizen").order_by("created_at", "pk")
