"""The 1,000,000-citizen PostgreSQL database of the HTTP benchmarks (bench/http_lookup.py).

    python bench/http_database.py [--rows 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/cancuoc_http]

Built the way bench/import_million.py builds its own (same CSV generator, the real import path with
an audit entry per citizen), into a database of its own so that the import figure is left alone.
Records no figure. Keys (CANCUOC_KEYS_DIR) live in ``var/bench-http`` beside it: the server of the
benchmark must use the same folder.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_million import recreate_database, write_csv  # noqa: E402
from report import ROOT, setup_django  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_http"
VAR_DIR = ROOT / "var" / "bench-http"
BENCH_USER = "bench-http"
BENCH_PASSWORD = "bench-http-password-123"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_HTTP_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    recreate_database(args.database_url)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    setup_django(args.database_url, str(VAR_DIR))
    from django.core.management import call_command

    from cancuoc.accounts.models import Role, User
    from cancuoc.imports import services
    from cancuoc.registry.models import Citizen

    call_command("migrate", verbosity=0)
    call_command("units", "load")
    officer = User.objects.create_user(BENCH_USER, password=BENCH_PASSWORD, role=Role.NATIONAL_ADMIN)
    path = ROOT / "var" / "bench" / f"citizens-{args.rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        print(f"CSV written in {write_csv(path, args.rows, seed=11):.0f} s", flush=True)
    start = time.perf_counter()
    job = services.validate_job(services.create_job(officer, path, path.name))
    job = services.apply_job(
        job, progress=lambda _p, done, _t: print(f"apply {done}", flush=True) if done % 100000 == 0 else None
    )
    assert job.status == "applied", job.error_en
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{Citizen.objects.count():,} citizens in {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
