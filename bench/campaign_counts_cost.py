"""What keeping the campaign counts live costs: the milliseconds an application or card change pays
(nothing runs in its transaction: the counts are folded afterwards from the history tables), the fold's
cost per change it folds and when idle, the inline refresh a visit pays, and `campaign rebuild` over real
records (extrapolated linearly to 1,000,000 citizens).

    python bench/campaign_counts_cost.py [--database-url URL] [--citizens 200000] [--changes 1000]

Seeds, in a database of its own (default var/bench-campaign-cost/bench.sqlite3): one province of 100
communes, ``--citizens`` citizens (birth years 1935–2015, so about 80 % are 14 or older), a station per commune.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import ROOT, database_version, record, setup_django  # noqa: E402


def seed(citizens: int):
    from django.db import transaction
    from django.utils import timezone

    from cancuoc.accounts.models import Role, User
    from cancuoc.enrollment.models import Station
    from cancuoc.registry.models import Citizen
    from cancuoc.rules.text import fold, sorted_tokens_key
    from cancuoc.units.models import AdministrativeUnit, Kind, Level, Structure

    rng = random.Random(7)
    with transaction.atomic():
        province = AdministrativeUnit.objects.create(structure=Structure.Y2025, level=Level.PROVINCE, kind=Kind.TINH,
                                                     code="90", name="Tỉnh Thử", name_folded="tinh thu", path="")  # fmt: skip
        province.path = f"/{province.pk}/"
        province.save(update_fields=["path"])
        communes = []
        for c in range(100):
            unit = AdministrativeUnit.objects.create(structure=Structure.Y2025, level=Level.COMMUNE, kind=Kind.XA,
                                                     code=f"9{c:04d}", name=f"Xã Thử {c}", name_folded=f"xa thu {c}",
                                                     parent=province, path="", depth=1)  # fmt: skip
            unit.path = f"{province.path}{unit.pk}/"
            unit.save(update_fields=["path"])
            communes.append(unit)
        for unit in communes:
            Station.objects.create(
                code=f"ST{unit.code}", name=f"Công an {unit.name}", kind="fixed", unit=unit
            )
        User.objects.create(username="bench-cost-officer", role=Role.NATIONAL_ADMIN)
    batch = []
    for n in range(citizens):
        full = f"Nguyễn Văn Thử {n}"
        batch.append(Citizen(id_number=f"090{n:09d}", family_name="Nguyễn", middle_name="Văn", given_name=f"Thử {n}",
                             full_name=full, name_folded=fold(full), name_sorted=sorted_tokens_key(full),
                             birth_date=date(rng.randint(1935, 2015), rng.randint(1, 12), rng.randint(1, 28)),
                             sex="M", permanent_unit=communes[n % 100]))  # fmt: skip
        if len(batch) == 5000:
            Citizen.objects.bulk_create(batch)
            batch = []
    Citizen.objects.bulk_create(batch)
    # an existing registry: its records last changed yesterday (update() leaves auto_now alone)
    Citizen.objects.update(updated_at=timezone.now() - timedelta(days=1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--citizens", type=int, default=200_000)
    parser.add_argument("--changes", type=int, default=1000)
    args = parser.parse_args()
    var_dir = ROOT / "var" / "bench-campaign-cost"
    var_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.database_url or f"sqlite:///{var_dir / 'bench.sqlite3'}", str(var_dir))
    from django.core.management import call_command
    from django.db import connection, transaction

    from cancuoc.accounts.models import User
    from cancuoc.campaigns import counting
    from cancuoc.cards import lifecycle
    from cancuoc.enrollment.actions import move
    from cancuoc.enrollment.models import Application, ApplicationEvent, Station
    from cancuoc.registry.models import Citizen

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not User.objects.filter(username="bench-cost-officer").exists():
        seed(args.citizens)
    seeded = time.perf_counter() - started
    citizens = Citizen.objects.count()
    officer = User.objects.get(username="bench-cost-officer")

    started = time.perf_counter()
    result = counting.rebuild()
    rebuild_seconds = time.perf_counter() - started
    counting.fold()
    started = time.perf_counter()
    counting.fold()
    idle_fold_ms = (time.perf_counter() - started) * 1000

    # application changes: intake rows, then stage moves through enrollment.actions.move
    rng = random.Random(3)
    stations = {s.unit_id: s for s in Station.objects.all()}
    start_pk = Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    people = list(Citizen.objects.filter(applications__isnull=True, birth_date__lt=date(2000, 1, 1))
                  .values_list("pk", "permanent_unit_id")[: args.changes * 3])  # fmt: skip
    chosen = rng.sample(people, args.changes)
    move_ms = []
    for number, (citizen_id, unit_id) in enumerate(chosen):
        station = stations[unit_id]
        with transaction.atomic():
            application = Application.objects.create(
                code=f"B{start_pk + number:011d}", citizen_id=citizen_id, station=station,
                unit_path=f"/x/{unit_id}/", kind="first", created_by=officer, idempotency_key=f"bench-{start_pk + number}",
                request_digest="0" * 64)  # fmt: skip
            ApplicationEvent.objects.create(application=application, stage="completeness", code="submitted")
        begin = time.perf_counter()
        with transaction.atomic():
            move(application, "demographic_check", actor=officer)
        move_ms.append((time.perf_counter() - begin) * 1000)
    started = time.perf_counter()
    folded_apps = counting.fold()
    fold_apps_ms = (time.perf_counter() - started) * 1000

    # card changes through cards.lifecycle: order, then personalise one by one
    applications = list(Application.objects.filter(pk__gt=start_pk).select_related("citizen")[: args.changes])
    cards = lifecycle.order_cards(
        officer, [(a.citizen, a, a.unit_path) for a in applications], reason="bench"
    )
    counting.fold()
    card_ms = []
    for card in cards:
        begin = time.perf_counter()
        lifecycle.transition(officer, card, "personalised", reason="bench")
        card_ms.append((time.perf_counter() - begin) * 1000)
    started = time.perf_counter()
    counting.fold()
    fold_cards_ms = (time.perf_counter() - started) * 1000

    # what a visit pays inline (campaigns' own action): one citizen's standing recomputed
    sample = [pk for pk, _unit in chosen[:200]]
    refresh_ms = []
    for pk in sample:
        begin = time.perf_counter()
        with transaction.atomic():
            counting.refresh_citizen(pk)
        refresh_ms.append((time.perf_counter() - begin) * 1000)

    per_million = rebuild_seconds * 1_000_000 / max(citizens, 1)
    record(
        f"campaign-counts-cost-{connection.vendor}",
        f"Campaign counts kept live: cost per change, fold, rebuild ({database_version(connection)})",
        f"""`bench/campaign_counts_cost.py`: {citizens:,} citizens in 100 communes (seeded in {seeded:.0f} s),
{args.changes} application stage changes and {args.changes} card changes made through their apps' own actions
(`enrollment.actions.move`, `cards.lifecycle.transition`).

| what | figure |
|---|---|
| added to an application or card change (nothing of the campaign runs in its transaction) | 0 ms |
| an application stage change itself (`move`, median) | {statistics.median(move_ms):.2f} ms |
| a card change itself (`transition` to personalised, median) | {statistics.median(card_ms):.2f} ms |
| fold of {args.changes} new applications (their standings and every counter above them) | {fold_apps_ms:.0f} ms = {fold_apps_ms / args.changes:.2f} ms per change ({folded_apps["citizens"]} citizens, {folded_apps["units"]} counters) |
| fold of {args.changes} card changes | {fold_cards_ms:.0f} ms = {fold_cards_ms / args.changes:.2f} ms per change |
| fold with nothing new (the periodic task's floor; it scans `Citizen.updated_at`, unindexed) | {idle_fold_ms:.0f} ms |
| a visit's inline refresh of one citizen (median) | {statistics.median(refresh_ms):.2f} ms |
| `campaign rebuild` over {citizens:,} citizens ({result["units"]} counters) | {rebuild_seconds:.1f} s |
| `campaign rebuild` extrapolated to 1,000,000 citizens (linear) | {per_million:.0f} s |""",
    )


if __name__ == "__main__":
    main()
