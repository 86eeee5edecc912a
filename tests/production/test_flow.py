"""After the run: quality control (a spoiled card is made again under a new serial, the spoiled serial kept),
dispatch per receiving station with a dispatch list, and receipt at the station card by card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.audit.models import AuditEntry, Event
from cancuoc.cards.errors import CardError
from cancuoc.cards.models import Card, CardEvent
from cancuoc.production import actions, fileformat, running, selectors
from cancuoc.production.dispatchlist import dispatch_list_pdf
from cancuoc.production.errors import ProductionError
from cancuoc.production.errors import ProductionErrorCode as Code
from cancuoc.production.models import BatchItem, Parcel, ProductionBatch
from cancuoc.rules.cardstates import make_serial

from .conftest import make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def produced(production):
    make_ready(production, "thai_thuy", 3)
    make_ready(production, "dong_thuy_anh", 2)
    batch = running.run_batch(actions.create_batch(None, "33").pk)
    return production, batch


def _serials(batch):
    return list(batch.items.order_by("position").values_list("card__serial", flat=True))


def _file_entries(batch):
    return {json.loads(e["card.json"])["serial"]: e for _f, e in fileformat.iter_cards(Path(batch.file_path))}


def test_a_spoiled_card_is_made_again_under_a_new_serial_and_the_old_one_is_kept(produced):
    production, batch = produced
    operator = production["officers"]["production"]
    first = _serials(batch)[0]
    spoiled_card = Card.objects.get(serial=first)
    with pytest.raises(CardError):  # a reason is required
        actions.record_qc(operator, batch, first, "spoiled")
    actions.record_qc(operator, batch, first, "spoiled", reason="chip không đọc được / chip unreadable")
    spoiled_card.refresh_from_db()
    assert spoiled_card.state == "spoiled"
    remade = Card.objects.get(replaces=spoiled_card)
    assert remade.serial != first and remade.state == "ordered" and remade.application_id == spoiled_card.application_id
    follow_up = ProductionBatch.objects.get(remakes=batch)
    assert follow_up.priority == ProductionBatch.Priority.URGENT and follow_up.card_count == 1
    # twice is refused: the card is no longer waiting for quality control
    with pytest.raises(ProductionError) as again:
        actions.record_qc(operator, batch, first, "passed")
    assert again.value.code == Code.CARD_NOT_IN_QC
    # the follow-up batch produces it; the spoiled serial never comes back
    follow_up = running.run_batch(follow_up.pk)
    assert set(_file_entries(follow_up)) == {remade.serial}
    assert Card.objects.filter(serial=first).count() == 1
    assert CardEvent.objects.filter(card=spoiled_card, target="spoiled").exists()
    assert AuditEntry.objects.filter(event=Event.CARD_SPOILED, object_id=first).count() == 1
    # a second spoil in the same family goes to a new follow-up (the first has run)
    actions.record_qc(operator, follow_up, remade.serial, "spoiled", reason="in lệch / misprinted")
    assert ProductionBatch.objects.filter(remakes=batch).count() == 2


def test_qc_refuses_unknown_outcomes_other_batches_cards_and_unproduced_batches(produced, production):
    production, batch = produced
    operator = production["officers"]["production"]
    for serial, outcome, code in (("C26000000000", "passed", Code.CARD_NOT_IN_QC), (_serials(batch)[0], "maybe", Code.QC_DECISION_UNKNOWN),
                                  ("'; --", "passed", Code.CARD_NOT_IN_QC), ("", "passed", Code.CARD_NOT_IN_QC)):  # fmt: skip
        with pytest.raises(ProductionError) as error:
            actions.record_qc(operator, batch, serial, outcome)
        assert error.value.code == code
    with pytest.raises(PermissionDenied):
        actions.record_qc(production["officers"]["thai_thuy"], batch, _serials(batch)[0], "passed")
    make_ready(production, "ba_dinh", 1)
    waiting = actions.create_batch(None, "01")
    with pytest.raises(ProductionError) as error:
        actions.record_qc(operator, waiting, _serials(waiting)[0], "passed")
    assert error.value.code == Code.NOT_PRODUCED
    assert not BatchItem.objects.exclude(qc="pending").exists()


def test_dispatch_packs_one_parcel_per_station_and_the_station_receives_card_by_card(produced):
    production, batch = produced
    operator = production["officers"]["production"]
    serials = _serials(batch)
    actions.record_qc(operator, batch, serials[1], "spoiled", reason="xước / scratched")
    assert actions.pass_remaining(operator, batch) == 4
    parcels = {p.station.code: p for p in actions.dispatch_batch(operator, batch)}
    thai_thuy = production["stations"]["thai_thuy"]
    assert parcels[thai_thuy.code].card_count == 2 and parcels[production["stations"]["dong_thuy_anh"].code].card_count == 2
    assert Card.objects.filter(state="dispatched").count() == 4
    assert AuditEntry.objects.filter(event=Event.CARDS_PACKED).count() == 2
    batch.refresh_from_db()
    # the spoiled card's remake belongs to the follow-up batch: nothing of this one is left at the centre
    assert batch.dispatched_count == 4 and batch.state == ProductionBatch.State.CLOSED
    with pytest.raises(ProductionError) as nothing:
        actions.dispatch_batch(operator, batch)
    assert nothing.value.code == Code.NOTHING_TO_DISPATCH
    pdf = dispatch_list_pdf(selectors.dispatch_list_of(parcels[thai_thuy.code]))
    assert pdf.startswith(b"%PDF-")

    officer = production["officers"]["thai_thuy"]  # Xã Thái Thụy: the first station's unit
    parcel = parcels[thai_thuy.code]
    cards = list(Card.objects.filter(production_item__parcel=parcel).order_by("pk"))
    entries = _file_entries(batch)
    # by the MRZ, as a reader sends it on one line
    mrz = "".join(json.loads(entries[cards[0].serial]["card.json"])["mrz"])
    receipt = actions.receive_scan(officer, mrz)
    assert receipt.card == cards[0] and not receipt.already
    assert actions.receive_scan(officer, mrz).already  # a second scan changes nothing
    # by the QR payload
    qr = json.loads(entries[cards[1].serial]["card.json"])["qr_payload"]
    assert actions.receive_scan(officer, qr).card == cards[1]
    parcel.refresh_from_db()
    assert parcel.state == Parcel.State.RECEIVED and parcel.received_count == 2
    assert Card.objects.filter(state="received").count() == 2
    assert AuditEntry.objects.filter(event=Event.CARD_RECEIVED).count() == 2

    # a card of the other station's parcel, typed by its serial
    other = Card.objects.filter(production_item__parcel=parcels[production["stations"]["dong_thuy_anh"].code]).first()
    with pytest.raises(ProductionError) as elsewhere:
        actions.receive_scan(officer, other.serial.lower())
    assert elsewhere.value.code == Code.SCAN_NO_CARD, "another station's card looks like no card at all"
    for text, code in (("", Code.SCAN_EMPTY), ("hello", Code.SCAN_UNREADABLE), ("x" * 5000, Code.SCAN_UNREADABLE),
                       (make_serial(2026, 99999999), Code.SCAN_NO_CARD), ("1|2|3", Code.SCAN_UNREADABLE),
                       (None, Code.SCAN_EMPTY)):  # fmt: skip
        with pytest.raises(ProductionError) as error:
            actions.receive_scan(officer, text)
        assert error.value.code == code, text
    # a spoiled card was never dispatched: it cannot be received
    spoiled = Card.objects.get(serial=serials[1])
    with pytest.raises(ProductionError) as never:
        actions.receive_scan(production["officers"]["admin"], spoiled.serial)
    assert never.value.code in (Code.SCAN_NO_CARD, Code.SCAN_NOT_DISPATCHED)
    # production operators do not receive at stations
    with pytest.raises(PermissionDenied):
        actions.receive_scan(production["officers"]["production"], cards[0].serial)
    assert Card.objects.filter(state="received").count() == 2


def test_a_batch_closes_when_no_card_is_left_at_the_centre(produced):
    production, batch = produced
    operator = production["officers"]["production"]
    actions.pass_remaining(operator, batch)
    actions.dispatch_batch(operator, batch)
    batch.refresh_from_db()
    assert batch.state == ProductionBatch.State.CLOSED and batch.closed_at is not None
