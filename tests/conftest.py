import pytest

from cancuoc.accounts.models import Role

from .factories import UserFactory, World


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2 is the production hasher (tested in tests/web/test_security.py); tests hash thousands of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def officers(world):
    """One user per role; commune officers of two different communes."""
    return {
        "thai_thuy": UserFactory(
            username="officer_thai_thuy", role=Role.COMMUNE_OFFICER, unit=world.thai_thuy
        ),
        "ba_dinh": UserFactory(username="officer_ba_dinh", role=Role.COMMUNE_OFFICER, unit=world.ba_dinh),
        "hung_yen": UserFactory(username="supervisor_hung_yen", role=Role.SUPERVISOR, unit=world.hung_yen),
        "admin": UserFactory(username="admin", role=Role.NATIONAL_ADMIN, unit=None),
        "auditor": UserFactory(username="auditor", role=Role.AUDITOR, unit=None),
        "production": UserFactory(username="production", role=Role.PRODUCTION_OPERATOR, unit=None),
    }


@pytest.fixture
def flushable_audit_log(transactional_db):
    """Transactional tests end with a flush; SQLite flushes with DELETE, which the guard refuses, so
    such tests run without it (tests/audit re-installs it for the tests that exercise it)."""
    from django.db import connection

    from cancuoc.audit import guard

    if connection.vendor == "sqlite":
        guard.remove(connection)

