"""``cancuoc outbox send``: send the due messages now (what the worker's task does), settling first the
ones a crashed worker left half-sent; ``cancuoc outbox status``: counts by state."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from cancuoc.issuance import outbox
from cancuoc.issuance.errors import IssuanceError
from cancuoc.issuance.models import OutboxMessage


class Command(BaseCommand):
    help = "Outbox of messages to citizens: send (the due ones, with retries and back-off) or status."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["send", "status"])
        parser.add_argument("--limit", type=int, default=1000, help="at most this many messages (default 1000)")

    def handle(self, *args, action, limit, **options):
        if action == "status":
            counts = dict(OutboxMessage.objects.values_list("state").order_by().annotate(n=Count("pk")))
            for state in OutboxMessage.State.values:
                self.stdout.write(f"{state:<11} {counts.get(state, 0)}")
            return
        if not 1 <= limit <= 100_000:
            raise CommandError("--limit: 1 đến 100.000 / 1 to 100,000")
        try:
            counts = outbox.deliver_due(limit=limit)
        except IssuanceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Đã gửi {counts['sent']}, thử lại sau {counts['retry']}, thất bại {counts['failed']}, "
                          f"xử lý lại {counts['recovered']} / sent {counts['sent']}, to retry {counts['retry']}, "
                          f"failed {counts['failed']}, recovered {counts['recovered']}")  # fmt: skip
