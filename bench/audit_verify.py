"""``cancuoc audit verify`` speed (entries/s), and the bulk append and seal it follows.

    python bench/audit_verify.py [--entries 300000] [--database-url postgresql://…|sqlite]

Writes the entries as an import does (``record_many`` in batches of 5,000 inside a transaction: COPY on
PostgreSQL, multi-row INSERT on SQLite, MACs computed in Python), seals them, then verifies every MAC,
the checkpoint signatures and the chain.
"""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, database_version, record, setup_django  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_bench_verify"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=300_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    var_dir = ROOT / "var" / "bench-verify"
    shutil.rmtree(var_dir, ignore_errors=True)
    if args.database_url == "sqlite":
        setup_django(None, str(var_dir))
    else:
        from import_million import recreate_database

        recreate_database(args.database_url)
        setup_django(args.database_url, str(var_dir))
    from django.core.management import call_command
    from django.db import connection, transaction

    from cancuoc.audit import sealing
    from cancuoc.audit.models import Action
    from cancuoc.audit.services import AuditEvent, record_many

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    for first in range(0, args.entries, 5000):
        with transaction.atomic():
            record_many(None, [
                AuditEvent(Action.CREATE, "citizen", f"{n:012d}", "/3/41/977/", "import bench.csv",
                           {"after": {"family_name": "Nguyễn", "given_name": "An", "birth_date": "1990-03-15",
                                      "permanent_unit": 977, "household": f"B{n:09d}"}})
                for n in range(first, min(first + 5000, args.entries))
            ])  # fmt: skip
    appended = time.perf_counter() - start
    start = time.perf_counter()
    sealed = sealing.seal()
    seal_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = sealing.verify()
    verify_seconds = time.perf_counter() - start
    assert not result.problems and result.checked == args.entries == sealed.sealed, result.problems[:3]
    n = args.entries
    version = database_version(connection)
    record(
        f"audit-verify-{connection.vendor}",
        f"Audit log: bulk append, seal and `audit verify` of {n:,} entries ({version})",
        f"""`bench/audit_verify.py --database-url {'sqlite' if connection.vendor == 'sqlite' else '…'}`: entries
shaped like an import's (a created citizen with its fields), written by `record_many` in batches of 5,000.

| step | time | entries/s |
|---|---|---|
| bulk append (sequence, MAC, COPY / INSERT) | {appended:.1f} s | {n / appended:,.0f} |
| `audit seal` (check every MAC, chain, sign) | {seal_seconds:.1f} s | {n / seal_seconds:,.0f} |
| **`audit verify`** (every MAC, signatures, chain) | **{verify_seconds:.1f} s** | **{n / verify_seconds:,.0f}** |
""",
    )


if __name__ == "__main__":
    main()
