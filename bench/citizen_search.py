"""Citizen search latency on PostgreSQL with the million citizens of bench/import_million.py.

    python bench/citizen_search.py [--database-url postgresql://postgres@127.0.0.1:5432/cancuoc_bench]

Goals: p99 under 5 ms by ID number and under 50 ms by name (ranked, any page) or by a number prefix. Timed through `search_citizens`, the
function behind the page and the API (scope filter included), as a national administrator and as a
commune officer; the audit write of the page is not included.
"""

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import database_version, record, setup_django, time_calls  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/cancuoc_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    from cancuoc.accounts.models import Role, User
    from cancuoc.registry.models import Citizen
    from cancuoc.registry.selectors import search_citizens
    from cancuoc.rules.text import fold

    total = Citizen.objects.count()
    if total < 100_000:
        sys.exit("run bench/import_million.py first")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rng = random.Random(5)
    sample = list(
        Citizen.objects.order_by("?").values_list(
            "id_number", "full_name", "birth_date", "permanent_unit_id"
        )[:3000]
    )
    admin = User.objects.filter(role=Role.NATIONAL_ADMIN).first()
    busiest_unit = max(
        {row[3] for row in sample}, key=lambda unit: sum(1 for row in sample if row[3] == unit)
    )
    officer, _ = User.objects.get_or_create(username="bench-commune", defaults={"role": Role.COMMUNE_OFFICER,
                                                                                "unit_id": busiest_unit})  # fmt: skip
    ids = [rng.choice(sample)[0] for _ in range(args.queries)]
    missing = [f"{rng.randrange(10**11, 10**12):012d}" for _ in range(args.queries // 4)]
    full_names = [fold(rng.choice(sample)[1]) for _ in range(args.queries)]
    exact = [rng.choice(sample)[1] for _ in range(args.queries)]
    partial = []
    for _ in range(args.queries):
        words = fold(rng.choice(sample)[1]).split()
        partial.append(" ".join(words[1:]) if len(words) > 2 else words[-1])  # "van an": middle + given
    unfinished = []  # the last word cut short, as while typing: "nguyen van hu"
    for _ in range(args.queries):
        words = fold(rng.choice(sample)[1]).split()
        unfinished.append(" ".join([*words[:-1], words[-1][: max(2, len(words[-1]) - 2)]]))
    with_year = [(fold(row[1]), row[2].year) for row in (rng.choice(sample) for _ in range(args.queries))]
    # the first two words with diacritics, as while typing ("Nguyễn Văn"): the largest sets to rank
    two_words = [" ".join(rng.choice(sample)[1].split()[:2]) for _ in range(args.queries)]
    local = [fold(row[1]) for row in sample if row[3] == busiest_unit] or full_names[:100]
    local = (local * (args.queries // len(local) + 1))[: args.queries]
    local_ids = [row[0] for row in sample if row[3] == busiest_unit] or ids[:100]
    prefixes = [rng.choice(local_ids)[: rng.choice((9, 10, 11))] for _ in range(args.queries)]

    rows = [
        ("by ID number (existing)", "admin", time_calls(lambda q: search_citizens(admin, q), ids), 5),
        ("by ID number (not found)", "admin", time_calls(lambda q: search_citizens(admin, q), missing), 5),
        ("by ID number", "commune officer", time_calls(lambda q: search_citizens(officer, q), ids), 5),
        ("by full name, no diacritics", "admin", time_calls(lambda q: search_citizens(admin, q), full_names), 50),
        ("by full name, with diacritics", "admin", time_calls(lambda q: search_citizens(admin, q), exact), 50),
        ("by middle + given name (partial)", "admin", time_calls(lambda q: search_citizens(admin, q), partial), 50),
        ("by name, last word unfinished", "admin", time_calls(lambda q: search_citizens(admin, q), unfinished), 50),
        ("by full name + birth year", "admin", time_calls(lambda q: search_citizens(admin, q[0], birth_year=q[1]), with_year), 50),
        ("by full name", "commune officer", time_calls(lambda q: search_citizens(officer, q), local), 50),
        ("by the first two words, ranked", "admin", time_calls(lambda q: search_citizens(admin, q), two_words), 50),
        ("by the first two words, second page", "admin",
         time_calls(lambda q: search_citizens(admin, q, offset=50), two_words), 50),
        ("by the first two words, ranked", "commune officer",
         time_calls(lambda q: search_citizens(officer, q), two_words), 50),
        ("by 9 to 11 digits of a number", "commune officer",
         time_calls(lambda q: search_citizens(officer, q), prefixes), 50),
    ]  # fmt: skip
    table = "\n".join(
        f"| {what} | {who} | {s['p50']:.2f} | {s['p95']:.2f} | {s['p99']:.2f} | {s['max']:.1f} | < {goal} ms: "
        f"**{'meets' if s['p99'] < goal else 'misses'}** |"
        for what, who, s, goal in rows
    )
    record(
        "citizen-search",
        f"Citizen search, {total:,} citizens ({database_version(connection)})",
        f"""`bench/citizen_search.py`: {args.queries} queries per row, drawn from real records of the bench database
(names of a third of the people start with Nguyễn). Times in milliseconds; up to 50 results per query.

| query | as | p50 | p95 | p99 | max | goal (p99) |
|---|---|---|---|---|---|---|
{table}
""",
    )


if __name__ == "__main__":
    main()
