"""``cancuoc issuance expire [--on dd/mm/yyyy]``: the cards in use whose expiry date has come become
``expired`` (what the worker's daily task does; for cron when no worker runs)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cancuoc.issuance.tasks import run_expiry
from cancuoc.registry.validation import parse_date


class Command(BaseCommand):
    help = "Card lifecycle housekeeping: expire (cards whose expiry date has come, as of --on or today)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["expire"])
        parser.add_argument("--on", default="", help="the day to expire as of (dd/mm/yyyy; default today)")

    def handle(self, *args, action, on, **options):
        day = timezone.localdate()
        if on:
            try:
                day = parse_date(on[:20])
            except (ValueError, TypeError):
                day = None
            if day is None:
                raise CommandError(f"{on[:20]!r} không phải ngày dd/mm/yyyy / is not a dd/mm/yyyy date")
        moved = run_expiry(day)
        self.stdout.write(f"Đã chuyển {moved} thẻ sang hết hạn ({day:%d/%m/%Y}) / {moved} cards expired")
