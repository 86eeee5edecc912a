"""Loss: reported by an officer or by the citizen with a one-time code (the public page answers the same
for a wrong birth date and an unknown number), the card suspended at once; a supervisor confirms (lost,
re-issue request) or the card is found (active again)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cancuoc.audit.models import AuditEntry
from cancuoc.issuance import actions
from cancuoc.issuance.errors import IssuanceError
from cancuoc.issuance.errors import IssuanceErrorCode as Code
from cancuoc.issuance.models import LossCode, LossReport, OutboxMessage, ReissueRequest
from tests.issuance.conftest import attempt_as_a_user_would, received_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(card, officers):
    actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="nhìn")
    card.refresh_from_db()
    return card


def test_officer_reports_supervisor_confirms_and_a_reissue_waits(client, active, world, officers):
    client.force_login(officers["thai_thuy"])
    assert client.post(reverse("card-loss", args=[active.serial]), {"reason": "công dân báo qua điện thoại"}).status_code == 302
    active.refresh_from_db()
    assert active.state == "suspended"
    assert AuditEntry.objects.filter(event="card_loss_reported", object_id=active.serial).count() == 1
    # a commune officer may not confirm: the verb belongs to supervisors
    assert client.post(reverse("card-loss-confirm", args=[active.serial]), {"reason": "x"}).status_code == 403
    client.force_login(officers["hung_yen"])
    assert client.post(reverse("card-loss-confirm", args=[active.serial]), {"reason": "đã xác minh"}).status_code == 302
    active.refresh_from_db()
    assert active.state == "lost"
    assert LossReport.objects.get(card=active).state == "confirmed"
    request = ReissueRequest.objects.get(lost_card=active)
    assert request.citizen == active.citizen and request.closed_at is None
    page = client.get(reverse("card-reissues"))
    assert [r.pk for r in page.context["rows"]] == [request.pk]
    client.force_login(officers["ba_dinh"])
    assert client.get(reverse("card-reissues")).context["rows"] == []
    # the new card handed over closes the request
    client.force_login(officers["thai_thuy"])
    newer = received_card(active.citizen, world.thai_thuy, officers["thai_thuy"], officers["production"])
    actions.hand_over(officers["thai_thuy"], newer, actions.Check("looking"), reason="thẻ cấp lại")
    request.refresh_from_db()
    assert request.closed_by_card == newer


def test_found_before_confirmation_is_active_again(active, officers):
    actions.report_loss(officers["thai_thuy"], active, reason="mất")
    with pytest.raises(IssuanceError) as twice:
        actions.report_loss(officers["thai_thuy"], active, reason="mất lần hai")
    assert twice.value.code is Code.LOSS_ALREADY_REPORTED
    actions.withdraw_loss(officers["thai_thuy"], active, reason="tìm thấy ở nhà")
    active.refresh_from_db()
    assert active.state == "active" and LossReport.objects.get().state == "withdrawn"
    with pytest.raises(IssuanceError) as nothing:
        actions.confirm_loss(officers["hung_yen"], active, reason="x")
    assert nothing.value.code is Code.NO_OPEN_LOSS


def test_a_card_not_in_use_cannot_be_reported(card, officers):
    with pytest.raises(IssuanceError) as refused:
        actions.report_loss(officers["thai_thuy"], card, reason="mất")
    assert refused.value.code is Code.NOT_IN_USE
    assert not LossReport.objects.exists()


def test_other_area_cannot_report_or_confirm(client, active, officers):
    client.force_login(officers["ba_dinh"])
    assert client.post(reverse("card-loss", args=[active.serial]), {"reason": "x"}).status_code == 404
    response = client.post(f"/api/v1/cards/{active.serial}/loss", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 404
    active.refresh_from_db()
    assert active.state == "active"


def test_api_loss_round_trip(client, active, officers):
    client.force_login(officers["thai_thuy"])
    url = f"/api/v1/cards/{active.serial}/loss"
    assert client.post(url, {"reason": "mất"}, content_type="application/json").json()["state"] == "suspended"
    twice = client.post(url, {"reason": "mất"}, content_type="application/json")
    assert twice.status_code == 409 and twice.json()["code"] == "loss_already_reported"
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code in (409, 422)
    client.force_login(officers["hung_yen"])
    confirm = client.post(url + "/confirm", {"reason": "xác minh"}, content_type="application/json")
    assert confirm.status_code == 200 and confirm.json()["state"] == "lost"


# -- the public page ----------------------------------------------------------------------------------------
def start(client, card, birth_date=None):
    born = birth_date or card.citizen.birth_date.strftime("%d/%m/%Y")
    return client.post(reverse("card-loss-public"), {"id_number": card.citizen.id_number, "birth_date": born})


def code_sent(card) -> str:
    message = OutboxMessage.objects.filter(key__startswith="loss-code:").latest("pk")
    assert message.citizen == card.citizen
    return message.body_vi.split(": ")[1][:6]


def test_citizen_reports_with_a_one_time_code(client, active, officers):
    actions.set_contact(officers["thai_thuy"], active.citizen, phone="0912345678", channel="sms", where="test")
    response = start(client, active)
    assert response.status_code == 302 and response["Location"] == reverse("card-loss-code")
    code = code_sent(active)
    entry = LossCode.objects.get()
    assert code not in entry.code_digest and len(entry.code_digest) == 64
    wrong = client.post(reverse("card-loss-code"), {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 422
    active.refresh_from_db()
    assert active.state == "active"
    done = client.post(reverse("card-loss-code"), {"code": code})
    assert done.status_code == 200 and done.context["serial"] == active.serial
    active.refresh_from_db()
    assert active.state == "suspended"
    report = LossReport.objects.get()
    assert report.by_citizen and report.reported_by is None
    # the session's token is gone: the same code cannot be replayed
    assert client.post(reverse("card-loss-code"), {"code": code}).status_code == 302


def test_wrong_birth_date_unknown_number_and_no_phone_look_the_same(client, active, card, officers):
    actions.set_contact(officers["thai_thuy"], active.citizen, phone="0912345678", channel="sms", where="test")
    answers = []
    for id_number, born in ((active.citizen.id_number, "01/01/1901"), ("999999999999", "15/03/1990"),
                            ("888888888888", "01/01/1980")):  # fmt: skip
        client.cookies.clear()
        response = client.post(reverse("card-loss-public"), {"id_number": id_number, "birth_date": born})
        answers.append((response.status_code, response["Location"]))
        page = client.get(reverse("card-loss-code"))
        answers.append((page.status_code, page.content.decode().replace(str(page.context["csrf_token"]), "")))
    assert answers[0] == answers[2] == answers[4] and answers[1][0] == 200
    assert answers[1][1] == answers[3][1] == answers[5][1]
    assert not OutboxMessage.objects.filter(key__startswith="loss-code:").exists()
    assert AuditEntry.objects.filter(event="citizen_lookup_refused", reason="public card loss").count() == 3


def test_codes_expire_and_allow_five_tries(client, active, officers, settings):
    settings.CANCUOC_RATELIMIT_ENABLED = False  # the code's own limit, not the page's
    actions.set_contact(officers["thai_thuy"], active.citizen, phone="0912345678", channel="sms", where="test")
    start(client, active)
    code = code_sent(active)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert client.post(reverse("card-loss-code"), {"code": wrong}).status_code == 422
    assert client.post(reverse("card-loss-code"), {"code": code}).status_code == 422, "exhausted"
    client.cookies.clear()
    start(client, active)
    code = code_sent(active)
    LossCode.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(reverse("card-loss-code"), {"code": code}).status_code == 422, "expired"
    active.refresh_from_db()
    assert active.state == "active" and not LossReport.objects.exists()


def test_public_page_is_rate_limited_and_hostile_input_is_clean(client, active, settings):
    settings.CANCUOC_RATELIMIT_PER_ADDRESS = [(3, 600)]
    assert client.get(reverse("card-loss-public")).status_code == 200
    bad = client.post(reverse("card-loss-public"), {"id_number": "x" * 5000, "birth_date": "32/13/2020"})
    assert bad.status_code == 422
    assert client.post(reverse("card-loss-public"), {"birth_date": ["1", "2"]}).status_code == 422
    start(client, active)
    limited = start(client, active)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert client.get(reverse("card-loss-code")).status_code == 200
    assert client.post(reverse("card-loss-code"), {"code": "x" * 10_000}).status_code in (422, 429)


def test_a_number_that_is_not_12_digits_is_said_so_to_everyone(client, settings):
    settings.CANCUOC_RATELIMIT_ENABLED = False
    short = client.post(reverse("card-loss-public"), {"id_number": "123", "birth_date": "15/03/1990"})
    assert short.status_code == 422 and "12" in short.context["refusal"].message_en
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_confirm_once(world, officers, flushable_audit_log):
    import threading

    from django.db import connection

    from cancuoc.cards.models import Card
    from tests.factories import CitizenFactory, UserFactory
    card = received_card(CitizenFactory(permanent_unit=world.thai_thuy), world.thai_thuy, officers["thai_thuy"],
                         officers["production"])  # fmt: skip
    actions.hand_over(officers["thai_thuy"], card, actions.Check("looking"), reason="nhìn")
    actions.report_loss(officers["thai_thuy"], card, reason="mất")
    second = UserFactory(username="supervisor_two", role="supervisor", unit=world.hung_yen)
    outcomes, barrier = [], threading.Barrier(2)

    def confirm(user):
        try:
            barrier.wait()
            outcomes.append(attempt_as_a_user_would(
                lambda: actions.confirm_loss(user, Card.objects.get(pk=card.pk), reason="xác minh"), IssuanceError))
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (officers["hung_yen"], second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("done") == 1, outcomes
    assert ReissueRequest.objects.filter(lost_card=card).count() == 1
    assert Card.objects.get(pk=card.pk).events.filter(target="lost").count() == 1


def test_the_code_is_never_readable_in_the_database(client, active, officers, tmp_path):
    from django.db import connection

    from cancuoc.issuance import outbox

    actions.set_contact(officers["thai_thuy"], active.citizen, phone="0912345678", channel="sms", where="test")
    start(client, active)
    code = code_sent(active)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body_vi, body_en FROM issuance_outboxmessage")
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert code not in raw, "message bodies are encrypted at rest"
    log = tmp_path / "messages.log"
    outbox.deliver_due(sender=outbox.LogSender(log))
    message = OutboxMessage.objects.get(key__startswith="loss-code:")
    assert message.state == "sent" and code not in message.body_vi and code not in message.body_en
    assert code in log.read_text(), "the development sender's log is where the demo reads it"
