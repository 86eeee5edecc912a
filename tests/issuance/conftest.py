import time

import pytest
from django.db import OperationalError, connection

from cancuoc.cards import lifecycle
from tests.cardworld import ready_application, station_of
from tests.factories import CitizenFactory


def received_card(citizen, unit, officer, production):
    """A card of ``citizen`` waiting at the station of ``unit`` (state ``received``), moved there through
    ``cards.lifecycle`` as production and the station's receipt would."""
    application = ready_application(citizen, station_of(unit), officer)
    (card,) = lifecycle.order_cards(production, [(citizen, application, application.unit_path)], reason="lô thử")
    for state, actor in (("personalised", production), ("dispatched", production), ("received", officer)):
        card = lifecycle.transition(actor, card, state, reason=f"→ {state}")
    return card


@pytest.fixture
def card(world, officers):
    citizen = CitizenFactory(permanent_unit=world.thai_thuy)
    return received_card(citizen, world.thai_thuy, officers["thai_thuy"], officers["production"])


@pytest.fixture
def other_card(world, officers):
    """A card waiting at Ba Đình, another commune in another province."""
    citizen = CitizenFactory(permanent_unit=world.ba_dinh)
    return received_card(citizen, world.ba_dinh, officers["ba_dinh"], officers["production"])


@pytest.fixture
def outbox_log(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CANCUOC_OUTBOX_SENDER = "cancuoc.issuance.outbox.LogSender"
    return tmp_path / "outbox" / "messages.log"


def attempt_as_a_user_would(action, errors) -> str:
    """Run ``action`` in a thread racing another: "done", the refusal's code, or the error's type. SQLite's
    in-memory test database (shared cache) answers "locked" at once where a database file waits for the
    lock, so there a locked attempt is made again, as the officer would click again; the exactly-once
    outcome is then the application's to guarantee on both databases."""
    for _ in range(100):
        try:
            action()
            return "done"
        except errors as error:
            return str(error.code)
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                return type(error).__name__
            time.sleep(0.02)
        except Exception as error:
            return type(error).__name__
    return "still locked"
