"""Log-ins, failed log-ins and log-outs go to the audit log like every other access."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import events


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    events.user_logged_in(user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        events.user_logged_out(user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    events.login_failed(username=str(credentials.get("username", "")))
