"""May this user touch this card: a card belongs to the unit of the station that hands it over
(``Card.unit_path``) and to its holder's residence; a user reaches it when either lies in their area for
the verb. Missing and forbidden look the same (``NotFound``); a malformed serial is simply not found."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cancuoc.accounts.permissions import NotFound, Scope, Verb, in_area, require_permission
from cancuoc.registry.access import citizen_in_area
from cancuoc.rules.cardstates import is_serial

from .models import Card


def scope_cards(user, cards: QuerySet, verb: Verb = Verb.CARD_READ) -> QuerySet:
    """The cards of ``cards`` this user reaches with ``verb`` by the station's unit (lists; a card found
    through its holder's residence is reached by ``access_card``)."""
    scope = require_permission(user, verb)
    if scope is Scope.NATIONAL:
        return cards
    return cards.filter(Q(unit_path__startswith=user.unit.path))


def card_in_area(user, card: Card, verb: Verb) -> bool:
    return in_area(user, verb, card.unit_path) or citizen_in_area(user, card.citizen, verb)


def access_card(user, serial, verb: Verb = Verb.CARD_READ) -> Card:
    """The card with this serial when the user may act on it with ``verb``; NotFound otherwise."""
    require_permission(user, verb)
    text = serial.strip().upper() if isinstance(serial, str) else ""
    if not is_serial(text):
        raise NotFound()
    card = Card.objects.select_related("citizen", "application").filter(serial=text).first()
    if card is None or not card_in_area(user, card, verb):
        raise NotFound()
    return card
