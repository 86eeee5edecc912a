"""scripts/db-roles.sh on this machine's PostgreSQL: the owner migrates, the application appends to the audit
log (and seals and verifies it) but can neither change nor remove audit rows."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


@pytest.fixture
def roles_database(db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("database roles are a PostgreSQL matter")
    settings = connection.settings_dict
    name = f"{settings['NAME']}_roles"[:50]
    server = f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} user={settings['USER']}"
    password = f" password={settings['PASSWORD']}" if settings["PASSWORD"] else ""
    owner, app = f"{name}_owner", f"{name}_app"

    def url(role):
        secret = f":{settings['PASSWORD']}" if settings["PASSWORD"] and role == settings["USER"] else ""
        return f"postgresql://{role}{secret}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"

    def drop():
        with psycopg.connect(server + password + " dbname=postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (owner, app):
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')

    drop()
    with psycopg.connect(server + password + " dbname=postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {"superuser": url(settings["USER"]), "owner": url(owner), "app": url(app), "owner_role": owner,
           "app_role": app, "var": tmp_path}  # fmt: skip
    drop()


def _run(command, database_url, var_dir):
    env = {**os.environ, "DATABASE_URL": database_url, "CANCUOC_VAR_DIR": str(var_dir),
           "DJANGO_SETTINGS_MODULE": "cancuoc.settings"}  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_application_role_may_append_to_the_audit_log_but_not_change_it(roles_database):
    r = roles_database
    roles = [str(ROOT / "scripts" / "db-roles.sh"), r["superuser"], "--owner", r["owner_role"], "--app", r["app_role"]]
    cancuoc = [sys.executable, "-m", "cancuoc.cli"]
    _run(roles, r["superuser"], r["var"])
    _run([*cancuoc, "migrate", "-v0"], r["owner"], r["var"])
    _run(roles, r["superuser"], r["var"])  # again after the migration: the new tables
    script = "from cancuoc.audit import events; [events.login_failed(username=f'u{i}') for i in range(3)]"
    _run([*cancuoc, "shell", "-c", script], r["app"], r["var"])
    assert "sealed 3 entries" in _run([*cancuoc, "audit", "seal"], r["app"], r["var"])
    assert "3 entries" in _run([*cancuoc, "audit", "verify"], r["app"], r["var"])
    refused = [
        "UPDATE audit_auditentry SET reason = 'changed'",
        "DELETE FROM audit_auditentry",
        "TRUNCATE audit_auditentry",
        "UPDATE audit_auditcheckpoint SET chain_hash = ''",
        "DELETE FROM audit_auditcheckpoint",
        "DROP TRIGGER audit_entry_no_change ON audit_auditentry",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
        "CREATE TABLE intruder (n int)",
    ]
    with psycopg.connect(r["app"], autocommit=True) as app:
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # what the application does need still works
        app.execute("UPDATE accounts_user SET is_active = is_active WHERE false")
        assert app.execute("SELECT COUNT(*) FROM audit_auditentry").fetchone()[0] == 3
    with psycopg.connect(r["owner"], autocommit=True) as owner:
        owner_tables = owner.execute(
            "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> %s", [r["owner_role"]]
        ).fetchone()[0]
    assert owner_tables == 0
