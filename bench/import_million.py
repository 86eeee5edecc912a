"""Import of 1,000,000 citizens from CSV into PostgreSQL, and its ratio to a plain COPY of the same file.

    python bench/import_million.py [--rows 1000000] [--database-url postgresql://postgres@127.0.0.1:5432/cancuoc_bench]

Recreates the bench database, loads the units, writes a synthetic CSV in the documented import format
(var/bench/), then times the real import path (check every row, then apply in one transaction, with
audit entries, quality flags and number registration), and a bare ``COPY`` of the same file into an
all-text table with no index. The database is kept for bench/citizen_search.py.
"""

import argparse
import csv
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, database_version, record, setup_django  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_bench"


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def write_csv(path: Path, rows: int, seed: int) -> float:
    from cancuoc.demo.population import PopulationGenerator
    from cancuoc.imports.columns import COLUMNS
    from cancuoc.units.models import AdministrativeUnit, Level, Structure

    provinces = ["01", "79", "33"]  # Hà Nội, TP Hồ Chí Minh, Hưng Yên (2025 codes)
    communes = list(
        AdministrativeUnit.objects.filter(structure=Structure.Y2025, level=Level.COMMUNE, parent__code__in=provinces)
        .order_by("code").values_list("code", flat=True)
    )  # fmt: skip
    headers = {field: header for field, header, _ in COLUMNS}
    fields = ["id_number", "family_name", "middle_name", "given_name", "birth_date", "sex", "ethnicity", "religion",
              "permanent_unit_code", "permanent_address", "household_number", "relation_to_head", "father_name",
              "mother_name", "old_id_number"]  # fmt: skip
    generator = PopulationGenerator(seed=seed, today=date(2026, 11, 1), birth_province_codes=["001", "079", "033"],
                                    communes=len(communes))  # fmt: skip
    start = time.perf_counter()
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([headers[f] for f in fields])
        for members in generator.households(rows):
            for person in members:
                if written >= rows:
                    break
                writer.writerow([
                    person.id_number, person.family_name, person.middle_name, person.given_name,
                    person.birth_date.strftime("%d/%m/%Y"), "Nam" if person.sex == "M" else "Nữ", person.ethnicity,
                    person.religion, communes[person.commune_index], person.address, f"B{person.household_key:09d}",
                    {"head": "Chủ hộ", "spouse": "Vợ", "child": "Con", "parent": "Cha"}.get(person.relation, "Khác"),
                    person.father_name, person.mother_name, person.old_id_number,
                ])  # fmt: skip
                written += 1
    return time.perf_counter() - start


def copy_file(path: Path) -> float:
    from django.db import connection

    with open(path, encoding="utf-8") as handle:
        columns = next(csv.reader(handle))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (" + ", ".join(f"c{i} text" for i in range(len(columns))) + ")"
        )
        start = time.perf_counter()
        with (
            cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            open(path, "rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - start
        cursor.execute("SELECT count(*) FROM bench_copy")
        count = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_copy")
    return elapsed, count


class Phases:
    """Wall time spent inside named functions of the import (wrapped for the run; summed per phase)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, owner, name: str, phase: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start

        setattr(owner, name, timed)

    def wrap_rows(self, owner, name: str, phase: str) -> None:
        """``read_file`` returns (header problems, rows): time the reading of each row as it is drawn."""
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            header, rows = original(*args, **kwargs)

            def drawn():
                iterator = iter(rows)
                while True:
                    start = time.perf_counter()
                    try:
                        row = next(iterator)
                    except StopIteration:
                        return
                    finally:
                        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start
                    yield row

            return header, drawn()

        setattr(owner, name, timed)

    def take(self) -> dict[str, float]:
        taken, self.seconds = self.seconds, {}
        return taken


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from cancuoc.accounts.models import Role, User
    from cancuoc.imports import services
    from cancuoc.registry.models import Citizen

    call_command("migrate", verbosity=0)
    call_command("units", "load")
    officer = User.objects.create_user("bench", password="bench-password-123", role=Role.NATIONAL_ADMIN)
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"citizens-{args.rows}.csv"
    generated = write_csv(path, args.rows, seed=11)
    size_mb = path.stat().st_size / 1e6
    print(f"CSV: {args.rows} rows, {size_mb:.0f} MB, written in {generated:.1f} s", flush=True)

    from cancuoc.registry import events, quality
    from cancuoc.registry.actions import batches

    phases = Phases()
    phases.wrap(services, "_prepare_row", "clean and check each row (registry.validation, units)")
    phases.wrap_rows(services, "read_file", "read and parse the file (CSV/XLSX reader)")
    phases.wrap(services, "insert_instances", "store the report's seen versions")
    phases.wrap(batches, "households_for", "households (insert, audit)")
    phases.wrap(batches, "insert_instances", "insert citizens and numbers (COPY, field encryption)")
    phases.wrap(batches, "snapshot", "audit snapshots (sensitive values sealed)")
    phases.wrap(events, "citizens_written_in_bulk", "audit entries (MAC, append)")
    phases.wrap(quality, "refresh_flags", "quality flags of each record")
    phases.wrap(quality, "flag_duplicates", "suspected duplicates across the registry")
    phases.wrap(batches, "settle_households", "household heads and audit (settle_households)")
    phases.wrap(batches, "_apply", "build each record from its row")
    phases.wrap(services._ErrorSink, "add", "store the report's row problems")
    from django.db import connection as _connection

    phases.wrap(_connection, "commit", "COMMIT (deferred foreign-key checks)")
    start = time.perf_counter()
    job = services.create_job(officer, path, path.name)
    job = services.validate_job(
        job,
        progress=lambda _p, done, total: print(f"check {done}", flush=True) if done % 100000 == 0 else None,
    )
    checked = time.perf_counter() - start
    check_phases = phases.take()
    start = time.perf_counter()
    job = services.apply_job(
        job,
        progress=lambda _p, done, total: print(f"apply {done}", flush=True) if done % 100000 == 0 else None,
    )
    applied = time.perf_counter() - start
    apply_phases = phases.take()
    assert job.status == "applied", job.error_en
    citizens = Citizen.objects.count()

    start = time.perf_counter()
    again = services.validate_job(services.create_job(officer, path, path.name))
    recheck = time.perf_counter() - start

    copy_seconds, copied = copy_file(path)
    total = checked + applied

    def phase_rows(measured: dict[str, float], whole: float) -> str:
        # the households' own inserts are counted in both their row and the inserts' row
        lines = [f"| {name} | {seconds:.1f} s | {seconds / copy_seconds:.0f}× |" for name, seconds in measured.items()]
        return "\n".join(lines) + f"\n| the rest (lookups of existing numbers and versions, locks, job bookkeeping) | " \
            f"{max(whole - sum(measured.values()), 0):.1f} s | |"
    record(
        "import-million",
        f"Import of {args.rows:,} citizens from CSV ({database_version(connection)})",
        f"""`bench/import_million.py`: a synthetic {size_mb:.0f} MB CSV in the documented import format
({args.rows:,} rows, {job.rejected_rows} rejected by the checks, {citizens:,} citizens after the import).
The import is the real path: every row checked (names, dates, units, area, duplicates in the file,
existing and cancelled numbers), then applied in one transaction with an audit entry per citizen,
quality flags and number registration.

| step | time | rows/s |
|---|---|---|
| check (report, nothing written) | {checked:.1f} s | {args.rows / checked:,.0f} |
| apply (one transaction) | {applied:.1f} s | {args.rows / applied:,.0f} |
| **import total** | **{total:.1f} s** | {args.rows / total:,.0f} |
| plain `COPY` of the same file into an all-text table, no index | {copy_seconds:.1f} s | {copied / copy_seconds:,.0f} |
| **ratio import / COPY** | **{total / copy_seconds:.0f}×** | |
| re-check of the same file (everything unchanged: {again.unchanged_count:,}) | {recheck:.1f} s | {args.rows / recheck:,.0f} |

Phases of the check ({checked:.1f} s), time and ratio to the COPY:

| phase | time | / COPY |
|---|---|---|
{phase_rows(check_phases, checked)}

Phases of the apply ({applied:.1f} s; it checks every row again, since the registry may have changed):

| phase | time | / COPY |
|---|---|---|
{phase_rows(apply_phases, applied)}
""",
    )


if __name__ == "__main__":
    main()
