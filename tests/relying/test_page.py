"""/relying-parties/: national administrators only; the key is shown once; disable; hostile input."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cancuoc.relying import selectors
from cancuoc.relying.models import RelyingParty

pytestmark = pytest.mark.django_db


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_url_name():
    assert reverse("relying-parties") == "/relying-parties/"


@pytest.mark.parametrize("who", ["thai_thuy", "hung_yen", "auditor", "production"])
def test_only_national_administrators(officers, who):
    client = logged_in(officers[who])
    assert client.get("/relying-parties/").status_code == 403
    assert client.post("/relying-parties/", {"action": "add", "name": "X"}).status_code == 403
    assert not RelyingParty.objects.exists()


def test_anonymous_is_sent_to_log_in(db):
    answer = Client().get("/relying-parties/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


def test_add_shows_the_key_once_then_disable(officers, django_assert_max_num_queries):
    client = logged_in(officers["admin"])
    answer = client.post("/relying-parties/", {"action": "add", "name": "Ngân hàng C", "rate": "300",
                                               "scopes": ["status", "status-list"]})  # fmt: skip
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    key = re.search(r'<code id="new-key">([^<]+)</code>', answer.content.decode())[1]
    party = RelyingParty.objects.get()
    assert selectors.party_for_key(key).pk == party.pk and party.rate_per_minute == 300
    listing = client.get("/relying-parties/").content.decode()
    assert "Ngân hàng C" in listing and key not in listing and party.key_id in listing
    unconfirmed = client.post("/relying-parties/", {"action": "disable", "party": str(party.pk)})
    party.refresh_from_db()
    assert unconfirmed.status_code == 422 and party.is_active, "one stray click disables nothing"
    client.post("/relying-parties/", {"action": "disable", "party": str(party.pk), "confirm": "yes"})
    party.refresh_from_db()
    assert not party.is_active and selectors.party_for_key(key) is None
    for number in range(30):
        RelyingParty.objects.create(name=f"Bên {number}", key_id=f"{number:012x}", secret_sha256="0" * 64,
                                    scopes=["status"])  # fmt: skip
    with django_assert_max_num_queries(8):
        assert client.get("/relying-parties/").status_code == 200


@pytest.mark.parametrize("data", [
    {"action": "add", "name": ""}, {"action": "add", "name": "x" * 500}, {"action": "add", "name": "A", "rate": "-1"},
    {"action": "add", "name": "A", "scopes": ["root"]}, {"action": "disable", "party": "abc", "confirm": "yes"},
    {"action": "disable", "party": "999999", "confirm": "yes"}, {"action": "explode"},
])  # fmt: skip
def test_bad_input_gets_a_clean_answer(officers, data):
    answer = logged_in(officers["admin"]).post("/relying-parties/", data)
    assert answer.status_code in (400, 422)
    assert b'role="alert"' in answer.content
    assert not RelyingParty.objects.exists()


def test_double_submit_of_the_same_name(officers):
    client = logged_in(officers["admin"])
    client.post("/relying-parties/", {"action": "add", "name": "Ngân hàng D", "scopes": ["status"]})
    second = client.post("/relying-parties/", {"action": "add", "name": "Ngân hàng D", "scopes": ["status"]})
    assert second.status_code == 422 and RelyingParty.objects.count() == 1
