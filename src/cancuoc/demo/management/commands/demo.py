from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cancuoc.demo.services import DEMO_PASSWORD, DemoError, ensure_demo_users, generate_population
from cancuoc.progress import progress_bar
from cancuoc.registry.validation import parse_date


class Command(BaseCommand):
    help = "Generate a deterministic synthetic population for one province (2025 province code)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--province", required=True, help="province code since 1 July 2025, e.g. 01 (Hà Nội)"
        )
        parser.add_argument("--citizens", type=int, default=10000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today", help="reference date dd/mm/yyyy (default: today); fixes ages for tests"
        )
        parser.add_argument("--no-users", action="store_true", help="do not create the demo logins")
        parser.add_argument("--applications", type=int, default=0,
                            help="also stations, shifts, slots and this many processed applications")  # fmt: skip

    def handle(self, *args, province, citizens, seed, today, no_users, applications=0, **options):
        reference: date = parse_date(today) if today else timezone.localdate()
        with progress_bar("Công dân / citizens", citizens) as update:
            try:
                result = generate_population(province_code=province, citizens=citizens, seed=seed, today=reference,
                                             progress=update)  # fmt: skip
            except DemoError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"{result.province.name}: {result.citizens} công dân / citizens, {result.households} hộ / households"
        )
        if not no_users or applications:
            logins = ensure_demo_users(result.province)
        if applications:
            from cancuoc.demo.enrollment import create_applications, ensure_stations

            ensure_stations(result.province)
            with progress_bar("Hồ sơ / applications", applications) as update:
                made = create_applications(applications, seed=seed, progress=update)
            self.stdout.write(f"{made} hồ sơ / applications")
        if not no_users:
            self.print_logins(logins)

    def print_logins(self, logins):
        self.stdout.write(f"\nTài khoản demo / demo logins (mật khẩu / password: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:12} {login.role} · {login.area}")
