"""Typed audit events of the audit log itself and of logging in and out."""

from __future__ import annotations

from .models import Action, Event
from .services import AuditEvent, area_of, record


def audit_log_read(actor, *, filters: dict, returned: int) -> None:
    shown = {key: str(value)[:150] for key, value in filters.items() if value not in (None, "")}
    record(actor, AuditEvent(Action.READ, "audit_log", "", area_of(actor), "audit log search",
                             {"filters": shown, "returned": returned}, event=Event.AUDIT_LOG_READ))  # fmt: skip


def user_logged_in(user) -> None:
    record(user, AuditEvent(Action.LOGIN, "user", str(user.pk), area_of(user), event=Event.USER_LOGGED_IN))


def user_logged_out(user) -> None:
    record(user, AuditEvent(Action.LOGOUT, "user", str(user.pk), area_of(user), event=Event.USER_LOGGED_OUT))


def login_failed(*, username: str) -> None:
    record(None, AuditEvent(Action.LOGIN_FAILED, "user", "", "", f"username={username[:100]!r}",
                            event=Event.LOGIN_FAILED))  # fmt: skip


def audit_key_rotated(actor, *, key_name: str, version: int) -> None:
    record(actor, AuditEvent(Action.MANAGE, "key", f"{key_name}.{version}", area_of(actor),
                             f"new version {version} of {key_name}", event=Event.AUDIT_KEY_ROTATED))  # fmt: skip
