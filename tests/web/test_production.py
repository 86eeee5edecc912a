"""Production serving: the real application server, collected static files, the health endpoint, and
backup and restore of the database (scripts/backup.sh, scripts/restore.sh)."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import DatabaseError, connection

from cancuoc.web import health
from cancuoc.web.management.commands import serve

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, **headers):
    """(status, headers (case-insensitive), body), without following redirects."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def production_environment(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "CANCUOC_ENV": "production", "CANCUOC_SECRET_KEY": secrets.token_urlsafe(50),
           "CANCUOC_ALLOWED_HOSTS": "127.0.0.1", "CANCUOC_VAR_DIR": str(tmp_path / "var"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "cancuoc.settings", "CANCUOC_WEB_WORKERS": "1", "CANCUOC_WEB_THREADS": "2"}  # fmt: skip
    env.pop("CANCUOC_KEYS_DIR", None)
    return env


@pytest.fixture
def production_server(tmp_path):
    """`cancuoc serve` with CANCUOC_ENV=production on a free localhost port; yields its base URL."""
    port = free_port()
    env = production_environment(tmp_path)
    subprocess.run([sys.executable, "-m", "cancuoc.cli", "migrate", "--no-input", "-v", "0"], env=env, check=True,
                   timeout=300)  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "cancuoc.cli", "serve", f"127.0.0.1:{port}", "--no-worker"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if fetch(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the production server did not start:\n" + process.stdout.read().decode())
            time.sleep(0.2)
        yield base, Path(env["CANCUOC_VAR_DIR"])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        process.stdout.close()


# As the reverse proxy does: production redirects plain HTTP to HTTPS unless the proxy says it was HTTPS.
BEHIND_PROXY = {"X-Forwarded-Proto": "https"}


def test_production_serves_collected_static_files_on_the_application_server(production_server):
    base, var_dir = production_server
    status, headers, body = fetch(f"{base}/static/cancuoc/site.css", **BEHIND_PROXY)
    assert status == 200 and headers["Content-Type"].startswith("text/css") and len(body) > 100
    assert headers.get("Server") == "granian"  # not Django's development server

    # collectstatic ran: hashed names, which are cached for a long time, and the pages link to them.
    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())["paths"]
    hashed = manifest["cancuoc/site.css"]
    assert hashed != "cancuoc/site.css"
    status, headers, _ = fetch(f"{base}/static/{hashed}", **BEHIND_PROXY)
    assert status == 200 and "immutable" in headers["Cache-Control"]
    assert int(headers["Cache-Control"].split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600
    status, _, page = fetch(f"{base}/login/", **BEHIND_PROXY)
    assert status == 200 and f"/static/{hashed}".encode() in page


def test_production_redirects_plain_http_but_not_the_health_check(production_server):
    base, _ = production_server
    status, headers, _ = fetch(f"{base}/login/")
    assert status == 301 and headers["Location"].startswith("https://")
    status, headers, body = fetch(f"{base}/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "database": "ok"}
    assert "no-store" in headers["Cache-Control"]


def test_the_development_server_is_refused_in_production(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cancuoc.cli", "serve", "--server", "development"],
                            env=production_environment(tmp_path), capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0 and "development server is not for production" in result.stderr


def test_health_needs_no_login_and_shows_no_personal_data(client, db):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in answer["Cache-Control"]


def test_health_answers_503_when_the_database_does_not(client, db, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(health, "connection", Unreachable())
    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"


def test_supervisor_restarts_a_worker_that_died_and_stops_with_the_server(tmp_path, monkeypatch):
    monkeypatch.setattr(serve, "WORKER_RESTART_DELAY", 0.05)
    starts = tmp_path / "starts"
    worker = [sys.executable, "-c", f"open({str(starts)!r}, 'a').write('x')"]
    server = [sys.executable, "-c", "import time; time.sleep(1.5)"]

    class Log:
        lines: list[str] = []

        def write(self, line):
            self.lines.append(line)

    status = serve.supervise(server, worker, Log())
    assert status == 0
    assert len(starts.read_text()) >= 3  # started, died, started again...
    assert any("restarting" in line for line in Log.lines)


def test_serve_binds_localhost_when_given_only_a_port():
    assert serve.bind_address("8000") == "127.0.0.1:8000"
    assert serve.bind_address("unix:/run/cancuoc/web.sock") == "unix:/run/cancuoc/web.sock"
    command = serve.server_command("granian", "0.0.0.0:9000", workers=3, threads=4)
    assert command[1:3] == ["-m", "granian"] and command[-1] == "cancuoc.wsgi:application"
    assert command[command.index("--host") + 1] == "0.0.0.0" and command[command.index("--port") + 1] == "9000"
    assert command[command.index("--workers") + 1] == "3" and command[command.index("--blocking-threads") + 1] == "4"
    command = serve.server_command("granian", "unix:/run/cancuoc/web.sock", workers=2, threads=2)
    assert command[command.index("--uds") + 1] == "/run/cancuoc/web.sock" and "--host" not in command


# --- Backup and restore (PostgreSQL) ----------------------------------------------------------------------


def table_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def restored_database_url():
    """A database name beside the test database, dropped afterwards."""
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_restored"
    server = f"postgresql://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    yield f"{server}/{name}", f"{server}/{settings['NAME']}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_backup_restores_into_an_empty_database_that_verifies(flushable_audit_log, officers, tmp_path, request):
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore use pg_dump and pg_restore: run with DATABASE_URL=postgresql://...")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    from cancuoc import keyring
    from cancuoc.audit.models import AuditEntry
    from cancuoc.registry import actions
    from cancuoc.registry.models import Citizen

    # Data made through actions, each audited: citizens created, one changed, one read.
    officer = officers["thai_thuy"]
    created = []
    for serial, given_name in enumerate(["An", "Bình", "Chi", "Dũng", "Hà"]):
        raw = {"id_number": f"03419000{serial:04d}", "family_name": "Trần", "middle_name": "Văn",
               "given_name": given_name, "birth_date": "15/03/1990", "sex": "Nam", "ethnicity": "Kinh",
               "permanent_unit_code": "12730", "birth_registration_unit_code": "34"}  # fmt: skip
        created.append(actions.create_citizen(officer, raw, reason="đăng ký mới"))
    actions.update_citizen(officer, created[0], {"permanent_address": "Thôn Đông"},
                           reason="chuyển nhà", expected_version=created[0].version)  # fmt: skip
    actions.record_read(officer, created[1])
    assert Citizen.objects.count() == 5 and AuditEntry.objects.count() >= 7
    connection.close()  # nothing left open in a transaction: the dump sees what the actions committed

    restored_url, source_url = request.getfixturevalue("restored_database_url")
    key = keyring.current("backup-check")  # whatever else the keys folder holds, it holds this one
    env = {**os.environ, "CANCUOC_KEYS_DIR": str(keyring.keys_dir())}
    backup = subprocess.run([str(ROOT / "scripts" / "backup.sh"), source_url, str(tmp_path / "dumps"),
                             "--with-secrets", str(tmp_path / "secrets")],
                            env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    dump = Path(backup.stdout.splitlines()[0])
    assert dump.is_file() and (dump.stat().st_mode & 0o077) == 0
    with tarfile.open(Path(backup.stdout.splitlines()[1])) as archive:
        kept = archive.extractfile(f"{keyring.keys_dir().name}/backup-check.{key.version}.key").read()
    assert kept == key.secret

    restore = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(dump), restored_url],
                             env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert restore.returncode == 0, restore.stderr

    verify = subprocess.run([sys.executable, "-m", "cancuoc.cli", "audit", "verify"],
                            env={**env, "DATABASE_URL": restored_url, "DJANGO_SETTINGS_MODULE": "cancuoc.settings"},
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert verify.returncode == 0, verify.stdout + verify.stderr

    import psycopg

    with psycopg.connect(source_url) as source, psycopg.connect(restored_url) as copy:
        expected = table_counts(source.cursor())
        assert table_counts(copy.cursor()) == expected
    assert expected["registry_citizen"] == 5

    # A second restore into the now non-empty database is refused and changes nothing.
    again = subprocess.run([str(ROOT / "scripts" / "restore.sh"), str(dump), restored_url],
                           env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode != 0 and "not empty" in again.stderr
    with psycopg.connect(restored_url) as copy:
        assert table_counts(copy.cursor()) == expected


def test_the_client_address_comes_from_the_proxy_only_when_the_peer_is_trusted():
    from cancuoc.wsgi import client_address_from_proxy

    seen = []
    app = client_address_from_proxy(lambda environ, _start: seen.append(environ["REMOTE_ADDR"]), frozenset({"127.0.0.1"}))
    app({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"}, None)  # nginx on this machine
    app({"REMOTE_ADDR": "198.51.100.9", "HTTP_X_REAL_IP": "203.0.113.7"}, None)  # someone else: ignored
    app({"REMOTE_ADDR": "", "HTTP_X_REAL_IP": "203.0.113.8"}, None)  # the unix socket
    app({"REMOTE_ADDR": "127.0.0.1"}, None)
    assert seen == ["203.0.113.7", "198.51.100.9", "203.0.113.8", "127.0.0.1"]
    untrusting = client_address_from_proxy(lambda environ, _start: seen.append(environ["REMOTE_ADDR"]), frozenset())
    untrusting({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"}, None)  # the demo trusts no proxy
    assert seen[-1] == "127.0.0.1"
