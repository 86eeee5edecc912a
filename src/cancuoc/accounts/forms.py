"""The log-in form: Django's, with a username longer than any account's refused before authentication
(the lock-out records of django-axes keep at most 255 characters; PostgreSQL would refuse the row)."""

from django.contrib.auth.forms import AuthenticationForm

from cancuoc.audit import events as audit_events

from .models import User

MAX_USERNAME = User._meta.get_field("username").max_length


class LoginForm(AuthenticationForm):
    def clean(self):
        username = self.data.get("username") or ""
        if len(username) > MAX_USERNAME:
            audit_events.login_failed(username=username)  # kept in the log like any failed log-in
            raise self.get_invalid_login_error()
        return super().clean()
