"""Every issuance page renders, in both languages, for the roles that may open it, with data in each
section; roles without the verb get 403; pages carry no inline script."""

import pytest
from django.urls import reverse

from cancuoc.issuance import actions, outbox
from tests.factories import CitizenFactory
from tests.issuance.conftest import received_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(card, world, officers):
    """A card handed over and reported lost, another in the post, a message without a channel."""
    officer = officers["thai_thuy"]
    actions.set_contact(officer, card.citizen, phone="0912345678", channel="zalo", where="test")
    actions.hand_over(officer, card, actions.Check("looking"), reason="nhìn")
    actions.report_loss(officer, card, reason="mất ở chợ")
    posted = received_card(CitizenFactory(permanent_unit=world.thai_thuy), world.thai_thuy, officer, officers["production"])
    actions.post_card(officer, posted, address="Thôn 3, Thái Thụy", tracking_number="EB1234")
    outbox.queue("note:1", recipient="", channel="", body_vi="Mời đến nhận thẻ", body_en="Come for your card",
                 citizen=card.citizen)  # fmt: skip
    waiting = received_card(CitizenFactory(permanent_unit=world.thai_thuy), world.thai_thuy, officer, officers["production"])
    return {"lost": card, "posted": posted, "waiting": waiting}


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("who", ["thai_thuy", "hung_yen", "admin"])
def test_pages_render(client, busy, officers, who, language):
    client.force_login(officers[who])
    client.cookies["django_language"] = language
    urls = [reverse("card-list"), reverse("card-handover"), reverse("card-handover") + "?q=" + busy["waiting"].serial,
            reverse("card-handover-card", args=[busy["waiting"].serial]),
            reverse("card-handover-card", args=[busy["lost"].serial]),
            reverse("card-handover-card", args=[busy["posted"].serial]),
            reverse("card-detail", args=[busy["lost"].serial]), reverse("card-detail", args=[busy["posted"].serial]),
            reverse("card-uncollected"), reverse("card-renewals"), reverse("card-replacements"),
            reverse("card-reissues"), reverse("card-messages"), reverse("card-loss-public")]  # fmt: skip
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<script>" not in response.content and b"onclick=" not in response.content
    detail = client.get(reverse("card-detail", args=[busy["lost"].serial]))
    assert detail.context["may_confirm"] is (who != "thai_thuy")
    assert detail.context["may_withdraw"] and detail.context["contact_phone"] == "•••••••678"


def test_roles_without_the_verbs(client, busy, officers):
    client.force_login(officers["auditor"])
    for name in ("card-list", "card-handover", "card-uncollected", "card-renewals", "card-replacements",
                 "card-reissues", "card-messages"):  # fmt: skip
        assert client.get(reverse(name)).status_code == 403, name
    client.logout()
    response = client.get(reverse("card-list"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(reverse("card-loss-public")).status_code == 200, "the citizen's page needs no login"
