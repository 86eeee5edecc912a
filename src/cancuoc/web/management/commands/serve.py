"""`cancuoc serve`: the site on a real application server, with the task worker as a separate process.

    cancuoc serve [ADDRESS:PORT | unix:/run/cancuoc/web.sock] [--workers N] [--threads T] [--no-worker]

The site runs on granian (WSGI: HTTP in Rust, the application in a few threads per process;
docs/adr/0007-application-server.md gives the measurements behind that choice), in the demo as in
production; ``--server gunicorn`` (threaded workers, if gunicorn is installed) is the measured
runner-up. With ``CANCUOC_ENV=production`` the static files are collected first (hashed names,
compressed copies) so that WhiteNoise serves them with long cache headers. Unless ``--no-worker`` is given, this command also starts ``cancuoc worker`` as a
child process and restarts it if it dies: the one-command install of the demo and of a small machine.
A deployment with systemd runs ``cancuoc serve --no-worker`` and ``cancuoc worker`` as two services
(docs/deployment.md). ``--server development`` keeps Django's development server, outside production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

SERVERS = ("granian", "gunicorn", "development")
WORKER_RESTART_DELAY = 2.0


def default_workers() -> int:
    """Processes of the application server: CANCUOC_WEB_WORKERS, else two per core (at least two): a
    process runs Python on one core at a time, and a second one per core fills the time the first waits
    for the database."""
    return int(os.environ.get("CANCUOC_WEB_WORKERS") or max(2, 2 * (os.cpu_count() or 1)))


def default_threads() -> int:
    return int(os.environ.get("CANCUOC_WEB_THREADS") or 2)


def bind_address(addrport: str) -> str:
    """``8000`` → ``127.0.0.1:8000``; ``host:port``, ``[::1]:port`` and ``unix:PATH`` as given."""
    if addrport.startswith("unix:") or ":" in addrport:
        return addrport
    return f"127.0.0.1:{addrport}"


def server_command(server: str, addrport: str, workers: int, threads: int) -> list[str]:
    if server == "development":
        return [sys.executable, "-m", "cancuoc.cli", "runserver", addrport, "--noreload"]
    if server == "granian":
        return granian_command(bind_address(addrport), workers, threads)
    return gunicorn_command(addrport, workers, threads)


def granian_command(bind: str, workers: int, threads: int) -> list[str]:
    if bind.startswith("unix:"):
        where = ["--uds", bind.removeprefix("unix:")]
    else:
        host, _, port = bind.rpartition(":")
        where = ["--host", host.strip("[]"), "--port", port]
    return [
        sys.executable, "-m", "granian", "--interface", "wsgi", *where,
        "--workers", str(workers), "--blocking-threads", str(threads),
        "--no-ws", "--respawn-failed-workers", "--workers-kill-timeout", "30",
        *(["--access-log"] if access_log_wanted() else []),
        "cancuoc.wsgi:application",
    ]  # fmt: skip


def access_log_wanted() -> bool:
    # The reverse proxy keeps the access log in production; the demo prints it, as runserver did.
    return os.environ.get("CANCUOC_ACCESS_LOG", "0" if settings.PRODUCTION else "1") == "1"


def gunicorn_command(addrport: str, workers: int, threads: int) -> list[str]:
    command = [
        sys.executable, "-m", "gunicorn", "cancuoc.wsgi:application",
        "--bind", bind_address(addrport),
        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "60", "--graceful-timeout", "30",
        # Signals are enough (HUP, TERM); gunicorn's control socket would be one path shared by every instance.
        "--no-control-socket",
        # X-Forwarded-Proto is trusted only from the reverse proxy on this machine.
        "--forwarded-allow-ips", os.environ.get("CANCUOC_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    ]  # fmt: skip
    return command + (["--access-logfile", "-"] if access_log_wanted() else [])


def worker_command() -> list[str]:
    return [sys.executable, "-m", "cancuoc.cli", "worker", "--interval", "0.5"]


class Command(BaseCommand):
    help = "Serve the site on the application server and run the task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--server", choices=SERVERS, default="granian")
        parser.add_argument("--workers", type=int, default=None, help="server processes (CANCUOC_WEB_WORKERS)")
        parser.add_argument("--threads", type=int, default=None, help="threads per process (CANCUOC_WEB_THREADS)")
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")
        parser.add_argument("--no-collectstatic", action="store_true",
                            help="production: serve what an earlier `cancuoc collectstatic` wrote")  # fmt: skip

    def handle(self, *args, addrport, server, workers, threads, no_worker, no_collectstatic, **options):
        if settings.PRODUCTION and server == "development":
            raise CommandError(
                "Máy chủ phát triển không dùng cho production / the development server is not for production"
            )
        if settings.PRODUCTION and not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        command = server_command(server, addrport, workers or default_workers(), threads or default_threads())
        self.stdout.write(f"cancuoc serve: {server} on {bind_address(addrport)}", ending="\n")
        self.stdout.flush()
        sys.exit(supervise(command, None if no_worker else worker_command(), self.stderr))


def supervise(server_argv: list[str], worker_argv: list[str] | None, log) -> int:
    """Run the server and (if any) the worker; restart the worker when it dies; pass SIGHUP on to the
    server; stop both on SIGTERM, SIGINT or when the server ends. Returns the server's exit status."""
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    server = None

    def reload(_signum, _frame):
        # granian and gunicorn replace their worker processes gracefully on HUP (systemctl reload cancuoc-web).
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGHUP)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, reload)
    server = subprocess.Popen(server_argv)
    worker = subprocess.Popen(worker_argv) if worker_argv else None
    try:
        while not stopping:
            if server.poll() is not None:
                break
            if worker is not None and worker.poll() is not None:
                log.write(f"cancuoc serve: worker ended with status {worker.returncode}; restarting")
                time.sleep(WORKER_RESTART_DELAY)
                worker = subprocess.Popen(worker_argv)
            time.sleep(0.2)
    finally:
        for child in (server, worker):
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in (server, worker):
            if child is None:
                continue
            try:
                child.wait(timeout=35)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0 if stopping else (server.returncode or 0)
