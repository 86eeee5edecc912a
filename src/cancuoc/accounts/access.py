"""Who may see or change what. Every page and API call asks these helpers and nothing else.

Outside a user's area a citizen is "not found", exactly as if it did not exist, so that the answer
never tells an officer that a number exists elsewhere.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Role, User

REGISTRY_READERS = {Role.COMMUNE_OFFICER, Role.SUPERVISOR, Role.NATIONAL_ADMIN}
REGISTRY_WRITERS = {Role.COMMUNE_OFFICER, Role.SUPERVISOR, Role.NATIONAL_ADMIN}
AUDIT_READERS = {Role.AUDITOR, Role.NATIONAL_ADMIN}
IMPORTERS = {Role.COMMUNE_OFFICER, Role.SUPERVISOR, Role.NATIONAL_ADMIN}


class NotFound(Exception):
    """Missing or outside the user's area: the same answer for both."""


class Forbidden(Exception):
    """The user's role does not allow the action at all (not about a particular record)."""


def can_read_registry(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in REGISTRY_READERS


def can_change_registry(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in REGISTRY_WRITERS


def can_read_audit(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in AUDIT_READERS


def can_import(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in IMPORTERS


def unit_in_scope(user: User, unit) -> bool:
    scope = user.scope_path
    return unit is not None and (scope is None or unit.path.startswith(scope))


def unit_scope_filter(user: User, field: str = "path") -> Q:
    scope = user.scope_path
    return Q() if scope is None else Q(**{f"{field}__startswith": scope})


def scope_citizens(user: User, citizens: QuerySet) -> QuerySet:
    """The citizens this user may see: permanent, temporary or current residence in the area."""
    if not can_read_registry(user):
        return citizens.none()
    scope = user.scope_path
    if scope is None:
        return citizens
    units = units_under(scope)
    return citizens.filter(
        Q(permanent_unit__in=units) | Q(temporary_unit__in=units) | Q(current_unit__in=units)
    )


def units_under(path: str) -> list[int]:
    """The ids of the units at and under ``path``, as a literal list: a few hundred at most (a province
    has ~150 communes today), and a literal list lets the database use the residence indexes instead of
    planning a subquery against every citizen."""
    from cancuoc.units.models import AdministrativeUnit

    return list(AdministrativeUnit.objects.filter(path__startswith=path).values_list("pk", flat=True))


def citizen_in_scope(user: User, citizen) -> bool:
    if not can_read_registry(user):
        return False
    scope = user.scope_path
    if scope is None:
        return True
    from cancuoc.units.selectors import unit_path

    unit_ids = (citizen.permanent_unit_id, citizen.temporary_unit_id, citizen.current_unit_id)
    return any(unit_id is not None and unit_path(unit_id).startswith(scope) for unit_id in unit_ids)


def access_citizen_by_id_number(user: User, id_number: str, *, for_change: bool = False):
    """The citizen with this number, if the user may see it; NotFound otherwise (also when it exists
    elsewhere). One indexed lookup, then the area check on the residence units' paths."""
    from cancuoc.registry.models import Citizen

    if for_change and not can_change_registry(user):
        raise Forbidden()
    citizen = Citizen.objects.filter(id_number=id_number).first()
    if citizen is None or not citizen_in_scope(user, citizen):
        raise NotFound()
    return citizen


def access_household_by_id(user: User, household_id: int):
    from cancuoc.registry.models import Household

    if not can_read_registry(user):
        raise NotFound()
    household = Household.objects.filter(pk=household_id).select_related("unit").first()
    if household is None or not unit_in_scope(user, household.unit):
        raise NotFound()
    return household


def access_unit_by_id(user: User, unit_id: int):
    from cancuoc.units.models import AdministrativeUnit

    unit = AdministrativeUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound()
    return unit
