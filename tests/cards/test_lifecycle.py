"""Cards as records: serials never reused, transitions only as the machine allows, each with its history and
audit entry, one card in use per citizen (also when code forgets), hand-over replaces the previous card."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from cancuoc.audit.models import AuditEntry
from cancuoc.cards import lifecycle
from cancuoc.cards.errors import CardError, CardErrorCode
from cancuoc.cards.models import Card, CardEvent
from cancuoc.rules.cardstates import is_serial
from tests.cardworld import ready_application, station_of
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ordered(world, officers):
    officer = officers["thai_thuy"]
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    application = ready_application(citizen, station_of(world.thai_thuy), officer)
    (card,) = lifecycle.order_cards(officers["production"], [(citizen, application, application.unit_path)],
                                    reason="lô thử")  # fmt: skip
    return card


def walk(card, actor, *states):
    for state in states:
        card = lifecycle.transition(actor, card, state, reason=f"→ {state}")
    return card


def test_serials_are_well_formed_distinct_and_never_reused(world, officers):
    first = lifecycle.allocate_serials(3, year=2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.allocate_serials(5, year=2026)
        raise RuntimeError("the batch failed: its numbers are given back with the rollback")
    second = lifecycle.allocate_serials(2, year=2026)
    assert all(map(is_serial, first + second))
    assert len(set(first + second)) == 5
    assert second[0] == "C26" + f"{4:08d}" + second[0][-1]  # no gap after a rollback, never a repeat


def test_order_writes_history_and_audit(ordered, officers):
    assert ordered.state == "ordered" and is_serial(ordered.serial)
    assert list(CardEvent.objects.filter(card=ordered).values_list("source", "target")) == [("", "ordered")]
    entry = AuditEntry.objects.get(event="card_ordered", object_id=ordered.serial)
    assert entry.changes["id_number"] == ordered.citizen.id_number and entry.reason == "lô thử"


def test_the_whole_way_to_the_holder(ordered, officers):
    production, officer = officers["production"], officers["thai_thuy"]
    card = walk(ordered, production, "personalised", "dispatched")
    card = walk(card, officer, "received")
    card = lifecycle.hand_over(officer, card, reason="đối chiếu vân tay")
    card.refresh_from_db()
    assert card.state == "active" and card.handed_over_at is not None
    card.application.refresh_from_db()
    assert not card.application.is_open, "the application closes with the hand-over"
    assert [e.target for e in card.events.all()] == ["ordered", "personalised", "dispatched", "received", "active"]
    assert AuditEntry.objects.filter(event="card_handed_over", object_id=card.serial).count() == 1


def test_refused_transitions_change_nothing(ordered, officers):
    with pytest.raises(CardError) as refused:
        lifecycle.transition(officers["production"], ordered, "dispatched", reason="bỏ qua cá nhân hóa")
    assert refused.value.code is CardErrorCode.TRANSITION_REFUSED
    assert "đã đặt sản xuất" in refused.value.message_vi and "ordered" in refused.value.message_en
    with pytest.raises(CardError):
        lifecycle.hand_over(officers["thai_thuy"], ordered, reason="chưa nhận")
    ordered.refresh_from_db()
    assert ordered.state == "ordered" and ordered.events.count() == 1
    with pytest.raises(ValueError):
        lifecycle.transition(officers["production"], ordered, "active", reason="cửa sau")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301, "ẩn\u202egiấu"])
def test_a_reason_is_required_and_bounded(ordered, officers, reason):
    with pytest.raises(CardError) as refused:
        lifecycle.transition(officers["production"], ordered, "personalised", reason=reason)
    assert refused.value.code in (CardErrorCode.REASON_REQUIRED, CardErrorCode.REASON_INVALID)


def test_hand_over_replaces_the_previous_card_at_that_moment(world, officers):
    officer, production = officers["thai_thuy"], officers["production"]
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    station = station_of(world.thai_thuy)
    first_app = ready_application(citizen, station, officer)
    (old,) = lifecycle.order_cards(production, [(citizen, first_app, station.unit.path)], reason="lô 1")
    old = lifecycle.hand_over(officer, walk(old, production, "personalised", "dispatched", "received"), reason="trả")
    old = lifecycle.transition(officer, old, "suspended", reason="báo mất")
    second_app = ready_application(citizen, station, officer, kind="reissue")
    (new,) = lifecycle.order_cards(production, [(citizen, second_app, station.unit.path)], reason="lô 2")
    new = walk(new, production, "personalised", "dispatched", "received")
    lifecycle.hand_over(officer, new, reason="trả thẻ cấp lại")
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.state, new.state) == ("replaced", "active")
    assert old.events.last().reason.endswith(new.serial)


def test_the_database_allows_one_card_in_use_per_citizen(world, officers):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    cards = lifecycle.order_cards(officers["production"], [(citizen, None, world.thai_thuy.path)] * 2, reason="lô")
    Card.objects.filter(pk=cards[0].pk).update(state="active")
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=cards[1].pk).update(state="suspended")
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=cards[1].pk).update(state="stolen")


def test_suspend_and_reinstate(ordered, officers):
    officer = officers["thai_thuy"]
    card = lifecycle.hand_over(officer, walk(ordered, officers["production"], "personalised", "dispatched",
                                             "received"), reason="trả")  # fmt: skip
    card = lifecycle.transition(officer, card, "suspended", reason="công dân báo mất")
    card = lifecycle.reinstate(officer, card, reason="đã tìm thấy")
    assert card.state == "active"
    assert AuditEntry.objects.filter(event="card_reinstated", object_id=card.serial).exists()


def test_expire_due_moves_only_cards_in_use_past_their_date(world, officers):
    production = officers["production"]
    citizens = [CitizenFactory(permanent_unit=world.thai_thuy) for _ in range(3)]
    cards = lifecycle.order_cards(production, [(c, None, world.thai_thuy.path) for c in citizens], reason="lô")
    today = date(2026, 12, 1)
    Card.objects.filter(pk=cards[0].pk).update(state="active", expiry=today)
    Card.objects.filter(pk=cards[1].pk).update(state="active", expiry=today + timedelta(days=1))
    Card.objects.filter(pk=cards[2].pk).update(expiry=today - timedelta(days=9))  # still ordered: not in use
    assert lifecycle.expire_due(None, today) == 1
    assert list(Card.objects.order_by("pk").values_list("state", flat=True)) == ["expired", "active", "ordered"]
    assert lifecycle.expire_due(None, today) == 0


def test_unknown_serial(officers):
    with pytest.raises(CardError) as missing:
        lifecycle.transition(officers["production"], "C26000012344", "personalised", reason="x")
    assert missing.value.code is CardErrorCode.CARD_NOT_FOUND


def test_a_card_once_handed_over_makes_the_next_application_a_reissue_or_renewal(ordered, officers):
    from cancuoc.enrollment.actions import has_card
    from cancuoc.enrollment.models import Application

    citizen = ordered.citizen
    Application.objects.filter(pk=ordered.application_id).update(stage="rejected", is_open=False)
    assert not has_card(citizen), "ordered only: nothing in the citizen's hand yet"
    card = lifecycle.hand_over(officers["thai_thuy"], walk(ordered, officers["production"], "personalised",
                                                           "dispatched", "received"), reason="trả")  # fmt: skip
    lifecycle.transition(officers["thai_thuy"], card, "lost", reason="mất")
    assert has_card(citizen)


def test_the_capture_page_offers_the_reissue_of_a_card_confirmed_lost(client, ordered, officers, world):
    from cancuoc.enrollment.models import Application
    from cancuoc.issuance import actions as issuance
    from tests.cardworld import station_of

    officer, supervisor = officers["thai_thuy"], officers["hung_yen"]
    card = lifecycle.hand_over(officer, walk(ordered, officers["production"], "personalised", "dispatched",
                                             "received"), reason="trả")  # fmt: skip
    issuance.report_loss(officer, card, reason="công dân báo mất")
    issuance.confirm_loss(supervisor, card, reason="xác nhận mất")
    from cancuoc.enrollment import actions as enrollment

    enrollment.assign_officer(None, station_of(world.thai_thuy), officer)
    client.force_login(officer)
    page = client.get(f"/applications/capture/citizen/{card.citizen.id_number}/").content.decode()
    assert 'id="cap-reissue"' in page and card.serial in page
    assert 'value="reissue:lost" checked' in page or 'value="reissue:lost" selected' in page
    assert not Application.objects.filter(citizen=card.citizen, is_open=True).exists()
