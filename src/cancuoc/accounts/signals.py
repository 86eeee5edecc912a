"""Every change of a user is audited, whatever path made it (these pages, Django's admin, `changepassword`,
the shell). The path that knows who acted and why says so on the instance (``audit_as``); anything else is
recorded as done by the system."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from . import events
from .models import User

TRACKED = ("username", "first_name", "last_name", "email", "role", "unit_id", "is_active", "is_staff",
           "is_superuser", "must_change_password")  # fmt: skip


def audit_as(user: User, actor, reason: str) -> User:
    """Name the acting user and the reason for the next save of ``user``."""
    user._audit_actor, user._audit_reason = actor, reason
    return user


@receiver(pre_save, sender=User)
def remember_before(sender, instance: User, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and set(update_fields) <= {"last_login"}):
        instance._audit_before = None
        return
    instance._audit_before = User.objects.filter(pk=instance.pk).values(*TRACKED, "password").first()


@receiver(post_save, sender=User)
def audit_user_change(sender, instance: User, created: bool, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    actor = getattr(instance, "_audit_actor", None)
    reason = getattr(instance, "_audit_reason", "") or "(no reason given / không ghi lý do)"
    if actor is None and update_fields is not None and set(update_fields) == {"password"}:
        # Django re-hashes a password at log-in when the hasher's settings changed: same password
        reason = "mã băm mật khẩu được nâng cấp khi đăng nhập / password hash upgraded at log-in"
    after = {name: getattr(instance, name) for name in TRACKED}
    if created:
        events.user_created(actor, instance, reason=reason, values=after)
        return
    before = getattr(instance, "_audit_before", None)
    if before is None:
        return
    fields = {name: [before[name], after[name]] for name in TRACKED if before[name] != after[name]}
    if fields:
        events.user_changed(actor, instance, reason=reason, fields=fields)
    if before["password"] != instance.password:
        events.user_password_set(actor, instance, reason=reason)
    instance._audit_before = None
