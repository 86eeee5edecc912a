"""Audited citizen search while a 150,000-row import applies (issue 7: goal p99 under 100 ms on PostgreSQL).

    python bench/audit_search_during_import.py [--database postgresql|sqlite] [--rows 150000]

Recreates a bench database (PostgreSQL ``cancuoc_bench_audit``, or a SQLite file in var/bench-audit), loads
the units and a first 20,000 citizens, then starts ``cancuoc import FILE --user bench --yes`` of a generated
150,000-row CSV in another process. Meanwhile one client searches by name through HTTP: ``GET
/api/v1/citizens?q=…`` against Django's ``runserver`` started by this script (logged in; every search
writes its audit entry), sequentially. Latencies are grouped by what the import was doing (checking the
file, applying it in one transaction). Afterwards ``audit seal`` and ``audit verify``.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_million import recreate_database, write_csv  # noqa: E402
from report import ROOT, database_version, percentiles, record, setup_django  # noqa: E402

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_bench_audit"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--seed-rows", type=int, default=20_000)
    args = parser.parse_args()
    var_dir = ROOT / "var" / f"bench-audit-{args.database}"
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    env = {**os.environ, "CANCUOC_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "cancuoc.settings",
           "CANCUOC_LEGACY_DATA_DIR": os.environ.get("CANCUOC_LEGACY_DATA_DIR", str(ROOT / "var" / "data"))}  # fmt: skip
    os.environ["CANCUOC_LEGACY_DATA_DIR"] = env["CANCUOC_LEGACY_DATA_DIR"]
    if args.database == "postgresql":
        recreate_database(POSTGRES_URL)
        env["DATABASE_URL"] = POSTGRES_URL
        setup_django(POSTGRES_URL, str(var_dir))
    else:
        env.pop("DATABASE_URL", None)
        os.environ.pop("DATABASE_URL", None)
        setup_django(None, str(var_dir))
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection

    from cancuoc.accounts.models import Role, User
    from cancuoc.imports import services
    from cancuoc.imports.models import ImportJob
    from cancuoc.registry import events as registry_events
    from cancuoc.registry.models import Citizen
    from cancuoc.rules.text import fold

    call_command("migrate", verbosity=0)
    call_command("units", "load")
    officer = User.objects.create_user("bench", password="bench-password-123", role=Role.NATIONAL_ADMIN)
    first = var_dir / "seed.csv"
    write_csv(first, args.seed_rows, seed=3)
    job = services.apply_job(services.validate_job(services.create_job(officer, first, first.name)))
    assert job.status == "applied", job.error_en
    big = var_dir / "import.csv"
    write_csv(big, args.rows, seed=11)
    names = [fold(name) for name in Citizen.objects.order_by("?").values_list("full_name", flat=True)[:2000]]
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(officer.pk), settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = officer.get_session_auth_hash()
    session.create()
    connection.close()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cancuoc.cli", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    failures = {"n": 0}

    def ready() -> bool:
        try:
            with urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/citizens?q=a", headers={"Cookie": cookie}), timeout=5) as answer:
                return answer.status == 200
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def append_alone(index: int) -> float:
        """The audit write of a search by itself, from this third process: does it wait for the import?"""
        start = time.perf_counter()
        registry_events.citizens_searched(officer, query=names[index % len(names)], birth_year=None, returned=[])
        return (time.perf_counter() - start) * 1000

    def search(index: int) -> float:
        url = f"http://127.0.0.1:{port}/api/v1/citizens?" + urllib.parse.urlencode({"q": names[index % len(names)],
                                                                                     "limit": 20})  # fmt: skip
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                json.loads(answer.read())
        except Exception:  # noqa: BLE001 - a failed search is counted, not fatal
            failures["n"] += 1
        return (time.perf_counter() - start) * 1000

    try:
        for _ in range(600):
            if ready():
                break
            time.sleep(0.2)
        else:
            sys.exit("runserver did not answer")
        for index in range(50):  # warm up
            search(index)
        baseline = [search(index) for index in range(500)]
        baseline_append = [append_alone(index) for index in range(200)]
        loads = [os.getloadavg()[0]]
        failures["n"] = 0
        importer = subprocess.Popen([sys.executable, "-m", "cancuoc.cli", "import", str(big), "--user", "bench", "--yes"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        started = time.perf_counter()
        samples: dict[str, list[float]] = {"validating": [], "applying": [], "other": []}
        appends: dict[str, list[float]] = {"validating": [], "applying": [], "other": []}
        index, phase, last_poll = 0, "other", 0.0
        while importer.poll() is None:
            now = time.perf_counter()
            if now - last_poll > 0.25:
                status = ImportJob.objects.order_by("-pk").values_list("status", flat=True).first()
                connection.close()
                phase = status if status in samples else "other"
                last_poll = now
                loads.append(os.getloadavg()[0])
            samples[phase].append(search(index))
            appends[phase].append(append_alone(index))
            index += 1
        import_seconds = time.perf_counter() - started
        output = importer.stdout.read()
        job = ImportJob.objects.order_by("-pk").first()
        assert job.status == "applied", output[-2000:]
    finally:
        server.terminate()
        server.wait(10)
    start = time.perf_counter()
    sealed = subprocess.run([sys.executable, "-m", "cancuoc.cli", "audit", "seal"], env=env, capture_output=True,
                            text=True)  # fmt: skip
    seal_seconds = time.perf_counter() - start
    start = time.perf_counter()
    verified = subprocess.run([sys.executable, "-m", "cancuoc.cli", "audit", "verify"], env=env, capture_output=True,
                              text=True)  # fmt: skip
    verify_seconds = time.perf_counter() - start
    assert sealed.returncode == 0 and verified.returncode == 0, sealed.stderr + verified.stderr

    def cells(values: list[float]) -> str:
        if len(values) < 5:
            return "– | – | – | –"
        p = percentiles(values)
        return f"{p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | {p['max']:.0f}"

    def row(what: str, values: list[float], alone: list[float]) -> str:
        return f"| {what} | {len(values)} | {cells(values)} | {cells(alone)} |"

    apply_p99 = percentiles(samples["applying"])["p99"] if len(samples["applying"]) >= 5 else float("nan")
    record(
        f"audit-search-during-import-{args.database}",
        f"Audited search while a {args.rows:,}-row import applies ({database_version(connection)})",
        f"""`bench/audit_search_during_import.py --database {args.database}`: {args.seed_rows:,} citizens loaded
first; then `cancuoc import FILE --user bench --yes` of a generated {args.rows:,}-row CSV runs in another
process ({import_seconds:.0f} s: check, then apply in one transaction with an audit entry per citizen).
Meanwhile one client searches by name through HTTP, sequentially: `GET /api/v1/citizens?q=…&limit=20`
against Django's `runserver` started by the script, logged in; each search writes its audit entry.
After each search the script also writes a search's audit entry itself (`registry.events.citizens_searched`,
a third process): that column shows whether appending waits for the import. Latency in ms, grouped by the
import's state when the search was sent. Failed searches: {failures['n']}. Load average (1 min) during the
run: {min(loads):.1f}–{max(loads):.1f} on 2 cores (other work shares this machine).

| while the import is | searches | HTTP p50 | p95 | p99 | max | audit append alone p50 | p95 | p99 | max |
|---|---|---|---|---|---|---|---|---|---|
{row("not running (baseline)", baseline, baseline_append)}
{row("checking the file", samples["validating"], appends["validating"])}
{row("applying (one write transaction)", samples["applying"], appends["applying"])}
{row("starting / finishing", samples["other"], appends["other"])}

{"Goal" if args.database == "postgresql" else "Goal (set for PostgreSQL)"}: p99 under 100 ms while applying: **{apply_p99:.1f} ms**. Afterwards `audit seal` sealed
the log in {seal_seconds:.1f} s and `audit verify` checked it in {verify_seconds:.1f} s
({verified.stdout.strip().splitlines()[-1] if verified.stdout.strip() else ''}).
""",
    )


if __name__ == "__main__":
    main()
