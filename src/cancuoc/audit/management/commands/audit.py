from django.core.management.base import BaseCommand, CommandError

from cancuoc.audit.services import verify_chain
from cancuoc.progress import progress_bar


class Command(BaseCommand):
    help = "Audit log: `audit verify` recomputes the hash chain and reports edited or deleted entries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify")

    def handle(self, *args, action, **options):
        with progress_bar("Nhật ký / audit log") as update:
            checked, problems = verify_chain(progress=update)
        for problem in problems[:50]:
            self.stderr.write(f"entry {problem.sequence}: {problem.problem}")
        if problems:
            raise CommandError(f"Nhật ký bị sửa hoặc xóa: {len(problems)} lỗi trong {checked} mục / "
                               f"audit log tampered: {len(problems)} problems in {checked} entries")  # fmt: skip
        self.stdout.write(f"OK: {checked} mục, chuỗi băm nguyên vẹn / {checked} entries, hash chain intact")
