"""Who may read or act on which campaign area: the permission table's verbs, confined to the user's unit
subtree. An area outside it is "not found", like one that does not exist."""

from __future__ import annotations

from cancuoc.accounts.permissions import NotFound, Verb, in_area, require_permission
from cancuoc.registry.access import citizen_in_area

from .selectors import Area, area_of


def access_area(user, area: Area | None, verb: Verb = Verb.CAMPAIGN_READ) -> Area:
    """``area`` if ``user`` may use ``verb`` on it (a ceased unit: on all of its successors)."""
    require_permission(user, verb)
    if area is None:
        raise NotFound()
    paths = [unit.path for unit in area.successors] if area.ceased else [area.path]
    if area.unit is None:
        paths = ["/"]
    if not all(in_area(user, verb, path if path != "/" else None) for path in paths):
        raise NotFound()
    return area


def home_area(user) -> Area:
    """Where a user's dashboard opens: their unit, or the country for a national role."""
    return area_of(getattr(user, "unit", None))


def access_citizen(user, citizen, verb: Verb) -> None:
    require_permission(user, verb)
    if citizen is None or not citizen_in_area(user, citizen, verb):
        raise NotFound()
