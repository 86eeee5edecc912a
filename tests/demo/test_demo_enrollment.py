"""The demo's campaign is made through enrollment's own actions: stations of three kinds, officers
assigned, shifts, open slots, and applications that went through the pipeline."""

from datetime import date

import pytest

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.biometrics import abis
from cancuoc.demo.enrollment import create_applications, ensure_stations
from cancuoc.demo.services import ensure_demo_users, generate_population
from cancuoc.enrollment.models import Application, AppointmentSlot, Shift, Station

pytestmark = pytest.mark.django_db


def test_the_demo_campaign(world):
    abis.reset_backend()
    result = generate_population(province_code="33", citizens=400, seed=5, today=date(2026, 11, 1))
    ensure_demo_users(result.province)
    stations = ensure_stations(result.province)
    assert {s.kind for s in stations} == {Station.Kind.FIXED, Station.Kind.MOBILE, Station.Kind.HOME_VISIT}
    assert Shift.objects.filter(officers__username="commune1").exists()
    assert AppointmentSlot.objects.exists()
    made = create_applications(2, seed=5)
    assert made == 2 and Application.objects.count() == 2
    assert set(Application.objects.values_list("stage", flat=True)) <= {"approval", "ready_for_production"}
    assert AuditEntry.objects.filter(event=Event.APPLICATION_SUBMITTED).count() == 2
    ensure_stations(result.province)  # run again (bootstrap on a second start): nothing doubles
    assert Station.objects.count() == len(stations)
    abis.reset_backend()


def test_the_demo_cards_go_through_production_to_the_holder(world, settings, tmp_path, monkeypatch):
    from django.core.management import call_command

    from cancuoc.cards.models import Card
    from cancuoc.demo.cards import ensure_relying_party, produce_cards
    from cancuoc.relying.models import RelyingParty

    settings.VAR_DIR = tmp_path
    abis.reset_backend()
    result = generate_population(province_code="33", citizens=400, seed=6, today=date(2026, 11, 1))
    ensure_demo_users(result.province)
    monkeypatch.setenv("CANCUOC_PKI_DIR", str(tmp_path / "pki"))
    call_command("pki", "init", "--user", "admin")  # what bootstrap does for the demo
    ensure_stations(result.province)
    create_applications(3, seed=6)
    approved = Application.objects.filter(stage="ready_for_production").count()
    assert approved >= 1
    done = produce_cards("33")
    assert done["produced"] == done["received"] == approved == Card.objects.count()
    assert done["handed_over"] == Card.objects.filter(state="active").count() == approved // 2
    assert Card.objects.filter(state="received").count() == approved - approved // 2
    assert produce_cards("33") == {"produced": 0, "received": 0, "handed_over": 0}  # nothing approved waits
    key = ensure_relying_party()
    assert key and (tmp_path / "demo-relying-party.key").read_text().strip() == key
    assert ensure_relying_party() == key and RelyingParty.objects.count() == 1  # a second start reuses it
    abis.reset_backend()
