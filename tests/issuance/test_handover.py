"""Hand-over at the station: the card is found in the area, the holder checked (1:1 or by looking with a
reason), the card becomes active once, with its hand-over record; refusals change nothing."""

import base64
import io
import threading

import pytest
from django.db import connection
from django.urls import reverse
from PIL import Image

from cancuoc.audit.models import AuditEntry
from cancuoc.cards.models import Card
from cancuoc.issuance import actions
from cancuoc.issuance.errors import IssuanceError
from cancuoc.issuance.errors import IssuanceErrorCode as Code
from cancuoc.issuance.models import CitizenContact, Handover

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_by_looking_hands_over_and_closes_the_application(card, officers):
    officer = officers["thai_thuy"]
    record = actions.hand_over(officer, card, actions.Check("looking"), reason="đối chiếu ảnh trên giấy hẹn")
    card.refresh_from_db()
    assert card.state == "active" and card.handed_over_at is not None
    assert (record.method, record.officer, record.score, record.match) == ("looking", officer, None, None)
    card.application.refresh_from_db()
    assert not card.application.is_open
    entry = AuditEntry.objects.get(event="card_handed_over", object_id=card.serial)
    assert "nhìn trực tiếp" in entry.reason and "đối chiếu ảnh" in entry.reason


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301, "a\x00b"])
def test_by_looking_needs_a_clean_reason(card, officers, reason):
    with pytest.raises(Exception) as refused:
        actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason=reason)
    assert getattr(refused.value, "code", None) in ("reason_required", "reason_invalid")
    card.refresh_from_db()
    assert card.state == "received" and not Handover.objects.exists()


def test_a_failed_match_hands_nothing_over(card, officers):
    with pytest.raises(IssuanceError) as refused:
        actions.hand_over(officers["thai_thuy"], card, actions.Check("fingerprint", 3.0, False))
    assert refused.value.code is Code.NO_MATCH
    card.refresh_from_db()
    assert card.state == "received" and not Handover.objects.exists()


def test_second_hand_over_is_refused_cleanly(card, officers):
    actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="nhìn")
    with pytest.raises(IssuanceError) as twice:
        actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="nhìn lần hai")
    assert twice.value.code is Code.ALREADY_HANDED_OVER
    assert Handover.objects.count() == 1 and card.events.filter(target="active").count() == 1


def test_a_new_card_replaces_the_one_in_use(card, world, officers):
    from tests.issuance.conftest import received_card

    actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="lần đầu")
    card.application.is_open = False
    newer = received_card(card.citizen, world.thai_thuy, officers["thai_thuy"], officers["production"])
    actions.hand_over(officers["thai_thuy"], newer, actions.Check("looking"), reason="thẻ mới")
    card.refresh_from_db()
    newer.refresh_from_db()
    assert (card.state, newer.state) == ("replaced", "active")


def test_verify_refuses_without_enrolled_prints_or_image(card, officers):
    with pytest.raises(IssuanceError) as nothing:
        actions.verify_holder(officers["thai_thuy"], card, method="fingerprint", finger_position=2, image=b"x")
    assert nothing.value.code is Code.NO_ENROLLED_DATA
    with pytest.raises(IssuanceError) as no_image:
        actions.verify_holder(officers["thai_thuy"], card, method="face", image=None)
    assert no_image.value.code is Code.IMAGE_REQUIRED


@pytest.fixture
def enrolled_prints(card, officers):
    """The card's capture with three synthetic fingerprints of person 1 enrolled."""
    from cancuoc.biometrics import actions as biometrics
    from cancuoc.fingerprints.synth import generate_finger

    def png(person, position, impression):
        buffer = io.BytesIO()
        Image.fromarray(generate_finger(20261201, person, position, impression)).save(buffer, "PNG")
        return buffer.getvalue()

    capture = card.application.capture
    biometrics.capture_fingerprints(officers["thai_thuy"], capture, {p: png(1, p, 1) for p in (1, 2, 3)},
                                    exceptions=dict.fromkeys(range(4, 11), "amputated"))  # fmt: skip
    return {"same": png(1, 2, 2), "stranger": png(2, 2, 2)}


def test_fingerprint_page_hands_over_the_holder_and_not_a_stranger(client, card, officers, enrolled_prints):
    login(client, officers["thai_thuy"])
    url = reverse("card-handover-card", args=[card.serial])
    stranger = client.post(url, {"method": "fingerprint", "finger_position": "2",
                                 "image": io.BytesIO(enrolled_prints["stranger"])})  # fmt: skip
    assert stranger.status_code == 422 and stranger.context["no_match"]
    card.refresh_from_db()
    assert card.state == "received" and not Handover.objects.exists()
    assert AuditEntry.objects.filter(event="holder_verified", changes__match=False).count() == 1
    same = client.post(url, {"method": "fingerprint", "finger_position": "2",
                             "image": io.BytesIO(enrolled_prints["same"])})  # fmt: skip
    assert same.status_code == 302 and same["Location"] == reverse("card-detail", args=[card.serial])
    record = Handover.objects.get(card=card)
    assert record.method == "fingerprint" and record.match and record.score > 0


def test_search_finds_by_code_or_number_in_the_area_only(client, card, other_card, officers):
    login(client, officers["thai_thuy"])
    by_code = client.get(reverse("card-handover"), {"q": card.application.code.lower(), "go": "1"})
    assert by_code.status_code == 302 and card.serial in by_code["Location"]
    by_number = client.get(reverse("card-handover"), {"q": card.citizen.id_number})
    assert [c.serial for c in by_number.context["cards"]] == [card.serial]
    elsewhere = client.get(reverse("card-handover"), {"q": other_card.citizen.id_number})
    assert elsewhere.status_code == 200 and elsewhere.context["cards"] == []
    for hostile in ("' OR 1=1 --", "%00", "x" * 5000, "１２３"):
        assert client.get(reverse("card-handover"), {"q": hostile}).status_code == 200


def test_other_communes_card_and_garbage_serials_are_not_found(client, card, other_card, officers):
    login(client, officers["thai_thuy"])
    for serial in (other_card.serial, "C26000000000", "garbage", "C" * 300):
        assert client.get(reverse("card-handover-card", args=[serial])).status_code == 404
        response = client.post(reverse("card-handover-card", args=[serial]), {"method": "looking", "reason": "x"})
        assert response.status_code == 404
    other_card.refresh_from_db()
    assert other_card.state == "received"


def test_page_by_looking_saves_the_contact_and_double_submit_is_clean(client, card, officers):
    login(client, officers["thai_thuy"])
    url = reverse("card-handover-card", args=[card.serial])
    form = {"method": "looking", "reason": "giống ảnh", "phone": "+84 912 345 678", "channel": "zalo"}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form)
    assert again.status_code == 409
    assert Handover.objects.filter(card=card).count() == 1
    contact = CitizenContact.objects.get(citizen=card.citizen)
    assert (contact.phone, contact.channel) == ("0912345678", "zalo")


@pytest.mark.parametrize("form, status", [
    ({"method": "teleport"}, 422),
    ({"method": "looking"}, 422),
    ({"method": "fingerprint", "finger_position": "11"}, 422),
    ({"method": "looking", "reason": "ok", "phone": "12"}, 422),
    ({"method": ["looking", "face"], "reason": "x" * 10_000}, 422),
    ({"method": "bogus", "phone": "0912345678"}, 422),
    ({"method": "looking", "reason": "", "phone": "0912345678"}, 422),
])  # fmt: skip
def test_hostile_forms_answer_cleanly(client, card, officers, form, status):
    login(client, officers["thai_thuy"])
    response = client.post(reverse("card-handover-card", args=[card.serial]), form)
    assert response.status_code == status and response.context["error"]
    card.refresh_from_db()
    assert card.state == "received"
    assert not CitizenContact.objects.filter(citizen=card.citizen).exists(), "a refused hand-over keeps no phone"


def test_auditor_and_production_may_not_hand_over(client, card, officers):
    for name in ("auditor", "production"):
        login(client, officers[name])
        assert client.get(reverse("card-handover")).status_code == 403
        assert client.post(reverse("card-handover-card", args=[card.serial]),
                           {"method": "looking", "reason": "x"}).status_code in (403, 404)  # fmt: skip
    card.refresh_from_db()
    assert card.state == "received"


def test_api_hand_over(client, card, other_card, officers):
    login(client, officers["thai_thuy"])
    url = f"/api/v1/cards/{card.serial}/handover"
    bad = client.post(url, {"method": "face", "image_base64": "not base64!"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] in ("no_enrolled_data", "verification_failed")
    assert client.post(url, {"method": 5}, content_type="application/json").status_code == 422
    elsewhere = client.post(f"/api/v1/cards/{other_card.serial}/handover", {"method": "looking", "reason": "x"},
                            content_type="application/json")  # fmt: skip
    assert elsewhere.status_code == 404
    done = client.post(url, {"method": "looking", "reason": "nhìn mặt"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["state"] == "active"
    twice = client.post(url, {"method": "looking", "reason": "nhìn mặt"}, content_type="application/json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_handed_over"
    assert set(twice.json()) == {"code", "message_vi", "message_en"}
    huge = client.post(url, {"method": "face", "image_base64": base64.b64encode(b"x" * 100).decode() * 60_000},
                       content_type="application/json")  # fmt: skip
    assert huge.status_code in (413, 422)


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_hand_over_once(world, officers, flushable_audit_log):
    from tests.factories import CitizenFactory, UserFactory
    from tests.issuance.conftest import attempt_as_a_user_would, received_card

    second = UserFactory(username="officer_two", role="commune_officer", unit=world.thai_thuy)
    card = received_card(CitizenFactory(permanent_unit=world.thai_thuy), world.thai_thuy, officers["thai_thuy"],
                         officers["production"])  # fmt: skip
    outcomes, barrier = [], threading.Barrier(2)

    def attempt(officer):
        try:
            barrier.wait()
            outcomes.append(attempt_as_a_user_would(lambda: actions.hand_over(
                officer, Card.objects.get(pk=card.pk), actions.Check("looking"), reason="cùng lúc"), IssuanceError))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(officer,)) for officer in (officers["thai_thuy"], second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("done") == 1, outcomes
    assert Handover.objects.filter(card=card).count() == 1
    assert Card.objects.get(pk=card.pk).events.filter(target="active").count() == 1


def test_a_card_is_handed_over_only_by_the_station_holding_it(client, world, officers):
    """The Thái Thụy officer reads the card of a resident of Thái Thụy waiting at Ba Đình, but may not hand it
    over, post it or confirm its delivery: it is in another station's drawer."""
    from tests.factories import CitizenFactory
    from tests.issuance.conftest import received_card

    resident = CitizenFactory(permanent_unit=world.thai_thuy)
    card = received_card(resident, world.ba_dinh, officers["ba_dinh"], officers["production"])
    client.force_login(officers["thai_thuy"])
    detail = client.get(reverse("card-detail", args=[card.serial]))
    assert detail.status_code == 200 and not detail.context["may_hand_over"]
    assert client.get(reverse("card-handover-card", args=[card.serial])).status_code == 404
    assert client.post(reverse("card-post", args=[card.serial]),
                       {"address": "Thôn 3, Thái Thụy", "tracking_number": "EB1234"}).status_code == 404  # fmt: skip
    api = client.post(f"/api/v1/cards/{card.serial}/handover", {"method": "looking", "reason": "x"},
                      content_type="application/json")  # fmt: skip
    assert api.status_code == 404
    assert client.post(reverse("card-contact", args=[card.serial]), {"phone": "0912345678"}).status_code == 302
    assert CitizenContact.objects.get(citizen=resident).phone == "0912345678", "the contact is the citizen's"
    card.refresh_from_db()
    assert card.state == "received"


def test_an_oversized_or_unreadable_image_is_refused_cleanly(client, card, officers, enrolled_prints):
    login(client, officers["thai_thuy"])
    url = reverse("card-handover-card", args=[card.serial])
    huge = client.post(url, {"method": "fingerprint", "finger_position": "2", "image": io.BytesIO(b"\x89PNG" + b"0" * 5_000_000)})
    assert huge.status_code == 413
    junk = client.post(url, {"method": "fingerprint", "finger_position": "2", "image": io.BytesIO(b"not an image")})
    assert junk.status_code == 422 and junk.context["field"] == "image"
    card.refresh_from_db()
    assert card.state == "received" and not Handover.objects.exists()
