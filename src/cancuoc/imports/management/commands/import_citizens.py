from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cancuoc.accounts.models import User
from cancuoc.imports import services
from cancuoc.progress import progress_bar


class Command(BaseCommand):
    help = "Import citizens from CSV or XLSX: check every row, print the report, apply with --yes."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--user", required=True, help="the acting officer's username (their area applies)"
        )
        parser.add_argument("--yes", action="store_true", help="apply the valid rows after the check")
        parser.add_argument("--max-errors", type=int, default=50, help="how many rejected rows to print")

    def handle(self, *args, file, user, yes, max_errors, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không có tệp {file} / no such file")
        acting = User.objects.filter(username=user).first()
        if acting is None:
            raise CommandError(f"Không có người dùng {user} / no such user")
        try:
            job = services.create_job(acting, path, path.name)
        except services.ImportRejected as error:
            raise CommandError(str(error)) from error
        with progress_bar("Kiểm tra / checking", job.total_rows) as update:
            job = services.validate_job(job, progress=lambda _p, done, total: update(done, total))
        if job.status == job.Status.FAILED:
            raise CommandError(f"{job.error_vi} / {job.error_en}")
        self.stdout.write(
            f"Dòng / rows: {job.total_rows}, hợp lệ / valid: {job.valid_rows}, bị từ chối / rejected: {job.rejected_rows}"
        )
        self.stdout.write(f"Sẽ tạo / will create: {job.created_count}, cập nhật / update: {job.updated_count}, "
                          f"không đổi / unchanged: {job.unchanged_count}")  # fmt: skip
        for error in job.row_errors.all()[:max_errors]:
            self.stdout.write(
                f"  dòng/line {error.line} [{error.column}] {error.message_vi} / {error.message_en}"
            )
        if job.unstored_errors:
            self.stdout.write("  {} / {}".format(*services.unstored_note(job)))
        if not yes:
            self.stdout.write(
                f"Chưa áp dụng (job #{job.pk}); chạy lại với --yes / not applied; run again with --yes"
            )
            return
        with progress_bar("Áp dụng / applying", job.total_rows) as update:
            job = services.apply_job(job, progress=lambda _p, done, total: update(done, total))
        self.stdout.write(f"Đã áp dụng / applied: tạo / created {job.created_count}, cập nhật / updated {job.updated_count}, "
                          f"không đổi / unchanged {job.unchanged_count}, từ chối / rejected {job.rejected_rows}")  # fmt: skip
