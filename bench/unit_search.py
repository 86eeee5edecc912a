"""Type-ahead search over all administrative units: latency per keystroke query (goal: p99 < 20 ms).

    python bench/unit_search.py [--database-url URL]

Uses the database named by DATABASE_URL (default: the demo SQLite file); loads the units if missing.
Queries are prefixes of real unit names as an officer types them, without diacritics, with some typed
with diacritics and some names of units that ceased in 2025.
"""

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import database_version, record, setup_django, time_calls  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--queries", type=int, default=3000)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from cancuoc.units.models import AdministrativeUnit
    from cancuoc.units.selectors import search_units

    call_command("migrate", verbosity=0)
    if not AdministrativeUnit.objects.exists():
        call_command("units", "load")
    rng = random.Random(7)
    names = list(AdministrativeUnit.objects.values_list("name", "name_folded"))
    queries = []
    for _ in range(args.queries):
        name, folded = rng.choice(names)
        words = folded.split()[1:] or folded.split()  # officers type the name, not "xa"/"phuong"
        typed = " ".join(words)[: rng.randint(2, max(2, len(" ".join(words))))]
        queries.append(name.split(" ", 1)[-1][: len(typed) + 1] if rng.random() < 0.2 else typed)
    stats = time_calls(search_units, queries, warm_up=50)
    units = AdministrativeUnit.objects.count()
    verdict = "meets" if stats["p99"] < 20 else "misses"
    record(
        f"unit-search-{connection.vendor}",
        f"Unit type-ahead search ({database_version(connection)})",
        f"""`bench/unit_search.py`: {stats["n"]} queries over all {units} units (both structures), each a typed
prefix of a real unit name, mostly without diacritics, ranked, first 20 returned.

| p50 | p95 | p99 | max | goal |
|---|---|---|---|---|
| {stats["p50"]:.2f} ms | {stats["p95"]:.2f} ms | {stats["p99"]:.2f} ms | {stats["max"]:.2f} ms | p99 < 20 ms: **{verdict}** |
""",
    )


if __name__ == "__main__":
    main()
