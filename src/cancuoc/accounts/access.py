"""May this user manage that officer? Officers are managed within the manager's area and never given a
role above the manager's own (``permissions.ASSIGNABLE_ROLES``). A supervisor manages the commune officers of
the area and the supervisors of units strictly below their own, never a peer of the same unit (who could
otherwise reset the other's password and take the account over)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Role, User
from .permissions import (
    ASSIGNABLE_ROLES,
    NotFound,
    PermissionDenied,
    Verb,
    area_path,
    in_area,
    require_permission,
)

__all__ = ["NotFound", "PermissionDenied"]


def assignable_roles(manager) -> tuple[Role, ...]:
    require_permission(manager, Verb.USER_MANAGE)
    return ASSIGNABLE_ROLES.get(Role(manager.role), ())


def manageable_users(manager) -> QuerySet[User]:
    path = area_path(manager, Verb.USER_MANAGE)
    users = User.objects.select_related("unit")
    if path is not None:
        users = users.filter(unit__path__startswith=path, role__in=assignable_roles(manager)).filter(
            ~Q(role=Role.SUPERVISOR) | ~Q(unit_id=manager.unit_id)
        )
    return users


def may_place(manager, role: str, unit) -> bool:
    """Whether ``manager`` may give an officer this role in this unit."""
    if role not in assignable_roles(manager):
        return False
    if unit is None:
        return area_path(manager, Verb.USER_MANAGE) is None
    if role == Role.SUPERVISOR and manager.unit_id is not None and unit.pk == manager.unit_id:
        return False  # a peer supervisor of the same unit
    return in_area(manager, Verb.USER_MANAGE, unit.path)


def access_user_by_id(manager, user_id: int) -> User:
    target = manageable_users(manager).filter(pk=user_id).first()
    if target is None or target.pk == manager.pk:  # nobody manages their own account here
        raise NotFound()
    return target
