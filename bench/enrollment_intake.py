"""Enrollment intake through HTTP: ``POST /api/v1/applications`` with a ~200 KB biometric payload, production
server, PostgreSQL.

    python bench/enrollment_intake.py [--clients 8,32] [--duration 15] [--payload-kb 200] [--profile 30]

The database is bench/enrollment_common.py's (made on the first run: 100,000 demo citizens of province
01, a few minutes). Starts ``cancuoc serve --no-worker`` with CANCUOC_ENV=production on a free localhost
port, logs in through the login page as the bench officer (a province supervisor working at a station),
and drives it with ``wrk`` (Debian package ``wrk``): each connection sends its next application as soon as
the previous answer arrived, each for another citizen who has never applied, each with its own
Idempotency-Key. The body is a real capture: the compliant portrait of tests/faces/portraits.py (JPEG
90) and ten synthetic prints (``generate_finger``) as JPEG at the quality that keeps the JSON near
``--payload-kb``. After each run the database is checked: one application per 201 (plus at most one per
connection cut at the end of the run), each with its sealed capture, history entry, audit entry and
queued task, and no capture without an application. ``--profile N`` profiles N submissions in this process
(cProfile, the same view and database) and prints where a request's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from enrollment_common import (  # noqa: E402
    DEFAULT_URL,
    PYTHON,
    api_headers,
    ensure_officer,
    environment,
    free_port,
    fresh_citizens,
    intake_body,
    load_average,
    log_in,
    portrait_jpeg,
    prepare,
    sized_fingers,
)
from http_lookup import stop, wait_until_up  # noqa: E402
from report import ROOT, record  # noqa: E402

WARM_UP = 400  # citizens for the warm-up run
WRK_SCRIPT = r"""
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
local function slurp(name) local f = io.open(os.getenv(name), "rb"); local s = f:read("*a"); f:close(); return s end
local prefix, suffix = slurp("BENCH_BODY_PREFIX"), slurp("BENCH_BODY_SUFFIX")
local run = os.getenv("BENCH_RUN")
local threads = {}
local next_index = 0
setup = function(thread)
  thread:set("index", next_index); next_index = next_index + 1; table.insert(threads, thread)
end
init = function(args)
  counter = 0; created = 0; repeated = 0; other = 0; first_error = ""
  headers = {["Cookie"] = os.getenv("BENCH_COOKIE"), ["X-CSRFToken"] = os.getenv("BENCH_CSRF"),
             ["Referer"] = "https://127.0.0.1/enrollment/", ["X-Forwarded-Proto"] = "https",
             ["Host"] = "127.0.0.1", ["Content-Type"] = "application/json"}
  stride = tonumber(os.getenv("BENCH_THREADS"))
end
request = function()
  -- thread i takes ids i+1, i+1+stride, ...: every request of the run is another citizen
  local id = ids[(index + counter * stride) % #ids + 1]
  counter = counter + 1
  headers["Idempotency-Key"] = run .. "-" .. index .. "-" .. counter
  return wrk.format("POST", "/api/v1/applications", headers, prefix .. id .. suffix)
end
response = function(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 200 then repeated = repeated + 1
  else
    other = other + 1
    if first_error == "" then first_error = status .. " " .. string.sub(body, 1, 160) end
  end
end
done = function(summary, latency, requests)
  local c, r, o, e = 0, 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("created"); r = r + t:get("repeated"); o = o + t:get("other")
    if e == "" then e = t:get("first_error") end
  end
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p90": %f, "p99": %f, ' ..
    '"max": %f, "created": %d, "repeated": %d, "other": %d, "socket_errors": %d, "first_error": %q}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, c, r, o,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, e))
end
"""


def body_parts(fingers: dict[int, bytes]) -> tuple[str, str, int]:
    """The JSON body split around the ID number (the only part that changes), and its size."""
    marker = "9" * 12
    text = json.dumps(intake_body(marker, portrait_jpeg(), fingers))
    prefix, suffix = text.split(marker)
    return prefix, suffix, len(text.encode())


def start_server(database_url: str, port: int) -> subprocess.Popen:
    command = [PYTHON, "-m", "cancuoc.cli", "serve", f"127.0.0.1:{port}", "--no-worker"]
    return subprocess.Popen(command, env=environment(database_url, production=True), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip


def process_cpu(stat: Path) -> tuple[str, int, float]:
    """(command name, session id, CPU seconds used so far) of a process, from its /proc/PID/stat."""
    text = stat.read_text()
    fields = text.rsplit(")", 1)[1].split()
    seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return text[text.index("(") + 1 : text.rindex(")")], int(fields[3]), seconds


def cpu_by_group(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's processes (its session), by PostgreSQL's and by the load
    generator (waited-for children of this process: wrk)."""
    used = {"server": 0.0, "database": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, session, seconds = process_cpu(entry / "stat")
        except OSError:
            continue  # gone meanwhile
        if session == server_pid:  # the server was started in a session of its own
            used["server"] += seconds
        elif name == "postgres":
            used["database"] += seconds
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["load generator"] = children.ru_utime + children.ru_stime
    return used


def run_wrk(
    port: int,
    cookies: dict,
    ids: list[str],
    clients: int,
    seconds: int,
    run: str,
    folder: Path,
    server_pid: int | None = None,
) -> dict:
    script = folder / "intake.lua"
    script.write_text(WRK_SCRIPT)
    (folder / "ids.txt").write_text("\n".join(ids) + "\n")
    threads = min(2, clients)
    before = cpu_by_group(server_pid) if server_pid else None
    output = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "20s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        env={**os.environ, "BENCH_IDS": str(folder / "ids.txt"), "BENCH_BODY_PREFIX": str(folder / "prefix.json"),
             "BENCH_BODY_SUFFIX": str(folder / "suffix.json"), "BENCH_RUN": run, "BENCH_THREADS": str(threads),
             "BENCH_COOKIE": api_headers(cookies)["Cookie"], "BENCH_CSRF": cookies["csrftoken"]},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    result["rate"] = result["created"] / result["seconds"]
    result["load"] = load_average()
    if before is not None:
        after = cpu_by_group(server_pid)
        answered = max(1, result["created"] + result["repeated"] + result["other"])
        result["cpu_ms"] = {group: (after[group] - before[group]) * 1000 / answered for group in after}
    return result


def check_run(officer, run: str, started) -> dict:
    """What the run left in the database: applications with the run's keys and what each must have."""
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    from cancuoc.audit.models import AuditEntry
    from cancuoc.biometrics.models import BiometricCapture
    from cancuoc.enrollment.models import Application, ApplicationEvent

    applications = Application.objects.filter(created_by=officer, idempotency_key__startswith=f"{run}-")
    pks = list(applications.values_list("pk", flat=True))
    codes = set(applications.values_list("code", flat=True))
    sealed = applications.filter(
        capture__raw_images__isnull=False, stage="completeness", is_open=True
    ).count()
    submitted = ApplicationEvent.objects.filter(application__in=pks, code="submitted").count()
    audited = sum(1 for changes in AuditEntry.objects.filter(event="application_submitted", at__gte=started)
                  .values_list("changes", flat=True) if changes.get("application") in codes)  # fmt: skip
    queued = sum(1 for value in DBTaskResult.objects.filter(task_path__endswith="process_application_task",
                                                           enqueued_at__gte=started).values_list("args_kwargs", flat=True)
                 if value["args"] and value["args"][0] in set(pks))  # fmt: skip
    orphans = (
        BiometricCapture.objects.filter(captured_by=officer, started_at__gte=started)
        .filter(~Q(pk__in=Application.objects.filter(capture__isnull=False).values("capture")))
        .count()
    )
    return {"applications": len(pks), "sealed": sealed, "submitted": submitted, "audited": audited,
            "queued": queued, "orphans": orphans}  # fmt: skip


def backend_cpu_seconds(connection) -> float:
    """CPU time used so far by this connection's PostgreSQL backend (same machine)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return process_cpu(Path(f"/proc/{pid}/stat"))[2]


def profile(
    officer, ids: list[str], fingers: dict[int, bytes]
) -> tuple[list[tuple[str, float, float]], dict]:
    """Submissions through the real URL in this process (Django's test client, same settings and database):
    the first half timed plainly (wall, CPU of this process and of its PostgreSQL backend, queries), the
    second half under cProfile: (part, ms per request, share of the whole request), facts."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
    client.force_login(officer)
    bodies = [json.dumps(intake_body(number, portrait_jpeg(), fingers)) for number in ids]

    def post(index: int, body: str) -> None:
        answer = client.post("/api/v1/applications", body, content_type="application/json", secure=True,
                             headers={"Idempotency-Key": f"profile-{time.time_ns()}-{index}"})  # fmt: skip
        assert answer.status_code == 201, answer.content[:300]

    for index, body in enumerate(bodies[:3]):  # warm caches (keys, imports, connection)
        post(index, body)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        post(3, bodies[3])
    plain, measured = bodies[4 : 4 + (len(bodies) - 4) // 2], bodies[4 + (len(bodies) - 4) // 2 :]
    start, cpu, database_cpu = time.perf_counter(), time.process_time(), backend_cpu_seconds(connection)
    for index, body in enumerate(plain):
        post(index, body)
    facts = {
        "queries": len(statements),
        "wall_ms": (time.perf_counter() - start) * 1000 / len(plain),
        "cpu_ms": (time.process_time() - cpu) * 1000 / len(plain),
        "database_cpu_ms": (backend_cpu_seconds(connection) - database_cpu) * 1000 / len(plain),
        "plain": len(plain),
        "profiled": len(measured),
    }
    profiler = cProfile.Profile(time.process_time)  # CPU time: waiting on a busy machine is left out
    start = time.perf_counter()
    profiler.enable()
    for index, body in enumerate(measured):
        post(index, body)
    profiler.disable()
    facts["profiled_wall_ms"] = (time.perf_counter() - start) * 1000 / len(measured)
    stats = pstats.Stats(profiler)
    by_name = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        by_name.setdefault((Path(filename).name, function), 0.0)
        by_name[(Path(filename).name, function)] = max(by_name[(Path(filename).name, function)], cumulative)
    parts = [  # (label, file, function): cumulative time of every call of that function
        ("whole request (middleware + view)", "base.py", "get_response"),
        ("  the API view (Django Ninja operation)", "operation.py", "run"),
        ("  log-in and CSRF checks", "operation.py", "_run_checks"),
        ("  body: JSON parse + schema (pydantic)", "operation.py", "_get_values"),
        ("  base64 decode of 11 images", "api.py", "_image"),
        ("  request digest (SHA-256 of the images)", "actions.py", "_digest"),
        ("  citizen look-up + area check", "access.py", "access_citizen_by_id_number"),
        ("  store capture (insert, pack, seal, update)", "actions.py", "store_submission"),
        ("    of which AES-GCM sealing", "crypto.py", "seal_bytes"),
        ("  audit entries (sequence + HMAC)", "services.py", "record"),
        ("  queue the task (on commit)", "actions.py", "_enqueue"),
        ("  answer: application_out", "selectors.py", "application_out"),
        ("  answer: schema + JSON", "operation.py", "_result_to_response"),
        ("all inserts through QuerySet.create", "query.py", "create"),
        ("all SQL (cursor execute, incl. commit wait)", "utils.py", "_execute_with_wrappers"),
        ("commits", "base.py", "commit"),
    ]
    total = by_name.get(("base.py", "get_response"), 1.0)
    rows = [(label, by_name.get((file, function), 0.0) * 1000 / len(measured),
             by_name.get((file, function), 0.0) / total) for label, file, function in parts]  # fmt: skip
    print(f"\nin-process: {facts}")
    for label, ms, share in rows:
        print(f"  {label:50} {ms:7.1f} ms  {share:5.0%}")
    print()
    stats.sort_stats("tottime").print_stats(18)
    return rows, facts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_ENROLLMENT_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--citizens", type=int, default=100_000, help="demo citizens of the bench database")
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement")
    parser.add_argument("--clients", default="8,32")
    parser.add_argument("--payload-kb", type=int, default=200, help="size of the JSON body to aim at")
    parser.add_argument("--max-rate", type=int, default=250, help="submissions/s to prepare citizens for")
    parser.add_argument(
        "--profile", type=int, default=0, help="also profile this many submissions in-process"
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    prepare(args.database_url, args.citizens)
    from django.db import connection
    from django.utils import timezone

    from cancuoc.registry.models import Citizen
    from report import database_version

    officer = ensure_officer()
    population = Citizen.objects.count()
    fingers, quality = sized_fingers(1, args.payload_kb * 1000)
    clients = [int(c) for c in args.clients.split(",")]
    needed = WARM_UP + args.max_rate * args.duration * len(clients) + 2 * args.profile + 4
    ids = fresh_citizens(needed)
    if len(ids) < needed:
        sys.exit(
            f"only {len(ids)} citizens left who never applied; run with --citizens {args.citizens + 50_000}"
        )
    lines, checks, profile_rows = [], [], None
    with tempfile.TemporaryDirectory() as folder:
        prefix, suffix, size = body_parts(fingers)
        (Path(folder) / "prefix.json").write_text(prefix)
        (Path(folder) / "suffix.json").write_text(suffix)
        port = free_port()
        process = start_server(args.database_url, port)
        try:
            wait_until_up(port, process)
            cookies = log_in(port)
            # every process and thread of the server once through the intake first: the first request of a
            # process imports the whole URLconf and the modules behind it (0.4–1.5 s)
            taken = WARM_UP
            run_wrk(port, cookies, ids[:WARM_UP], max(clients), 5, f"warm-{time.time_ns()}", Path(folder))
            time.sleep(5)  # the requests wrk cut at the end would otherwise queue ahead of the first row's
            for count in clients:
                batch = ids[taken : taken + args.max_rate * args.duration]
                taken += len(batch)
                run, started = f"bench-{time.time_ns()}", timezone.now()
                result = run_wrk(port, cookies, batch, count, args.duration, run, Path(folder), process.pid)
                time.sleep(4)  # requests cut at the end of the run finish on the server
                check = check_run(officer, run, started)
                lines.append(row(count, result, check))
                checks.append((count, result, check))
                print(lines[-1], "|", json.dumps(check), result["first_error"], flush=True)
        finally:
            stop(process)
    if args.profile:
        profile_rows, facts = profile(officer, ids[taken : taken + 2 * args.profile + 4], fingers)
    if args.no_record:
        return
    intro = (
        f"`bench/enrollment_intake.py`: `POST /api/v1/applications` through `cancuoc serve` in production "
        f"(granian, its defaults), {database_version(connection)} with {population:,} demo citizens, logged in as a "
        f"province supervisor at a station, `wrk` on the same machine, {args.duration} s per row, each request a "
        f"citizen who never applied and its own Idempotency-Key. Body {size / 1000:.0f} KB of JSON: the compliant "
        f"portrait (JPEG 90, {len(portrait_jpeg()) / 1000:.0f} KB) and ten synthetic prints (JPEG {quality}, "
        f"{sum(map(len, fingers.values())) / 1000:.0f} KB in all, about what WSQ at 15:1 gives for 400 × 320 "
        f"at 500 dpi; intake does not decode them), base64. Goal: ≥ 100 submissions/s with p99 "
        f"< 200 ms (MOSIP: about 1.85 packets/s per registration-processor receiver; OpenCRVS 150–170 ms per "
        f"registration)."
    )
    header = ("| clients | submissions/s (201) | p50 ms | p90 ms | p99 ms | max ms | errors | applications "
              "in the database | CPU ms per answer: server / PostgreSQL / wrk = all | load average (1/5/15 min) |\n"
              "|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
    after = ("After each run every application of the run has its sealed capture, its history entry, its audit "
             "entry and its queued task, and no capture is left without an application (the last column but "
             "one: applications found = 201 answers + requests cut at the end of the run).")  # fmt: skip
    body = f"{intro}\n\n{header}\n" + "\n".join(lines) + f"\n\n{after}"
    if profile_rows:
        body += (f"\n\nOne request at a time in one process (Django's test client on the same URL, settings and "
                 f"database; {facts['plain']} submissions, load average {load_average()}): {facts['wall_ms']:.0f} ms "
                 f"wall, {facts['queries']} SQL statements, CPU {facts['cpu_ms']:.1f} ms in Python + "
                 f"{facts['database_cpu_ms']:.1f} ms in its PostgreSQL backend (the test client's own work is in the "
                 f"Python figure: the server's is the CPU column above). Where this process's CPU time goes (cProfile "
                 f"with a CPU clock over {facts['profiled']} more; SQL lines are the driver's own CPU, the "
                 f"database's is above):\n\n| part | CPU ms per request | share |\n|---|---|---|\n"
                 + "\n".join(f"| {'· ' * ((len(label) - len(label.lstrip())) // 2)}{label.strip()} | {ms:.1f} | {share:.0%} |"
                             for label, ms, share in profile_rows))  # fmt: skip
    record("enrollment-intake", "Enrollment intake through HTTP, 200 KB of biometrics per application", body)


def row(clients: int, result: dict, check: dict) -> str:
    errors = result["other"] + result["socket_errors"]
    complete = all(check[k] == check["applications"] for k in ("sealed", "submitted", "audited", "queued"))
    consistent = (
        complete and check["orphans"] == 0 and 0 <= check["applications"] - result["created"] <= clients
    )
    verdict = "complete" if consistent else "**INCONSISTENT**"
    used = result.get("cpu_ms")
    cpu = (f"{used['server']:.1f} / {used['database']:.1f} / {used['load generator']:.1f} = "
           f"{sum(used.values()):.1f}" if used else "—")  # fmt: skip
    return (f"| {clients} | **{result['rate']:,.1f}** | {result['p50']:.0f} | {result['p90']:.0f} | "
            f"{result['p99']:.0f} | {result['max']:.0f} | {errors} | {check['applications']:,} for "
            f"{result['created']:,} × 201, {verdict} | {cpu} | {result['load']} |")  # fmt: skip


if __name__ == "__main__":
    main()
