"""The only write path for officer accounts from the site: create, change (role, area, active) and reset
a password. Each takes the acting manager and a reason, checks the permission table and the manager's area,
and runs in one transaction; the audit entry is written by ``signals.py`` inside it."""

from __future__ import annotations

import re
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cancuoc.units.models import Level

from . import access
from .errors import AccountError, AccountErrorCode
from .models import AREA_ROLES, Role, User
from .signals import audit_as

_USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,150}$")
# A temporary password: 12 characters from an alphabet without look-alikes (0/O, 1/l/I), read out or printed
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _require_reason(reason: str) -> None:
    if not reason or not reason.strip():
        raise AccountError(AccountErrorCode.REASON_REQUIRED, "reason")


def resolve_unit(code: str):
    """A unit in force by its code (province or commune), or None for an empty code."""
    from cancuoc.units.models import AdministrativeUnit

    code = (code or "").strip()
    if not code:
        return None
    unit = AdministrativeUnit.objects.filter(code=code, valid_to__isnull=True).order_by("level").first()
    if unit is None:
        raise AccountError(AccountErrorCode.UNIT_UNKNOWN, "unit")
    return unit


def _check_placement(manager, role: str, unit) -> None:
    if role not in access.assignable_roles(manager):
        raise AccountError(AccountErrorCode.ROLE_NOT_ASSIGNABLE, "role")
    if role in AREA_ROLES and unit is None:
        raise AccountError(AccountErrorCode.UNIT_REQUIRED, "unit")
    if role == Role.COMMUNE_OFFICER and unit.level != Level.COMMUNE:
        raise AccountError(AccountErrorCode.UNIT_NOT_A_COMMUNE, "unit")
    if role not in AREA_ROLES and unit is not None:
        raise AccountError(AccountErrorCode.UNIT_NOT_ALLOWED, "unit")
    if not access.may_place(manager, role, unit):
        raise AccountError(AccountErrorCode.UNIT_OUTSIDE_AREA, "unit")


def _password_problems(password: str, user: User, language: str) -> str:
    """Django's password validators' objections in one language ("" when there are none)."""
    from django.utils import translation

    with translation.override(language):
        try:
            validate_password(password, user)
        except ValidationError as error:
            return " ".join(error.messages)
    return ""


def temporary_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


@transaction.atomic
def create_officer(manager, *, username: str, full_name: str, role: str, unit, reason: str) -> tuple[User, str]:
    """A new account with a temporary password (returned once, never stored in clear) that the officer
    must change at the first log-in."""
    _require_reason(reason)
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise AccountError(AccountErrorCode.USERNAME_INVALID, "username")
    _check_placement(manager, role, unit)
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(AccountErrorCode.USERNAME_TAKEN, "username")
    family, _, given = (full_name or "").strip().rpartition(" ")
    password = temporary_password()
    user = User(username=username, first_name=given[:150], last_name=family[:150], role=role, unit=unit,
                must_change_password=True)  # fmt: skip
    user.set_password(password)
    audit_as(user, manager, reason)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # the same username submitted twice at once
        raise AccountError(AccountErrorCode.USERNAME_TAKEN, "username") from error
    return user, password


@transaction.atomic
def change_officer(manager, target: User, *, role: str, unit, is_active: bool, reason: str) -> User:
    _require_reason(reason)
    access.access_user_by_id(manager, target.pk)  # NotFound outside the manager's reach
    locked = User.objects.select_for_update().get(pk=target.pk)
    _check_placement(manager, role, unit)
    locked.role, locked.unit, locked.is_active = role, unit, is_active
    locked.is_staff = locked.is_superuser = locked.is_staff and role == Role.NATIONAL_ADMIN
    audit_as(locked, manager, reason).save()
    return locked


@transaction.atomic
def reset_password(manager, target: User, *, reason: str) -> str:
    """A new temporary password, to be changed at the next log-in. Returns it once."""
    _require_reason(reason)
    locked = User.objects.select_for_update().get(pk=access.access_user_by_id(manager, target.pk).pk)
    password = temporary_password()
    locked.set_password(password)
    locked.must_change_password = True
    audit_as(locked, manager, reason).save()
    return password


@transaction.atomic
def set_own_password(user: User, new_password: str) -> None:
    if user.check_password(new_password):  # a temporary password stays known to whoever read it out
        raise AccountError(AccountErrorCode.PASSWORD_UNCHANGED, "new_password")
    detail_vi = _password_problems(new_password, user, "vi")
    if detail_vi:
        raise AccountError(AccountErrorCode.WEAK_PASSWORD, "new_password", detail_vi=detail_vi,
                           detail_en=_password_problems(new_password, user, "en"))  # fmt: skip
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.set_password(new_password)
    locked.must_change_password = False
    audit_as(locked, user, "đổi mật khẩu của chính mình / own password change").save()
    user.password, user.must_change_password = locked.password, False
