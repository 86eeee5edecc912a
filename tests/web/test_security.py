import os
import secrets
import subprocess
import sys

from django.conf import settings as django_settings

from cancuoc.accounts.models import User


def test_deploy_checks_pass_with_production_settings():
    env = {**os.environ, "CANCUOC_ENV": "production", "CANCUOC_SECRET_KEY": secrets.token_urlsafe(50),
           "CANCUOC_ALLOWED_HOSTS": "cancuoc.example.vn", "DJANGO_SETTINGS_MODULE": "cancuoc.settings"}  # fmt: skip
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "-m", "cancuoc.cli", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "CANCUOC_ENV": "production", "DJANGO_SETTINGS_MODULE": "cancuoc.settings"}
    env.pop("CANCUOC_SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-m", "cancuoc.cli", "check"], env=env, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode != 0 and "CANCUOC_SECRET_KEY" in result.stderr


def test_passwords_are_hashed_with_argon2(db):
    from django.test import override_settings

    from cancuoc import settings as production

    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = User.objects.create_user("argon", password="a-long-enough-password", role="national_admin")
        assert user.password.startswith("argon2$")
    assert django_settings.AUTH_USER_MODEL == "accounts.User"


def test_login_is_throttled_after_five_failures(client, officers):
    for _ in range(5):
        client.post("/login/", {"username": "officer_thai_thuy", "password": "wrong"})
    locked = client.post("/login/", {"username": "officer_thai_thuy", "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "15" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_forms_require_csrf(officers):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(officers["thai_thuy"])
    assert strict.post("/imports/upload/").status_code == 403
    assert strict.post("/api/v1/citizens", "{}", content_type="application/json").status_code == 403
