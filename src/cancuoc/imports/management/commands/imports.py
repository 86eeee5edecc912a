"""``cancuoc imports purge`` and ``cancuoc imports recover``: the imports' housekeeping, which the worker
also runs by itself (when it starts and every few minutes); for cron when no worker runs."""

from django.core.management.base import BaseCommand

from cancuoc.imports import services


class Command(BaseCommand):
    help = (
        "purge: delete uploaded files whose job ended more than CANCUOC_IMPORT_RETENTION_DAYS ago; "
        "recover: mark failed the checking/applying jobs whose worker stopped (they may run again)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["purge", "recover"])

    def handle(self, *args, action, **options):
        if action == "purge":
            deleted = services.purge_expired_uploads()
            self.stdout.write(f"Đã xóa {deleted} tệp tải lên hết hạn / {deleted} expired uploads deleted")
        else:
            failed = services.fail_interrupted_jobs()
            listed = ", ".join(f"#{pk}" for pk in failed) or "-"
            self.stdout.write(
                f"Việc nhập bị gián đoạn, đã đánh dấu thất bại / interrupted imports marked failed: {listed}"
            )
