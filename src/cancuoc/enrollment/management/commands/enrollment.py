from django.core.management.base import BaseCommand

from cancuoc.progress import progress_bar


class Command(BaseCommand):
    help = "Enrollment: `enrollment process` runs every pending stage until nothing is left to do."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("process", help="run the pending stages of every application")

    def handle(self, *args, action, **options):
        from cancuoc.enrollment.processing import process_pending

        with progress_bar("Xử lý hồ sơ / processing") as update:
            counts = process_pending(progress=update)
        if not counts:
            self.stdout.write("Không có hồ sơ nào chờ xử lý / nothing pending")
        for stage, count in sorted(counts.items()):
            self.stdout.write(f"{stage}: {count}")
