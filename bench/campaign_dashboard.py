"""The campaign dashboard of a province over 1,000,000 citizens in 3,000 communes: page time p50/p99
(goal: under 200 ms), measured in-process through Django's test client (middleware, view, template; no
network). Also the country page (34 provinces) and the daily report (PDF, XLSX).

    python bench/campaign_dashboard.py [--database-url URL] [--requests 300]

What is seeded (in a database of its own, by default var/bench-campaigns/bench.sqlite3): 34 provinces and
3,000 communes of the 2025 structure, and the kept counts a fold of 1,000,000 citizens leaves: one counter row
per unit and for the country (targets summing to 1,000,000), 60 days of the daily series per unit, one
station per commune with 14 days of throughput. The citizens themselves are not seeded: the page reads only
the kept counts, never the citizens (that is the point); bench/campaign_counts_cost.py measures the fold and
the rebuild over real records.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, database_version, percentiles, record, setup_django  # noqa: E402

PROVINCES, COMMUNES, CITIZENS, DAYS = 34, 3000, 1_000_000, 60


def seed() -> None:
    from django.db import transaction
    from django.utils import timezone

    from cancuoc.accounts.models import Role, User
    from cancuoc.campaigns.models import StationDay, UnitCount, UnitDay
    from cancuoc.enrollment.models import Station
    from cancuoc.rules.text import fold
    from cancuoc.units.models import AdministrativeUnit, Kind, Level, Structure

    rng = random.Random(2026)
    today = timezone.localdate()
    with transaction.atomic():
        provinces = AdministrativeUnit.objects.bulk_create([
            AdministrativeUnit(structure=Structure.Y2025, level=Level.PROVINCE, kind=Kind.TINH, code=f"{p + 1:02d}",
                               name=f"Tỉnh Thử {p + 1}", name_folded=fold(f"Tỉnh Thử {p + 1}"), path="", depth=0)
            for p in range(PROVINCES)])  # fmt: skip
        provinces = list(AdministrativeUnit.objects.filter(level=Level.PROVINCE).order_by("pk"))
        for province in provinces:
            province.path = f"/{province.pk}/"
        AdministrativeUnit.objects.bulk_update(provinces, ["path"])
        AdministrativeUnit.objects.bulk_create([
            AdministrativeUnit(structure=Structure.Y2025, level=Level.COMMUNE, kind=Kind.XA, code=f"{c + 1:05d}",
                               name=f"Xã Thử {c + 1}", name_folded=fold(f"Xã Thử {c + 1}"),
                               parent=provinces[c % PROVINCES], path="", depth=1) for c in range(COMMUNES)],
            batch_size=1000)  # fmt: skip
        communes = list(
            AdministrativeUnit.objects.filter(level=Level.COMMUNE).select_related("parent").order_by("pk")
        )
        for commune in communes:
            commune.path = f"{commune.parent.path}{commune.pk}/"
        AdministrativeUnit.objects.bulk_update(communes, ["path"], batch_size=1000)
        stations = Station.objects.bulk_create([Station(code=f"ST{c.code}", name=f"Công an {c.name}", kind="fixed", unit=c)
                                                for c in communes], batch_size=1000)  # fmt: skip
        stations = list(Station.objects.select_related("unit").order_by("pk"))
        # each commune's target, summing to 1,000,000; coverage between 40 % and 100 %, growing over 60 days
        targets = [CITIZENS // COMMUNES + (1 if i < CITIZENS % COMMUNES else 0) for i in range(COMMUNES)]
        finals = [rng.uniform(0.4, 1.0) for _ in communes]
        counts, days = {}, []
        for commune, target, final in zip(communes, targets, finals, strict=True):
            for offset in range(DAYS):
                day = today - timedelta(days=DAYS - 1 - offset)
                covered = min(target, int(target * final * (offset + 1) / DAYS))
                values = dict(target=target, applications=covered, approved=int(covered * 0.9),
                              produced=int(covered * 0.8), handed_over=int(covered * 0.7),
                              valid_cards=int(covered * 0.7), covered=covered)  # fmt: skip
                for key in (commune.path, commune.parent.path, "/"):
                    total = counts.setdefault((key, day), dict.fromkeys(values, 0))
                    for name, value in values.items():
                        total[name] += value
        for (key, day), values in counts.items():
            days.append(UnitDay(path=key, day=day, **values))
        UnitDay.objects.bulk_create(days, batch_size=5000)
        latest = {key: values for (key, day), values in counts.items() if day == today}
        UnitCount.objects.bulk_create([UnitCount(path=key, out_not_applied=v["target"] - v["covered"], **v)
                                       for key, v in latest.items()], batch_size=5000)  # fmt: skip
        StationDay.objects.bulk_create([
            StationDay(station=station, unit_path=station.unit.path, day=today - timedelta(days=d),
                       applications=rng.randint(20, 120), capture_seconds=rng.randint(20, 120) * 200)
            for station in stations for d in range(14)], batch_size=5000)  # fmt: skip
        User.objects.create(username="bench-campaign-admin", role=Role.NATIONAL_ADMIN)
        User.objects.create(username="bench-campaign-supervisor", role=Role.SUPERVISOR, unit=provinces[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    var_dir = ROOT / "var" / "bench-campaigns"
    var_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}", str(var_dir))
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from cancuoc.accounts.models import User
    from cancuoc.units.models import AdministrativeUnit

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not User.objects.filter(username="bench-campaign-admin").exists():
        seed()
    seeded = time.perf_counter() - started
    province = AdministrativeUnit.objects.filter(level=1).order_by("pk").first()
    children = province.children.count()
    client = Client()
    client.force_login(User.objects.get(username="bench-campaign-supervisor"))
    national = Client()
    national.force_login(User.objects.get(username="bench-campaign-admin"))

    def timed(session, url, params, n):
        for _ in range(10):
            assert session.get(url, params).status_code == 200
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            response = session.get(url, params)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        return percentiles(samples)

    province_page = timed(client, "/campaigns/", {"unit": province.code}, args.requests)
    country_page = timed(national, "/campaigns/", {"unit": "VN"}, max(args.requests // 3, 30))
    report_pdf = timed(client, "/campaigns/report.pdf", {"unit": province.code}, 30)
    report_xlsx = timed(client, "/campaigns/report.xlsx", {"unit": province.code}, 30)
    verdict = "meets" if province_page["p99"] < 200 else "misses"

    def line(name, stats):
        return f"| {name} | {stats['n']} | {stats['p50']:.1f} | {stats['p99']:.1f} | {stats['max']:.1f} |"

    record(
        f"campaign-dashboard-{connection.vendor}",
        f"Campaign dashboard over 1,000,000 citizens and 3,000 communes ({database_version(connection)})",
        f"""`bench/campaign_dashboard.py`: seeded {PROVINCES} provinces, {COMMUNES} communes, the kept counts of
{CITIZENS:,} citizens (one counter per unit and the country, {DAYS} days of the daily series per unit, one
station per commune with 14 days of throughput) in {seeded:.0f} s; the citizens themselves are not seeded
because the page never reads them. Pages fetched in-process through Django's test client as a province
supervisor (the province has {children} communes) and as a national administrator.

| page | requests | p50 ms | p99 ms | max ms |
|---|---|---|---|---|
{line("province dashboard (heat table, ranking, charts)", province_page)}
{line("country dashboard (34 provinces)", country_page)}
{line("daily report PDF (province)", report_pdf)}
{line("daily report XLSX (province)", report_xlsx)}

Goal p99 < 200 ms for the province dashboard: **{verdict}**.""",
    )


if __name__ == "__main__":
    main()
