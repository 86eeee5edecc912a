"""The only write path of cards (``Card``, ``CardEvent``, ``SerialCounter``): one function per change, each
in one transaction with its history row and its audit entry. Production, issuance, loss reports and the
status service call these; nothing else writes the tables.

Permissions are the caller's business (the page, the API route or the command asks the permission table
and ``cards.access`` first): these functions are also called by background jobs acting for a user.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from cancuoc.rules.cardstates import CardState, TransitionRefused, check_transition, make_serial
from cancuoc.rules.text import reason_problem

from . import events
from .errors import CardError, CardErrorCode
from .models import IN_USE, Card, CardEvent, SerialCounter

REASON_LIMIT = 300
# Sent inside the transaction of every change, after the cards were written: ``cards`` (a list), ``source``
# ('' for an order), ``target``, ``actor``, ``reason``. A receiver that writes (the outbox queueing "your card
# is ready") commits or rolls back with the change itself.
card_moved = Signal()
STATE_WORDS_VI = {
    CardState.ORDERED: "đã đặt sản xuất", CardState.PERSONALISED: "đã cá nhân hóa", CardState.SPOILED: "hỏng",
    CardState.DISPATCHED: "đã gửi đi", CardState.RECEIVED: "đã nhận tại điểm trả", CardState.ACTIVE: "đang sử dụng",
    CardState.SUSPENDED: "tạm khóa", CardState.LOST: "bị mất", CardState.REVOKED: "bị thu hồi",
    CardState.EXPIRED: "hết hạn", CardState.REPLACED: "đã được thay thế",
}  # fmt: skip


def clean_reason(text, *, required: bool = True) -> str:
    """The reason as stored; REASON_REQUIRED or REASON_INVALID (too long, hidden characters) otherwise."""
    text, wrong = reason_problem(text, required=required, limit=REASON_LIMIT)
    if wrong:
        raise CardError(CardErrorCode.REASON_REQUIRED if wrong == "required" else CardErrorCode.REASON_INVALID)
    return text


def refused(card: Card, target: str) -> CardError:
    source = CardState(card.state)
    return CardError(CardErrorCode.TRANSITION_REFUSED, serial=card.serial, source=source.value, target=str(target),
                     source_vi=STATE_WORDS_VI[source], target_vi=STATE_WORDS_VI.get(CardState(target), str(target)))  # fmt: skip


def allocate_serials(count: int, *, year: int) -> list[str]:
    """``count`` new serials of ``year``, never handed out before; call inside the transaction that uses
    them (a rolled-back transaction gives its numbers back, a committed one never reuses them)."""
    if count <= 0:
        return []
    with transaction.atomic():
        counter = SerialCounter.objects.select_for_update().filter(year=year).first()
        if counter is None:
            try:
                with transaction.atomic():
                    counter = SerialCounter.objects.create(year=year, next_number=1)
            except IntegrityError:  # another process created it at the same moment
                counter = SerialCounter.objects.select_for_update().get(year=year)
        first = counter.next_number
        SerialCounter.objects.filter(year=year).update(next_number=first + count)
    return [make_serial(year, number) for number in range(first, first + count)]


def order_cards(actor, orders: Sequence[tuple], *, reason: str, now: datetime | None = None) -> list[Card]:
    """Cards in state ``ordered``, one per ``(citizen, application or None, unit_path)`` in ``orders``,
    each under a new serial, with its history row and audit entry (in bulk: a production batch orders
    hundreds at once). ``replaces`` may follow as a 4th item: the spoiled card this one is made again for."""
    reason = clean_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        serials = allocate_serials(len(orders), year=timezone.localtime(now).year)
        cards = Card.objects.bulk_create([
            Card(serial=serial, citizen=order[0], application=order[1], unit_path=order[2],
                 replaces=order[3] if len(order) > 3 else None, state=CardState.ORDERED, state_changed_at=now)
            for serial, order in zip(serials, orders, strict=True)
        ])  # fmt: skip
        if any(card.pk is None for card in cards):  # backends that do not return keys from a bulk insert
            by_serial = dict(Card.objects.filter(serial__in=serials).values_list("serial", "pk"))
            for card in cards:
                card.pk = by_serial[card.serial]
        CardEvent.objects.bulk_create(
            [CardEvent(card=card, source="", target=CardState.ORDERED, at=now, actor=_user(actor), reason=reason)
             for card in cards]  # fmt: skip
        )
        events.cards_changed(actor, cards, source="", target=CardState.ORDERED, reason=reason)
        card_moved.send(Card, cards=cards, source="", target=CardState.ORDERED, actor=actor, reason=reason)
    return cards


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(card_or_serial) -> Card:
    serial = card_or_serial.serial if isinstance(card_or_serial, Card) else str(card_or_serial)
    card = Card.objects.select_for_update(of=("self",)).select_related("citizen").filter(serial=serial).first()
    if card is None:
        raise CardError(CardErrorCode.CARD_NOT_FOUND, serial=serial[:20])
    return card


def _move(actor, card: Card, target: CardState, *, reason: str, now: datetime, **fields) -> Card:
    source = card.state
    try:
        check_transition(source, target)
    except TransitionRefused:
        raise refused(card, target) from None
    card.state, card.state_changed_at = target.value, now
    for name, value in fields.items():
        setattr(card, name, value)
    card.save(update_fields=["state", "state_changed_at", *fields])
    CardEvent.objects.create(card=card, source=source, target=target, at=now, actor=_user(actor), reason=reason)
    events.cards_changed(actor, [card], source=source, target=target, reason=reason)
    card_moved.send(Card, cards=[card], source=source, target=target, actor=actor, reason=reason)
    return card


def transition(actor, card_or_serial, target: str, *, reason: str, now: datetime | None = None, **fields) -> Card:
    """Move one card to ``target`` (the machine decides whether it may), locked, with its history and audit
    entry. ``fields`` are set with it (``issue_date``, ``sod_sha256`` … at personalisation)."""
    reason, now = clean_reason(reason), now or timezone.now()
    target = CardState(target)
    if target is CardState.ACTIVE:
        raise ValueError("a card becomes active through hand_over() or reinstate()")
    with transaction.atomic():
        return _move(actor, _locked(card_or_serial), target, reason=reason, now=now, **fields)


def transition_many(actor, cards: Iterable[Card], target: str, *, reason: str, now: datetime | None = None) -> int:
    """Move many cards that are all in one state to ``target`` in one UPDATE (dispatching a parcel,
    expiring the day's cards); cards that moved meanwhile are left alone. Returns how many moved."""
    reason, now = clean_reason(reason), now or timezone.now()
    target = CardState(target)
    cards = list(cards)
    if not cards:
        return 0
    with transaction.atomic():
        by_source: dict[str, list[Card]] = {}
        for card in Card.objects.select_for_update().select_related("citizen").filter(
            pk__in=[card.pk for card in cards]).order_by("pk"):  # fmt: skip
            by_source.setdefault(card.state, []).append(card)
        moved = 0
        for source, group in by_source.items():
            try:
                check_transition(source, target)
            except TransitionRefused:
                continue
            Card.objects.filter(pk__in=[card.pk for card in group], state=source).update(
                state=target.value, state_changed_at=now
            )
            CardEvent.objects.bulk_create([CardEvent(card=card, source=source, target=target, at=now,
                                                     actor=_user(actor), reason=reason) for card in group])  # fmt: skip
            for card in group:
                card.state, card.state_changed_at = target.value, now
            events.cards_changed(actor, group, source=source, target=target, reason=reason)
            card_moved.send(Card, cards=group, source=source, target=target, actor=actor, reason=reason)
            moved += len(group)
    return moved


def hand_over(actor, card_or_serial, *, reason: str, now: datetime | None = None) -> Card:
    """The card, received at the station, goes into the holder's hand: it becomes active and, at that
    moment, the citizen's previous card in use (active or suspended) becomes ``replaced``. One transaction;
    the database allows one card in use per citizen, so a concurrent hand-over of another card of the same
    citizen fails cleanly (CARD_IN_USE_CHANGED) instead of leaving two."""
    reason, now = clean_reason(reason), now or timezone.now()
    try:
        with transaction.atomic():
            card = _locked(card_or_serial)
            if card.state != CardState.RECEIVED:
                raise refused(card, CardState.ACTIVE)
            previous = list(Card.objects.select_for_update().select_related("citizen")
                            .filter(citizen_id=card.citizen_id, state__in=[s.value for s in IN_USE])
                            .exclude(pk=card.pk).order_by("pk"))  # fmt: skip
            for old in previous:
                _move(actor, old, CardState.REPLACED, reason=f"thay bằng thẻ {card.serial} / replaced by {card.serial}",
                      now=now)  # fmt: skip
            card = _move(actor, card, CardState.ACTIVE, reason=reason, now=now, handed_over_at=now)
            if card.application_id is not None:
                from cancuoc.enrollment.actions import fulfil

                fulfil(card.application, actor=_user(actor), card_serial=card.serial)
            return card
    except IntegrityError:
        citizen = Card.objects.filter(serial=getattr(card_or_serial, "serial", card_or_serial)).values_list(
            "citizen__id_number", flat=True).first()  # fmt: skip
        raise CardError(CardErrorCode.CARD_IN_USE_CHANGED, id_number=citizen or "") from None


def reinstate(actor, card_or_serial, *, reason: str, now: datetime | None = None) -> Card:
    """A suspended card (reported lost, then found before the loss was confirmed) is active again."""
    reason, now = clean_reason(reason), now or timezone.now()
    try:
        with transaction.atomic():
            card = _locked(card_or_serial)
            if card.state != CardState.SUSPENDED:
                raise refused(card, CardState.ACTIVE)
            return _move(actor, card, CardState.ACTIVE, reason=reason, now=now)
    except IntegrityError:
        raise CardError(CardErrorCode.CARD_IN_USE_CHANGED, id_number="") from None


def expire_due(actor, on: date, *, limit: int = 10_000) -> int:
    """Cards in use whose expiry date has come (``expiry <= on``) become ``expired``; returns how many.
    Run daily by the worker; relying parties already hear "expired" from the date alone."""
    due = list(Card.objects.filter(state__in=[s.value for s in IN_USE], expiry__isnull=False, expiry__lte=on)
               .order_by("pk")[:limit])  # fmt: skip
    return transition_many(actor, due, CardState.EXPIRED, reason=f"hết hạn {on:%d/%m/%Y} / expired")
