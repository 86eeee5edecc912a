"""Delivery by post: posted (the card stays at the station's charge), delivered with a confirmation (handed
over, method post) or returned; cards not collected after the set time are listed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cancuoc.audit.models import AuditEntry
from cancuoc.cards.models import Card
from cancuoc.issuance import actions
from cancuoc.issuance.errors import IssuanceError
from cancuoc.issuance.errors import IssuanceErrorCode as Code
from cancuoc.issuance.models import Handover, PostalDelivery

pytestmark = pytest.mark.django_db


def test_posted_then_delivered_hands_over(client, card, officers):
    client.force_login(officers["thai_thuy"])
    response = client.post(reverse("card-post", args=[card.serial]),
                           {"address": "Thôn 3, Xã Thái Thụy, Hưng Yên", "tracking_number": "eb123456789vn"})  # fmt: skip
    assert response.status_code == 302
    parcel = PostalDelivery.objects.get(card=card)
    assert (parcel.state, parcel.tracking_number, parcel.address) == ("posted", "EB123456789VN", "Thôn 3, Xã Thái Thụy, Hưng Yên")
    with pytest.raises(IssuanceError) as in_post:
        actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="ở quầy")
    assert in_post.value.code is Code.IN_THE_POST
    with pytest.raises(IssuanceError) as twice:
        actions.post_card(officers["thai_thuy"], card, address="Thôn 4 xa lắm", tracking_number="EB2")
    assert twice.value.code in (Code.IN_THE_POST, Code.TRACKING_INVALID)
    assert client.post(reverse("card-post-delivered", args=[card.serial]), {"confirmation": "Chủ thẻ ký nhận, BN 77"}).status_code == 302
    card.refresh_from_db()
    parcel.refresh_from_db()
    assert card.state == "active" and parcel.state == "delivered"
    assert Handover.objects.get(card=card).method == "post"
    assert list(AuditEntry.objects.filter(event="card_delivery_changed", object_id=card.serial)
                .order_by("sequence").values_list("changes__post", flat=True)) == ["posted", "delivered"]  # fmt: skip


def test_returned_parcel_is_at_the_station_again(card, officers):
    actions.post_card(officers["thai_thuy"], card, address="Thôn 3, Thái Thụy", tracking_number="EB1234")
    with pytest.raises(IssuanceError) as no_confirmation:
        actions.confirm_delivery(officers["thai_thuy"], card, confirmation="  ")
    assert no_confirmation.value.code is Code.CONFIRMATION_REQUIRED
    actions.return_card(officers["thai_thuy"], card, reason="không có người nhận")
    card.refresh_from_db()
    assert card.state == "received" and PostalDelivery.objects.get().state == "returned"
    actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="đến lấy tại quầy")
    with pytest.raises(IssuanceError) as nothing:
        actions.return_card(officers["thai_thuy"], card, reason="x")
    assert nothing.value.code is Code.NOT_IN_THE_POST


@pytest.mark.parametrize("address, tracking", [("ab", "EB1234"), ("Thôn\x00 3", "EB1234"), ("x" * 301, "EB1234"),
                                               ("Thôn 3, Thái Thụy", "E"), ("Thôn 3, Thái Thụy", "<script>")])  # fmt: skip
def test_bad_parcels_are_refused_and_nothing_written(client, card, officers, address, tracking):
    client.force_login(officers["thai_thuy"])
    response = client.post(reverse("card-post", args=[card.serial]), {"address": address, "tracking_number": tracking})
    assert response.status_code == 422 and response.context["post_error"]
    assert not PostalDelivery.objects.exists()


def test_other_area_cannot_post_or_confirm(client, other_card, officers):
    client.force_login(officers["thai_thuy"])
    assert client.post(reverse("card-post", args=[other_card.serial]),
                       {"address": "Thôn 3, Thái Thụy", "tracking_number": "EB1234"}).status_code == 404  # fmt: skip
    assert client.post(reverse("card-post-delivered", args=[other_card.serial]), {"confirmation": "x"}).status_code == 404
    assert not PostalDelivery.objects.exists()


def test_uncollected_cards_are_listed_after_the_set_time(client, card, other_card, officers, settings,
                                                         django_assert_max_num_queries):  # fmt: skip
    client.force_login(officers["thai_thuy"])
    assert client.get(reverse("card-uncollected")).context["cards"] == []
    Card.objects.filter(pk__in=[card.pk, other_card.pk]).update(state_changed_at=timezone.now() - timedelta(days=31))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("card-uncollected"))
    assert [c.serial for c in page.context["cards"]] == [card.serial]
    settings.CANCUOC_UNCOLLECTED_DAYS = 40
    assert client.get(reverse("card-uncollected")).context["cards"] == []
    settings.CANCUOC_UNCOLLECTED_DAYS = 30
    actions.post_card(officers["thai_thuy"], card, address="Thôn 3, Thái Thụy", tracking_number="EB1234")
    page = client.get(reverse("card-uncollected"))
    assert page.context["cards"] == [] and [p.card for p in page.context["parcels"]] == [card]
