"""Typed audit events of officer accounts. Every change of a user — by these pages, Django's admin, a
command or the shell — is written by the model signal in ``signals.py``, inside the change's transaction."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, area_of, record


def user_created(actor, user, *, reason: str, values: dict) -> None:
    record(actor, AuditEvent(Action.MANAGE, "user", str(user.pk), area_of(user), reason, {"after": values},
                             event=Event.USER_CREATED))  # fmt: skip


def user_changed(actor, user, *, reason: str, fields: dict) -> None:
    record(actor, AuditEvent(Action.MANAGE, "user", str(user.pk), area_of(user), reason, {"fields": fields},
                             event=Event.USER_CHANGED))  # fmt: skip


def user_password_set(actor, user, *, reason: str) -> None:
    record(actor, AuditEvent(Action.MANAGE, "user", str(user.pk), area_of(user), reason,
                             {"username": user.username}, event=Event.USER_PASSWORD_SET))  # fmt: skip
