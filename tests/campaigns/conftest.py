"""A small campaign: citizens of Xã Thái Thụy and Xã Đông Thụy Anh (Hưng Yên) and Phường Ba Đình (Hà Nội),
applications and cards moved through the real write paths."""

import itertools
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from cancuoc.cards import lifecycle
from cancuoc.enrollment.actions import move
from cancuoc.enrollment.models import Application, ApplicationEvent
from tests.cardworld import station_of
from tests.factories import CitizenFactory, HouseholdFactory

_codes = itertools.count(1)


def born_years_ago(years: int, days: int = 0) -> date:
    return timezone.localdate() - relativedelta(years=years) + relativedelta(days=days)


def person(unit, *, years: int = 30, household=None, **fields):
    return CitizenFactory(
        permanent_unit=unit, birth_date=born_years_ago(years), household=household, **fields
    )


def apply(citizen, officer, unit, *, stage: str = "completeness") -> Application:
    """An application submitted at the station of ``unit``, with its first history entry (as the intake
    writes it), then moved to ``stage`` through the enrollment pipeline's ``move``."""
    station = station_of(unit)
    number = next(_codes)
    with transaction.atomic():
        application = Application.objects.create(
            code=f"CP{number:08d}", citizen=citizen, station=station, unit_path=station.unit.path, kind="first",
            created_by=officer, idempotency_key=f"campaign-{number}", request_digest="0" * 64, capture_seconds=180,
        )  # fmt: skip
        ApplicationEvent.objects.create(
            application=application, stage="completeness", actor=officer, code="submitted"
        )
        path = {"rejected": ["rejected"], "ready_for_production": ["demographic_check", "biometric_check", "approval",
                                                                   "ready_for_production"]}.get(stage, [])  # fmt: skip
        for target in path:
            move(application, target, actor=officer)
    return application


def card_for(application, actor, *, until: str = "active"):
    """A card for an approved application, moved through cards.lifecycle up to ``until``."""
    card = lifecycle.order_cards(
        actor, [(application.citizen, application, application.unit_path)], reason="lô thử"
    )[0]
    for target in ("personalised", "dispatched", "received"):
        if until == "ordered":
            return card
        card = lifecycle.transition(actor, card, target, reason="thử", **(
            {"issue_date": timezone.localdate(), "expiry": timezone.localdate() + relativedelta(years=10)}
            if target == "personalised" else {}))  # fmt: skip
        if target == until:
            return card
    return lifecycle.hand_over(actor, card, reason="trao thẻ")


@pytest.fixture
def campaign(world, officers):
    """Thái Thụy: 6 adults (one 85), one 13-year-old turning 14 in 10 days, one foreigner, one dead;
    Đông Thụy Anh: 2 adults; Ba Đình: 1 adult."""
    household = HouseholdFactory(unit=world.thai_thuy, address="Thôn Đông, Xã Thái Thụy")
    people = {
        "an": person(world.thai_thuy, household=household),
        "binh": person(world.thai_thuy, household=household),
        "cuong": person(world.thai_thuy),
        "dung": person(world.thai_thuy),
        "elder": person(world.thai_thuy, years=85),
        "away": person(world.thai_thuy, current_unit=world.ba_dinh),
        "soon": CitizenFactory(permanent_unit=world.thai_thuy, birth_date=born_years_ago(14, 10)),
        "foreigner": person(world.thai_thuy, nationality="LAO"),
        "dead": person(world.thai_thuy, date_of_death=date(2024, 1, 1)),
        "dong1": person(world.dong_thuy_anh),
        "dong2": person(world.dong_thuy_anh),
        "hanoi": person(world.ba_dinh),
    }
    household.head = people["an"]
    household.save()
    return people
