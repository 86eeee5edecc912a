"""Audited citizen lookup and search through HTTP, production server, 1,000,000 citizens on PostgreSQL.

    python bench/http_database.py            # once: the database (about 10 minutes)
    python bench/http_lookup.py [--duration 10] [--clients 1,8,32] [--candidates]

Starts `cancuoc serve --no-worker` with CANCUOC_ENV=production on a free localhost port (the database of
bench/http_database.py, persistent connections), logs in through the login page as a national
administrator, and drives the server with `wrk` (Debian package `wrk`) on the same machine: each
connection sends its next request as soon as the previous answer arrived, for a fixed time. Every
request is audited by the application (a read or a search entry). The requests carry
``X-Forwarded-Proto: https`` as the reverse proxy would. ``--candidates`` measures the application
servers compared in docs/adr/0007-application-server.md instead (figure ``http-servers``; needs
``pip install gunicorn uvicorn`` beside granian).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_database import BENCH_PASSWORD, BENCH_USER, DEFAULT_URL, VAR_DIR  # noqa: E402
from report import ROOT, record  # noqa: E402

PYTHON = sys.executable
SECRET = "bench-only-secret-key-0123456789-0123456789-0123456789"

WRK_SCRIPT = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local offset = 0
setup = function(thread) offset = offset + 7919; thread:set("offset", offset) end
init = function(args) counter = offset or 0 end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], {
    ["Cookie"] = os.getenv("BENCH_COOKIE"), ["X-Forwarded-Proto"] = "https", ["Host"] = "127.0.0.1",
  })
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "max": %f, ' ..
    '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "CANCUOC_ENV": "production",
        "CANCUOC_SECRET_KEY": SECRET,
        "CANCUOC_ALLOWED_HOSTS": "127.0.0.1",
        "CANCUOC_VAR_DIR": str(VAR_DIR),
        "DJANGO_SETTINGS_MODULE": "cancuoc.settings",
    }


def candidate_commands(port: int) -> dict[str, list[str]]:
    """The application servers compared in docs/adr/0007-application-server.md."""
    bind = f"127.0.0.1:{port}"
    gunicorn = [PYTHON, "-m", "gunicorn", "cancuoc.wsgi:application", "--bind", bind, "--no-control-socket"]
    return {
        "gunicorn sync, 4 processes": [*gunicorn, "--worker-class", "sync", "--workers", "4"],
        "gunicorn sync, 8 processes": [*gunicorn, "--worker-class", "sync", "--workers", "8"],
        "gunicorn gthread, 2 processes × 4 threads": [*gunicorn, "--worker-class", "gthread", "--workers", "2",
                                                       "--threads", "4"],
        "gunicorn gthread, 4 processes × 4 threads": [*gunicorn, "--worker-class", "gthread", "--workers", "4",
                                                       "--threads", "4"],
        "granian WSGI, 2 processes × 4 threads": [PYTHON, "-m", "granian", "--interface", "wsgi", "--host",
                                                   "127.0.0.1", "--port", str(port), "--workers", "2",
                                                   "--blocking-threads", "4", "--no-ws", "cancuoc.wsgi:application"],
        "granian WSGI, 4 processes × 2 threads": [PYTHON, "-m", "granian", "--interface", "wsgi", "--host",
                                                   "127.0.0.1", "--port", str(port), "--workers", "4",
                                                   "--blocking-threads", "2", "--no-ws", "cancuoc.wsgi:application"],
        "uvicorn ASGI, 4 processes": [PYTHON, "-m", "uvicorn", "cancuoc.asgi:application", "--host", "127.0.0.1",
                                      "--port", str(port), "--workers", "4", "--no-access-log"],
    }  # fmt: skip


def wait_until_up(port: int, process: subprocess.Popen, seconds: float = 120) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if process.poll() is not None:
            sys.exit(f"the server ended with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not answer /healthz")


def log_in(port: int) -> str:
    """The session cookie of the bench administrator, obtained through the login page. The cookies are
    Secure (production) and this client speaks plain HTTP to the server, as nginx does: they are carried
    by hand."""
    base = f"http://127.0.0.1:{port}"
    proxy = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}  # as nginx sends them

    def cookies_of(answer) -> dict[str, str]:
        found = {}
        for header in answer.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found

    with urllib.request.urlopen(urllib.request.Request(f"{base}/login/", headers=proxy)) as answer:
        cookies = cookies_of(answer)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.read().decode())[1]
    data = urllib.parse.urlencode({"username": BENCH_USER, "password": BENCH_PASSWORD,
                                   "csrfmiddlewaretoken": token}).encode()  # fmt: skip

    class Keep(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(f"{base}/login/", data=data, headers={
        **proxy, "Referer": "https://127.0.0.1/login/", "Cookie": f"csrftoken={cookies['csrftoken']}"})  # fmt: skip
    try:
        urllib.request.build_opener(Keep).open(request)
    except urllib.error.HTTPError as answer:  # the 302 after a successful log-in
        cookies.update(cookies_of(answer))
    if "sessionid" not in cookies:
        sys.exit("log-in failed")
    cookie = f"sessionid={cookies['sessionid']}"
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/citizens?q=x",
                                                       headers={**proxy, "Cookie": cookie})) as answer:  # fmt: skip
        assert answer.status == 200
    return cookie


def sample_paths(database_url: str) -> dict[str, list[str]]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT id_number, full_name FROM registry_citizen TABLESAMPLE SYSTEM (1) LIMIT 5000"
        ).fetchall()
    random.Random(7).shuffle(rows)
    quote = urllib.parse.quote
    return {
        "lookup by ID number (API, audited read)": [f"/api/v1/citizens/{n}" for n, _ in rows],
        "lookup by ID number (page, audited read)": [f"/citizens/{n}/" for n, _ in rows],
        "search by ID number (API, audited search)": [f"/api/v1/citizens?q={n}" for n, _ in rows],
        "search by full name (API, audited search)": [f"/api/v1/citizens?q={quote(name)}" for _, name in rows],
    }


def run_wrk(port: int, cookie: str, paths: list[str], clients: int, seconds: int, folder: Path) -> dict:
    script = folder / "bench.lua"
    script.write_text(WRK_SCRIPT)
    path_file = folder / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n")
    threads = min(2, clients)
    output = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}"],
        env={**os.environ, "BENCH_PATHS": str(path_file), "BENCH_COOKIE": cookie},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    result["rate"] = result["requests"] / result["seconds"]
    return result


def start(command: list[str], database_url: str) -> subprocess.Popen:
    return subprocess.Popen(command, env=server_environment(database_url), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def row(what: str, clients: int, result: dict) -> str:
    errors = result["status_errors"] + result["socket_errors"]
    return (f"| {what} | {clients} | **{result['rate']:,.0f}** | {result['p50']:.1f} | {result['p99']:.1f} | "
            f"{result['max']:.0f} | {errors} |")  # fmt: skip


def citizen_count(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT count(*) FROM registry_citizen").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_HTTP_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--candidates", action="store_true", help="compare the application servers")
    parser.add_argument("--only", default="", help="measure only the kinds of request containing this text")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    total = citizen_count(args.database_url)
    if total < 900_000:
        sys.exit("run bench/http_database.py first")
    subprocess.run([PYTHON, "-m", "cancuoc.cli", "migrate", "--no-input", "-v", "0"],
                   env=server_environment(args.database_url), check=True)  # fmt: skip
    clients = [int(c) for c in args.clients.split(",")]
    kinds = {k: v for k, v in sample_paths(args.database_url).items() if args.only in k}
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        if args.candidates:
            port = free_port()
            what = "lookup by ID number (API, audited read)"
            for name, command in candidate_commands(port).items():
                process = start(command, args.database_url)
                try:
                    wait_until_up(port, process)
                    cookie = log_in(port)
                    run_wrk(port, cookie, kinds[what][:200], 8, 3, Path(folder))  # warm-up
                    for count in clients:
                        result = run_wrk(port, cookie, kinds[what], count, args.duration, Path(folder))
                        lines.append(row(name, count, result))
                        print(lines[-1], flush=True)
                finally:
                    stop(process)
            name, title = "http-servers", f"Application servers compared, {total:,} citizens on PostgreSQL"
            intro = (f"`bench/http_lookup.py --candidates`: {what}, logged in, one audit entry per request, "
                     f"{args.duration} s per row, `wrk` on the same machine, persistent database connections.")
            header = "| server | clients | requests/s | p50 ms | p99 ms | max ms | errors |"
        else:
            port = free_port()
            command = [PYTHON, "-m", "cancuoc.cli", "serve", f"127.0.0.1:{port}", "--no-worker"]
            process = start(command, args.database_url)
            try:
                startup = wait_until_up(port, process)
                cookie = log_in(port)
                for what, paths in kinds.items():
                    run_wrk(port, cookie, paths[:200], 8, 3, Path(folder))  # warm-up
                    for count in clients:
                        result = run_wrk(port, cookie, paths, count, args.duration, Path(folder))
                        lines.append(row(what, count, result))
                        print(lines[-1], flush=True)
            finally:
                stop(process)
            name, title = "http-lookup", f"Audited lookup and search through HTTP, {total:,} citizens on PostgreSQL"
            intro = (f"`bench/http_lookup.py`: `cancuoc serve` in production (its defaults: granian, 2 processes "
                     f"per core × 2 threads; up in {startup:.1f} s including `collectstatic`), persistent database connections (the default), "
                     f"logged in as a national administrator, `wrk` on the same machine, {args.duration} s per row. "
                     f"Goal: ≥ 500 lookups/s at 32 clients with p99 < 100 ms.")  # fmt: skip
            header = "| request | clients | requests/s | p50 ms | p99 ms | max ms | errors |"
    if not args.no_record:
        record(name, title, f"{intro}\n\n{header}\n|---|---|---|---|---|---|---|\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
