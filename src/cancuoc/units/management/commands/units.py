from django.core.management.base import BaseCommand, CommandError

from cancuoc.progress import progress_bar
from cancuoc.units.loading import LegacyUnitsMissing, UnitsAlreadyLoaded, load_units
from cancuoc.units.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Administrative units: `units load` loads both structures and the old→new successions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load units from the installed packages")
        load.add_argument("--replace", action="store_true", help="replace units already loaded")
        load.add_argument("--if-empty", action="store_true", help="do nothing when units are already loaded")
        sub.add_parser("stats", help="count units per structure and level")

    def handle(self, *args, action, **options):
        if action == "stats":
            from django.db.models import Count

            for row in (
                AdministrativeUnit.objects.values("structure", "level")
                .annotate(n=Count("id"))
                .order_by("structure", "level")
            ):
                self.stdout.write(f"{row['structure']:8} level {row['level']}: {row['n']}")
            return
        if options["if_empty"] and AdministrativeUnit.objects.exists():
            self.stdout.write("Đơn vị hành chính đã có sẵn / units already loaded")
            return
        with progress_bar("Đơn vị hành chính / units", 98) as update:
            steps = {"n": 0}

            def report(stage, done, total):
                steps["n"] += 1
                update(steps["n"])

            try:
                report_ = load_units(report, replace=options["replace"])
            except UnitsAlreadyLoaded as error:
                raise CommandError(
                    "Đơn vị hành chính đã được nạp; dùng --replace / units already loaded; use --replace"
                ) from error
            except LegacyUnitsMissing as error:
                raise CommandError(str(error)) from error
        for key, count in sorted(report_.created.items()):
            self.stdout.write(f"{key}: {count}")
        self.stdout.write(f"successions: {report_.successions}")
        unmatched = len(report_.unmatched_succession_rows)
        self.stdout.write(f"unmatched succession rows: {unmatched}")
        for line in report_.unmatched_succession_rows[:10]:
            self.stdout.write(f"  {line}")
