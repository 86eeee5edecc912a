"""Which cards a user may hand over: only those waiting at a station of their area. ``cards.access`` also
reaches a card through its holder's residence (right for reading it or reporting it lost), but a card is
handed over, posted or confirmed delivered only by the station that holds it."""

from __future__ import annotations

from cancuoc.accounts.permissions import NotFound, Verb, in_area
from cancuoc.cards.access import access_card
from cancuoc.cards.models import Card


def access_station_card(user, serial) -> Card:
    """The card with this serial when it is held by a station of the user's area (CARD_HANDOVER);
    NotFound otherwise, the same as for a card that does not exist."""
    card = access_card(user, serial, Verb.CARD_HANDOVER)
    if not in_area(user, Verb.CARD_HANDOVER, card.unit_path):
        raise NotFound()
    return card
