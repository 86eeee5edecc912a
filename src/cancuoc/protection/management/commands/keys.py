"""``cancuoc keys status | create | rotate --user U | rekey --user U [--batch-size N]``: the personal-data key."""

from django.core.management.base import BaseCommand, CommandError

from cancuoc import keyring
from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.protection import crypto, services


def _acting_user(username: str) -> User:
    acting = User.objects.filter(username=username, is_active=True).first()
    if acting is None:
        raise CommandError(f"Không có người dùng đang hoạt động {username} / no active user {username}")
    return acting


class Command(BaseCommand):
    help = (
        "Personal-data encryption key: status (versions, values under each), rotate (a new current "
        "version), rekey (re-encrypt everything under older versions, in batches). rotate and rekey "
        "take --user and are audited."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="key versions and how many values each one holds")
        sub.add_parser("create", help="create the first version if there is none (first start in production)")
        rotate = sub.add_parser("rotate", help="a new key version, current from now on; old ones stay")
        rekey = sub.add_parser("rekey", help="re-encrypt values and files under older versions")
        rekey.add_argument("--batch-size", type=int, default=2000)
        for command in (rotate, rekey):
            command.add_argument("--user", required=True, help="acting user (national admin; audited)")

    def handle(self, *args, action, **options):
        try:
            if action == "status":
                self._status()
            elif action == "create":
                self._create()
            elif action == "rotate":
                key = services.rotate_data_key(_acting_user(options["user"]))
                self.stdout.write(
                    f"Khóa {crypto.KEY_NAME} phiên bản {key.version} là khóa hiện hành; chạy `cancuoc keys "
                    f"rekey` để mã hóa lại dữ liệu cũ / key {crypto.KEY_NAME} version {key.version} is "
                    f"current; run `cancuoc keys rekey` to re-encrypt older data"
                )
            elif action == "rekey":
                self._rekey(_acting_user(options["user"]), options["batch_size"])
        except PermissionDenied as error:
            raise CommandError(f"Vai trò của {options['user']} không được làm việc này / "
                               f"the role of {options['user']} may not do this") from error  # fmt: skip
        except (keyring.KeyMissing, crypto.DecryptionError) as error:
            raise CommandError(str(error)) from error

    def _create(self) -> None:
        folder = keyring.keys_dir()
        if any(folder.glob(f"{crypto.KEY_NAME}.*.key")):
            self.stdout.write(f"{crypto.KEY_NAME}: đã có / already present in {folder}")
            return
        key = keyring.create_version(crypto.KEY_NAME)
        self.stdout.write(f"{crypto.KEY_NAME}.{key.version} tạo trong / created in {folder}: "
                          f"sao lưu thư mục này / back this folder up")  # fmt: skip

    def _status(self) -> None:
        current = crypto.current_version()
        counts = services.count_by_version()
        folder = keyring.keys_dir()
        versions = sorted(
            int(path.name.split(".")[1]) for path in folder.glob(f"{crypto.KEY_NAME}.*.key") if path.is_file()
        )
        self.stdout.write(f"{folder}: {crypto.KEY_NAME} versions {versions}, current {current}")
        for version in sorted(set(counts) | set(versions)):
            mark = " (current)" if version == current else ""
            self.stdout.write(f"  version {version}{mark}: {counts.get(version, 0)} values in the database")
        missing = sorted(set(counts) - set(versions))
        if missing:
            raise CommandError(f"Thiếu khóa phiên bản {missing} / key versions {missing} are missing")
        wrong = services.versions_that_do_not_open()
        if wrong:
            raise CommandError(f"Khóa phiên bản {wrong} không mở được dữ liệu của nó (bị thay hoặc hỏng) / "
                               f"key versions {wrong} do not open their values (replaced or damaged)")  # fmt: skip
        self.stdout.write("Mỗi phiên bản khóa mở được dữ liệu của nó / every key version opens its values")

    def _rekey(self, acting, batch_size: int) -> None:
        def progress(done: int, total: int) -> None:
            self.stdout.write(f"\r  {done:,} / {total:,} rows", ending="")
            self.stdout.flush()

        report = services.rekey(acting, batch_size=batch_size, progress=progress)
        self.stdout.write("")
        self.stdout.write(
            f"key version {report.version}: {report.values} values in {report.rows} rows re-encrypted "
            f"(were under versions {dict(sorted(report.before.items()))}), {report.files} files; "
            f"{report.skipped} rows changed meanwhile"
        )
        if report.unreadable_files:
            self.stdout.write(f"Tệp không giải mã được, để nguyên / files that do not decrypt, left as they are: "
                              f"{', '.join(report.unreadable_files)}")  # fmt: skip
        if report.skipped:
            self.stdout.write("Chạy lại để mã hóa lại các dòng đó / run again to re-encrypt those rows")
