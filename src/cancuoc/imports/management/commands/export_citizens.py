from django.core.management.base import BaseCommand, CommandError

from cancuoc.accounts.models import User
from cancuoc.imports.exporting import citizens_for_export, write_csv, write_xlsx
from cancuoc.registry import events
from cancuoc.units.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Export the citizens of a unit (and everything beneath it) to CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--unit", help="unit primary key (default: the user's area)")
        parser.add_argument("--out", required=True, help="file to write; .xlsx gives XLSX, anything else CSV")

    def handle(self, *args, user, unit, out, **options):
        acting = User.objects.filter(username=user).first()
        if acting is None:
            raise CommandError(f"Không có người dùng {user} / no such user")
        chosen = AdministrativeUnit.objects.filter(pk=unit).first() if unit else acting.unit
        citizens = citizens_for_export(acting, chosen)
        if out.endswith(".xlsx"):
            count = write_xlsx(citizens, out)
        else:
            with open(out, "w", encoding="utf-8-sig", newline="") as handle:
                count = write_csv(citizens, handle)
        events.citizens_exported(acting, unit=chosen, file_format=f"csv to {out}", count=count)
        self.stdout.write(f"{count} công dân / citizens → {out}")
