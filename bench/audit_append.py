"""Audit appends per second from 1, 8 and 32 concurrent processes on PostgreSQL.

    python bench/audit_append.py [--database-url postgresql://postgres@127.0.0.1:5432/cancuoc_bench_append]
                                 [--src PATH --label NAME]   # the same measure on another checkout's code

Each process appends single entries as an audited read does (``record`` outside any transaction: one
transaction per entry), as fast as it can, after all processes are ready. ``--src`` runs the same
measure against another checkout's ``src`` (e.g. the chain-head design before issue 7) for comparison.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import database_version, percentiles, record  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_bench_append"
TOTAL_PER_RUN = 6000


def _setup(url: str, src: str | None) -> None:
    if src:
        sys.path.insert(0, src)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cancuoc.settings")
    import django

    django.setup()


def _worker(url, src, count, ready, start, results):
    _setup(url, src)
    from cancuoc.audit.models import Action
    from cancuoc.audit.services import AuditEvent
    from cancuoc.audit.services import record as append

    append(None, AuditEvent(Action.READ, "citizen", "000000000000", "", "warm-up"))
    ready.release()
    start.wait()
    samples = []
    for n in range(count):
        began = time.perf_counter()
        append(None, AuditEvent(Action.SEARCH, "citizen", f"{n:012d}", "/1/", "bench", {"returned": [f"{n:012d}"]}))
        samples.append((time.perf_counter() - began) * 1000)
    results.put(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--src", help="another checkout's src folder")
    parser.add_argument("--label", default="this design (sequence + MAC, sealed afterwards)")
    parser.add_argument("--clients", default="1,8,32")
    args = parser.parse_args()
    from import_million import recreate_database

    recreate_database(args.database_url)
    _setup(args.database_url, args.src)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    version = database_version(connection)
    connection.close()
    context = multiprocessing.get_context("spawn")
    rows = []
    for clients in [int(c) for c in args.clients.split(",")]:
        count = max(50, TOTAL_PER_RUN // clients)
        ready, start, results = context.Semaphore(0), context.Event(), context.Queue()
        processes = [context.Process(target=_worker, args=(args.database_url, args.src, count, ready, start, results))
                     for _ in range(clients)]  # fmt: skip
        for process in processes:
            process.start()
        for _ in processes:
            ready.acquire()
        began = time.perf_counter()
        start.set()
        samples = [sample for _ in processes for sample in results.get()]
        elapsed = time.perf_counter() - began
        for process in processes:
            process.join()
        p = percentiles(samples)
        rows.append(f"| {clients} | {len(samples):,} | {len(samples) / elapsed:,.0f} | {p['p50']:.2f} | {p['p99']:.2f} "
                    f"| {p['max']:.0f} |")  # fmt: skip
        print(rows[-1], flush=True)
    name = "audit-append" if not args.src else "audit-append-compared"
    record(
        name,
        f"Audit appends from concurrent processes: {args.label} ({version})",
        f"""`bench/audit_append.py{' --src … (' + args.label + ')' if args.src else ''}`: each process appends single
entries as an audited read does (one transaction per entry), all starting together.

| processes | entries | appends/s | p50 ms | p99 ms | max ms |
|---|---|---|---|---|---|
"""
        + "\n".join(rows)
        + "\n",
    )


if __name__ == "__main__":
    main()
