"""Log-ins, failed log-ins and log-outs go to the audit log like every other access."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Action
from .services import AuditEvent, record


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    record(user, AuditEvent(Action.LOGIN, "user", str(user.pk), user.scope_path or ""))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(user, AuditEvent(Action.LOGOUT, "user", str(user.pk), user.scope_path or ""))


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    record(
        None,
        AuditEvent(
            Action.LOGIN_FAILED, "user", "", "", f"username={credentials.get('username', '')[:100]!r}"
        ),
    )
