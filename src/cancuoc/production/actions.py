"""The only write path of production (batches, their items, parcels): one function per change, each taking
the acting user (None for the system), one transaction, its audit entries inside it. Cards are written
through ``cards.lifecycle`` only. Running a batch (personalisation, the production file) is in ``running``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Value, When
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, in_area, require_permission
from cancuoc.cards import lifecycle
from cancuoc.cards.errors import CardError
from cancuoc.cards.models import Card
from cancuoc.enrollment.models import Application
from cancuoc.rules.cardstates import BEFORE_HANDOVER, CardState
from cancuoc.units.models import AdministrativeUnit, Level, Structure

from . import events, scans
from .errors import ProductionError
from .errors import ProductionErrorCode as Code
from .models import BatchItem, Parcel, ProductionBatch

MAX_BATCH_CARDS = 5000
DEFAULT_BATCH_CARDS = 1000
# A re-issue (the card was lost or is unusable) leaves the citizen without a card: it goes first.
URGENT_KINDS = (Application.Kind.REISSUE,)
# a card of the application is in the making or in use: no other card is ordered for it
CARDS_IN_THE_MAKING = sorted({*BEFORE_HANDOVER, CardState.ACTIVE, CardState.SUSPENDED})
STATE_WORDS_VI = {
    ProductionBatch.State.ORDERED: "chờ chạy", ProductionBatch.State.RUNNING: "đang chạy",
    ProductionBatch.State.INTERRUPTED: "bị dừng", ProductionBatch.State.PRODUCED: "đã sản xuất",
    ProductionBatch.State.CLOSED: "đã đóng",
}  # fmt: skip


def _check(actor, verb: Verb) -> None:
    """A user must hold the verb; ``None`` is the system (the worker, a command without --user)."""
    if actor is not None:
        require_permission(actor, verb)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def province_by_code(code) -> AdministrativeUnit:
    text = str(code or "").strip()[:8]
    province = None
    if text.isdigit():
        province = AdministrativeUnit.objects.filter(structure=Structure.Y2025, level=Level.PROVINCE,
                                                     code__in={text, text.zfill(2)}).first()  # fmt: skip
    if province is None:
        raise ProductionError(Code.PROVINCE_UNKNOWN, value=text or "—")
    return province


def waiting_applications(province: AdministrativeUnit, *, priority: int | None = None):
    """The province's approved applications with no card in the making, most urgent first, then in order of
    submission (the station lies under the province: ``Application.unit_path`` is the station's unit)."""
    making = Card.objects.filter(application=OuterRef("pk"), state__in=CARDS_IN_THE_MAKING)
    in_batch = BatchItem.objects.filter(application=OuterRef("pk"), in_production=True)
    # a card that could not be made from this application's data: not again until the application changes
    unmakeable = BatchItem.objects.filter(application=OuterRef("pk"), withdrawn_at__gte=OuterRef("updated_at"))
    rank = Case(When(kind__in=URGENT_KINDS, then=Value(ProductionBatch.Priority.URGENT)),
                default=Value(ProductionBatch.Priority.NORMAL), output_field=IntegerField())  # fmt: skip
    applications = (Application.objects.filter(stage=Application.Stage.READY_FOR_PRODUCTION, is_open=True,
                                               unit_path__startswith=province.path,
                                               citizen__date_of_death__isnull=True)
                    .exclude(Exists(making)).exclude(Exists(in_batch)).exclude(Exists(unmakeable))
                    .annotate(rank=rank))  # fmt: skip
    if priority is not None:
        applications = applications.filter(rank=priority)
    return applications.order_by("rank", "submitted_at", "pk")


def parse_priority(value) -> int | None:
    if value in (None, ""):
        return None
    words = {"urgent": ProductionBatch.Priority.URGENT, "normal": ProductionBatch.Priority.NORMAL,
             "1": ProductionBatch.Priority.URGENT, "2": ProductionBatch.Priority.NORMAL}  # fmt: skip
    found = words.get(str(value).strip().lower())
    if found is None:
        raise ProductionError(Code.PRIORITY_UNKNOWN, value=str(value)[:20])
    return int(found)


def create_batch(actor, province_code, *, priority=None, limit: int | None = None,
                 now: datetime | None = None) -> ProductionBatch:  # fmt: skip
    """A batch of the province's waiting applications (at most ``limit``), each with its card ordered
    under a new serial; one transaction. Another batch taking the same applications at the same moment
    makes this one fail whole (APPLICATIONS_TAKEN), by the one-batch-per-application constraint."""
    _check(actor, Verb.PRODUCTION_RUN)
    province = province_by_code(province_code)
    priority = parse_priority(priority)
    limit = DEFAULT_BATCH_CARDS if limit is None else limit
    if not isinstance(limit, int) or not 1 <= limit <= MAX_BATCH_CARDS:
        raise ProductionError(Code.LIMIT_INVALID, limit=MAX_BATCH_CARDS)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            chosen = list(waiting_applications(province, priority=priority).select_related("citizen")[:limit])
            if not chosen:
                raise ProductionError(Code.NOTHING_TO_PRODUCE, province=province.name)
            batch = ProductionBatch.objects.create(
                code=f"pending-{uuid.uuid4().hex}", province=province, created_by=_user(actor),
                priority=min(application.rank for application in chosen), card_count=len(chosen),
            )  # fmt: skip
            batch.code = f"SX{province.code}-{timezone.localtime(now):%Y%m%d}-{batch.pk:05d}"
            batch.save(update_fields=["code"])
            cards = lifecycle.order_cards(
                actor, [(application.citizen, application, application.unit_path) for application in chosen],
                reason=f"lô sản xuất {batch.code} / production batch {batch.code}", now=now,
            )  # fmt: skip
            BatchItem.objects.bulk_create([
                BatchItem(batch=batch, position=position, application=application, card=card)
                for position, (application, card) in enumerate(zip(chosen, cards, strict=True), start=1)
            ])  # fmt: skip
            events.batch_created(actor, batch, reason=f"{province.name}: {len(chosen)} cards")
    except IntegrityError as error:
        raise ProductionError(Code.APPLICATIONS_TAKEN) from error
    return batch


def batch_by_code(code) -> ProductionBatch:
    text = str(code or "").strip()[:40]
    batch = ProductionBatch.objects.select_related("province").filter(code=text).first() if text else None
    if batch is None:
        raise ProductionError(Code.BATCH_NOT_FOUND, batch=text or "—")
    return batch


# --- spoiled cards and their follow-up batch --------------------------------------------------------------


def _follow_up(actor, batch: ProductionBatch, now: datetime) -> ProductionBatch:
    """The open follow-up batch of ``batch``'s family (not yet run), created when there is none."""
    root = batch.remakes if batch.remakes_id else batch
    follow_up = (ProductionBatch.objects.select_for_update().filter(remakes=root, state=ProductionBatch.State.ORDERED)
                 .order_by("-pk").first())  # fmt: skip
    if follow_up is not None:
        return follow_up
    number = ProductionBatch.objects.filter(remakes=root).count() + 1
    follow_up = ProductionBatch.objects.create(code=f"{root.code}-R{number}", province=root.province, remakes=root,
                                               priority=ProductionBatch.Priority.URGENT, created_by=_user(actor))  # fmt: skip
    events.batch_created(actor, follow_up, reason=f"remake of spoiled cards of {root.code}")
    return follow_up


def spoil_and_remake(actor, item: BatchItem, *, reason: str, now: datetime | None = None) -> BatchItem:
    """The item's card becomes ``spoiled`` (its serial stays recorded, never reused) and a new card is
    ordered for the same application under a new serial (``replaces`` the spoiled one), in the batch's
    follow-up batch. Call inside a transaction with ``item`` locked."""
    now = now or timezone.now()
    spoiled = lifecycle.transition(actor, item.card, CardState.SPOILED, reason=reason, now=now)
    item.in_production, item.qc, item.qc_by, item.qc_at = False, BatchItem.Qc.SPOILED, _user(actor), now
    item.qc_reason = reason[:300]
    item.save(update_fields=["in_production", "qc", "qc_by", "qc_at", "qc_reason"])
    follow_up = _follow_up(actor, item.batch, now)
    card = lifecycle.order_cards(
        actor, [(spoiled.citizen, item.application, spoiled.unit_path, spoiled)],
        reason=f"làm lại thẻ hỏng {spoiled.serial} trong lô {follow_up.code} / remake of spoiled card "
               f"{spoiled.serial} in batch {follow_up.code}", now=now,
    )[0]  # fmt: skip
    position = (BatchItem.objects.filter(batch=follow_up).order_by("-position")
                .values_list("position", flat=True).first() or 0) + 1  # fmt: skip
    remade = BatchItem.objects.create(batch=follow_up, position=position, application=item.application, card=card)
    ProductionBatch.objects.filter(pk=follow_up.pk).update(card_count=F("card_count") + 1)
    ProductionBatch.objects.filter(pk=item.batch_id).update(spoiled_count=F("spoiled_count") + 1)
    return remade


def _close_if_done(batch_pk: int, now: datetime) -> None:
    """A produced batch with no card left at the centre (all dispatched or spoiled) is closed."""
    if not BatchItem.objects.filter(batch_id=batch_pk, in_production=True).exists():
        ProductionBatch.objects.filter(pk=batch_pk, state=ProductionBatch.State.PRODUCED).update(
            state=ProductionBatch.State.CLOSED, closed_at=now)  # fmt: skip


# --- quality control --------------------------------------------------------------------------------------


def _produced(batch: ProductionBatch) -> None:
    if batch.state not in (ProductionBatch.State.PRODUCED, ProductionBatch.State.CLOSED):
        raise ProductionError(Code.NOT_PRODUCED, batch=batch.code)


def record_qc(actor, batch: ProductionBatch, serial, outcome: str, *, reason: str = "",
              now: datetime | None = None) -> BatchItem:  # fmt: skip
    """One personalised card of a produced batch passed or spoiled. A spoiled card is made again under a
    new serial in the follow-up batch (``spoil_and_remake``); a reason is required for it."""
    _check(actor, Verb.PRODUCTION_QC)
    if outcome not in (BatchItem.Qc.PASSED, BatchItem.Qc.SPOILED):
        raise ProductionError(Code.QC_DECISION_UNKNOWN, value=str(outcome)[:20])
    _produced(batch)
    text = str(serial or "").strip().upper()[:20]
    if outcome == BatchItem.Qc.SPOILED:
        reason = lifecycle.clean_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        item = (BatchItem.objects.select_for_update(of=("self",)).select_related("card__citizen", "batch", "application")
                .filter(batch=batch, card__serial=text, in_production=True, qc=BatchItem.Qc.PENDING,
                        card__state=CardState.PERSONALISED).first())  # fmt: skip
        if item is None:
            raise ProductionError(Code.CARD_NOT_IN_QC, serial=text or "—")
        if outcome == BatchItem.Qc.SPOILED:
            spoil_and_remake(actor, item, reason=reason, now=now)
        else:
            item.qc, item.qc_by, item.qc_at = BatchItem.Qc.PASSED, _user(actor), now
            item.save(update_fields=["qc", "qc_by", "qc_at"])
            ProductionBatch.objects.filter(pk=batch.pk).update(passed_count=F("passed_count") + 1)
            events.cards_passed(actor, [item.card], batch=batch)
        _close_if_done(batch.pk, now)
    return item


def pass_remaining(actor, batch: ProductionBatch, *, now: datetime | None = None) -> int:
    """Every card of the batch still waiting for quality control passes (after the spoiled ones were
    marked); returns how many."""
    _check(actor, Verb.PRODUCTION_QC)
    _produced(batch)
    now = now or timezone.now()
    with transaction.atomic():
        items = list(BatchItem.objects.select_for_update(of=("self",)).select_related("card__citizen")
                     .filter(batch=batch, in_production=True, qc=BatchItem.Qc.PENDING,
                             card__state=CardState.PERSONALISED).order_by("pk"))  # fmt: skip
        if not items:
            return 0
        BatchItem.objects.filter(pk__in=[item.pk for item in items]).update(qc=BatchItem.Qc.PASSED, qc_by=_user(actor),
                                                                           qc_at=now)  # fmt: skip
        ProductionBatch.objects.filter(pk=batch.pk).update(passed_count=F("passed_count") + len(items))
        events.cards_passed(actor, [item.card for item in items], batch=batch)
    return len(items)


# --- dispatch ---------------------------------------------------------------------------------------------


def dispatch_batch(actor, batch: ProductionBatch, *, now: datetime | None = None) -> list[Parcel]:
    """The batch's cards that passed quality control, packed per receiving station (the application's
    station) into parcels and moved to ``dispatched``; one transaction."""
    _check(actor, Verb.PRODUCTION_DISPATCH)
    _produced(batch)
    now = now or timezone.now()
    with transaction.atomic():
        items = list(BatchItem.objects.select_for_update(of=("self",))
                     .select_related("card__citizen", "application__station__unit")
                     .filter(batch=batch, in_production=True, qc=BatchItem.Qc.PASSED).order_by("position"))  # fmt: skip
        if not items:
            raise ProductionError(Code.NOTHING_TO_DISPATCH, batch=batch.code)
        by_station: dict[int, list[BatchItem]] = defaultdict(list)
        for item in items:
            by_station[item.application.station_id].append(item)
        parcels = []
        for group in by_station.values():
            station = group[0].application.station
            number = Parcel.objects.filter(batch=batch, station=station).count() + 1
            parcel = Parcel.objects.create(
                code=f"{batch.code}-{station.code}" + (f"-{number}" if number > 1 else ""), batch=batch,
                station=station, unit_path=station.unit.path, card_count=len(group), packed_by=_user(actor),
                packed_at=now,
            )  # fmt: skip
            moved = lifecycle.transition_many(actor, [item.card for item in group], CardState.DISPATCHED,
                                              reason=f"kiện {parcel.code} / parcel {parcel.code}", now=now)  # fmt: skip
            if moved != len(group):  # a card changed state under the lock: nothing is packed
                raise ProductionError(Code.NOTHING_TO_DISPATCH, batch=batch.code)
            BatchItem.objects.filter(pk__in=[item.pk for item in group]).update(parcel=parcel, in_production=False)
            parcels.append(parcel)
        ProductionBatch.objects.filter(pk=batch.pk).update(dispatched_count=F("dispatched_count") + len(items))
        events.cards_packed(actor, parcels)
        _close_if_done(batch.pk, now)
    return parcels


# --- receipt at the station -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    card: Card
    parcel: Parcel
    already: bool  # scanned before: nothing changed


def _candidates(scan: scans.Scan):
    cards = Card.objects.select_related("citizen", "production_item__parcel__station").filter(
        production_item__parcel__isnull=False)  # fmt: skip
    if scan.kind == "serial":
        return cards.filter(serial=scan.serial)
    if scan.kind == "mrz":
        return cards.filter(citizen__id_number=scan.id_number, mrz_sha256=scan.mrz_sha256)
    return cards.filter(citizen__id_number=scan.id_number, issue_date=scan.issue_date)


def receive_scan(actor, text, *, now: datetime | None = None) -> Receipt:
    """The station confirms one card of a parcel addressed to it (scanned QR or MRZ, or typed serial): the
    card becomes ``received``. Scanning it again changes nothing (``already``)."""
    require_permission(actor, Verb.CARD_RECEIVE)
    try:
        scan = scans.read_scan(text)
    except scans.ScanEmpty:
        raise ProductionError(Code.SCAN_EMPTY) from None
    except scans.ScanUnreadable:
        raise ProductionError(Code.SCAN_UNREADABLE) from None
    found = list(_candidates(scan).order_by("-pk")[:20])
    if not found:
        raise ProductionError(Code.SCAN_NO_CARD)
    ours = [card for card in found if in_area(actor, Verb.CARD_RECEIVE, card.production_item.parcel.unit_path)]
    if not ours:
        # a card of another station answers as no card at all: a scan must not tell an officer which cards
        # (and serials) exist outside their area
        raise ProductionError(Code.SCAN_NO_CARD)
    ours.sort(key=lambda card: (card.state != CardState.DISPATCHED, card.state != CardState.RECEIVED))
    card = ours[0]
    parcel = card.production_item.parcel
    if card.state == CardState.RECEIVED:
        return Receipt(card, parcel, True)
    if card.state != CardState.DISPATCHED:
        raise ProductionError(Code.SCAN_NOT_DISPATCHED, serial=card.serial, state=card.state,
                              state_vi=lifecycle.STATE_WORDS_VI[CardState(card.state)])  # fmt: skip
    now = now or timezone.now()
    with transaction.atomic():
        parcel = Parcel.objects.select_for_update().select_related("station").get(pk=parcel.pk)
        try:
            card = lifecycle.transition(actor, card, CardState.RECEIVED, now=now,
                                        reason=f"nhận tại {parcel.station.code}, kiện {parcel.code} / received at "
                                               f"{parcel.station.code}, parcel {parcel.code}")  # fmt: skip
        except CardError:
            fresh = Card.objects.get(pk=card.pk)
            if fresh.state == CardState.RECEIVED:  # a double scan from two counters at the same moment
                return Receipt(fresh, parcel, True)
            raise
        BatchItem.objects.filter(card=card).update(received_by=_user(actor), received_at=now)
        parcel.received_count += 1
        fields = ["received_count"]
        if parcel.received_count >= parcel.card_count:
            parcel.state, parcel.received_at = Parcel.State.RECEIVED, now
            fields += ["state", "received_at"]
        parcel.save(update_fields=fields)
    return Receipt(card, parcel, False)
