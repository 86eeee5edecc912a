"""May this user touch this citizen or household? Asked by every page, API route, import and action of the
registry; the verbs come from the permission table (``accounts.permissions``).

Outside a user's area a record is "not found", exactly as if it did not exist, so that the answer never
tells an officer that a number exists elsewhere.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb, area_path, in_area, scope_of

# Fields that belong to the commune of temporary or current residence: an officer there may change them
# even when the citizen's permanent residence (and so the identity data) lies elsewhere.
TEMPORARY_RESIDENCE_FIELDS = frozenset({"temporary_unit_code", "temporary_unit", "temporary_unit_id", "temporary_address"})
CURRENT_RESIDENCE_FIELDS = frozenset({"current_unit_code", "current_unit", "current_unit_id", "current_address"})


def units_under(path: str) -> list[int]:
    """The ids of the units at and under ``path``, as a literal list: a few hundred at most (a province
    has ~150 communes today), and a literal list lets the database use the residence indexes instead of
    planning a subquery against every citizen."""
    from cancuoc.units.models import AdministrativeUnit

    return list(AdministrativeUnit.objects.filter(path__startswith=path).values_list("pk", flat=True))


def residence_filter(path: str) -> Q:
    units = units_under(path)
    return Q(permanent_unit__in=units) | Q(temporary_unit__in=units) | Q(current_unit__in=units)


def scope_citizens(user, citizens: QuerySet, verb: Verb = Verb.CITIZEN_READ) -> QuerySet:
    """The citizens this user may see: permanent, temporary or current residence in the area."""
    if scope_of(user, verb) is None:
        return citizens.none()
    path = area_path(user, verb)
    return citizens if path is None else citizens.filter(residence_filter(path))


def _path(unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    from cancuoc.units.selectors import unit_path

    return unit_path(unit_id)


def citizen_in_area(user, citizen, verb: Verb = Verb.CITIZEN_READ) -> bool:
    unit_ids = (citizen.permanent_unit_id, citizen.temporary_unit_id, citizen.current_unit_id)
    return any(in_area(user, verb, _path(unit_id)) for unit_id in unit_ids if unit_id is not None)


def access_citizen_by_id_number(user, id_number: str, verb: Verb = Verb.CITIZEN_READ, *, where: str = "lookup"):
    """The citizen with this number, if the user may touch it with ``verb``; NotFound otherwise (also when
    it exists elsewhere), and the refused lookup is audited (``where`` says by which page or route).
    PermissionDenied when the role lacks the verb altogether."""
    from . import events
    from .models import Citizen

    if scope_of(user, verb) is None:
        # reading is never refused as such: a role without it finds nothing, like a missing number
        raise NotFound() if verb is Verb.CITIZEN_READ else PermissionDenied(verb)
    if not (isinstance(id_number, str) and len(id_number) == 12 and id_number.isascii() and id_number.isdigit()):
        # not a number at all (garbage, NUL bytes a database cannot store): not found, the probe logged as text
        if where:
            events.citizen_lookup_refused(user, id_number=repr(str(id_number))[1:-1][:40], where=where)
        raise NotFound()
    citizen = next(iter(Citizen.objects.filter(id_number=id_number)[:1]), None)  # no ORDER BY
    if citizen is None or not citizen_in_area(user, citizen, verb):
        if where:
            events.citizen_lookup_refused(user, id_number=id_number, where=where)
        raise NotFound()
    return citizen


def changeable_fields(user, citizen) -> frozenset[str] | None:
    """What this user may change on this citizen: None for every field (identity data belongs to the
    commune of permanent residence and the supervisors above it); otherwise only the residence fields of
    the commune where the citizen stays (possibly none)."""
    if in_area(user, Verb.CITIZEN_CHANGE_IDENTITY, _path(citizen.permanent_unit_id)):
        return None
    allowed: set[str] = set()
    if in_area(user, Verb.CITIZEN_CHANGE_RESIDENCE, _path(citizen.temporary_unit_id)):
        allowed |= TEMPORARY_RESIDENCE_FIELDS
    if in_area(user, Verb.CITIZEN_CHANGE_RESIDENCE, _path(citizen.current_unit_id)):
        allowed |= CURRENT_RESIDENCE_FIELDS
    return frozenset(allowed)


def access_household_by_id(user, household_id: int):
    from .models import Household

    if scope_of(user, Verb.HOUSEHOLD_READ) is None:
        raise NotFound()
    household = Household.objects.filter(pk=household_id).select_related("unit").first()
    if household is None or not in_area(user, Verb.HOUSEHOLD_READ, household.unit.path):
        raise NotFound()
    return household
