from django.core.management import call_command
from django.core.management.base import BaseCommand

from cancuoc.demo.services import DEMO_PASSWORD, ensure_demo_users, province_by_code
from cancuoc.registry.models import Citizen
from cancuoc.units.models import AdministrativeUnit

DEMO_APPLICATIONS = 24


def _demo_admin():
    from cancuoc.accounts.models import User

    return User.objects.get(username="admin")


class Command(BaseCommand):
    help = "First start: migrate, load units, create a demo province if the database is empty, print logins."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="01")
        parser.add_argument("--citizens", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, province, citizens, seed, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not AdministrativeUnit.objects.exists():
            self.stdout.write("Nạp đơn vị hành chính / loading administrative units …")
            call_command("units", "load", stdout=self.stdout)
        if not Citizen.objects.exists():
            self.stdout.write("Tạo dân cư demo / generating the demo population …")
            call_command(
                "demo", province=province, citizens=citizens, seed=seed, no_users=True, stdout=self.stdout
            )
        logins = ensure_demo_users(province_by_code(province))
        self._ensure_demo_pki()
        self._ensure_demo_campaign(province, seed)
        self.stdout.write("\n" + "=" * 72)
        self.stdout.write("cancuoc: http://127.0.0.1:8000")
        self.stdout.write(f"Tài khoản demo / demo logins — mật khẩu / password: {DEMO_PASSWORD}")
        for login in logins:
            self.stdout.write(f"  {login.username:12} {login.role} · {login.area}")
        key = self._ensure_demo_relying_party()
        if key:
            self.stdout.write(f"Khóa API đơn vị khai thác demo / demo relying party's API key: {key}")
            self.stdout.write('  curl -H "Authorization: Bearer KEY" -H "Content-Type: application/json" '
                              '-d \'{"serial": "...", "mrz": "..."}\' http://127.0.0.1:8000/api/v1/status')  # fmt: skip
        self.stdout.write("=" * 72)

    def _ensure_demo_campaign(self, province, seed):
        """Stations, shifts and slots at once; the history of applications is left to the worker."""
        from cancuoc.demo.enrollment import ensure_stations
        from cancuoc.demo.tasks import demo_applications
        from cancuoc.enrollment.models import Application

        ensure_stations(province_by_code(province))
        if not Application.objects.exists():
            demo_applications.enqueue(DEMO_APPLICATIONS, seed)
            self.stdout.write(f"Hồ sơ demo: {DEMO_APPLICATIONS} hồ sơ sẽ được tạo dần bởi tiến trình nền / "
                              f"demo applications: {DEMO_APPLICATIONS} are being made by the worker")  # fmt: skip

    def _ensure_demo_relying_party(self):
        from cancuoc.demo.cards import ensure_relying_party

        return ensure_relying_party()

    def _ensure_demo_pki(self):
        """The demo's card keys, so that the production login can personalise cards at once (a real
        installation runs `cancuoc pki init --user <national admin>` itself, with its passphrase or token)."""
        from django.utils import timezone

        from cancuoc.cards import keystore, services

        try:
            keystore.csca_certificate()
        except keystore.KeystoreError:
            try:
                services.initialise_pki(_demo_admin(), timezone.now())
            except keystore.KeystoreError as error:  # e.g. a token or passphrase setting the demo cannot meet
                self.stderr.write(f"pki: {error}")
                return
            self.stdout.write("Khóa thẻ demo đã tạo / demo card keys created (cancuoc pki init)")
