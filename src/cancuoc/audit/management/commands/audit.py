"""``cancuoc audit seal | head --out FILE | verify [--against FILE] | public-key --out FILE | create-keys |
rotate-key mac|checkpoint --user U``."""

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from cancuoc import keyring
from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import PermissionDenied, Verb, require_permission
from cancuoc.audit import chain, events, sealing, spool
from cancuoc.audit.tasks import schedule_sealing
from cancuoc.progress import progress_bar

KEYS = {"mac": "audit-mac", "checkpoint": sealing.CHECKPOINT_KEY}


class Command(BaseCommand):
    help = (
        "Audit log: `seal` signs a checkpoint of what is committed now; `head --out FILE` writes the latest "
        "signed checkpoint for safekeeping outside; `verify [--against FILE]` checks every entry's MAC, the "
        "checkpoints' signatures and the chain, and exits non-zero naming the first bad entry; "
        "`public-key --out FILE` exports the checkpoint signing key's public half; `create-keys` makes the "
        "keys at the first start; `rotate-key mac|checkpoint --user U` starts a new key version (audited)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("seal")
        head = sub.add_parser("head")
        head.add_argument("--out", required=True, help="file to write (JSON)")
        verify = sub.add_parser("verify")
        verify.add_argument("--against", help="a checkpoint file kept outside (from `audit head`)")
        public = sub.add_parser("public-key")
        public.add_argument("--out", required=True, help="file to write (PEM)")
        sub.add_parser("create-keys", help="create the MAC and checkpoint keys if missing (first start)")
        rotate = sub.add_parser("rotate-key", help="a new version of a key; older versions stay for verifying")
        rotate.add_argument("key", choices=sorted(KEYS))
        rotate.add_argument("--user", required=True, help="acting user (an auditor; audited)")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action.replace('-', '_')}")(**options)

    def _seal(self, **options):
        try:
            result = sealing.seal()
        except OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            raise CommandError("Cơ sở dữ liệu đang bận ghi (một lần nhập?): thử lại sau / the database is busy "
                               "writing (an import?): try again later; the worker keeps sealing") from error  # fmt: skip
        schedule_sealing()  # the worker keeps sealing from now on
        if result.drained or result.rejected_from_spool:
            self.stdout.write(f"Chuyển {result.drained} mục chờ vào nhật ký / moved {result.drained} spooled "
                              "entries into the log")  # fmt: skip
        if result.rejected_from_spool:
            self.stderr.write(f"{result.rejected_from_spool} mục chờ sai MAC bị loại / spooled entries with a "
                              "bad MAC were rejected")  # fmt: skip
        if result.checkpoint is None:
            self.stdout.write("Không có mục mới để niêm phong / nothing new to seal")
        else:
            cp = result.checkpoint
            self.stdout.write(f"Đã niêm phong {result.sealed} mục / sealed {result.sealed} entries: checkpoint "
                              f"size {cp.size}, up to #{cp.sequence}, chain {cp.chain_hash[:16]}…, key {cp.key_id}")  # fmt: skip
        if result.bad_entries:
            raise CommandError(f"Mục có MAC sai / entries with a bad MAC: "
                               f"{', '.join(f'#{n}' for n in result.bad_entries[:20])}")  # fmt: skip

    def _head(self, *, out, **options):
        data = sealing.head()
        if data is None:
            raise CommandError("Chưa có điểm niêm phong: chạy `cancuoc audit seal` / no checkpoint yet: run "
                               "`cancuoc audit seal` first")  # fmt: skip
        _write(Path(out), (json.dumps(data, indent=2) + "\n").encode())
        self.stdout.write(f"{out}: checkpoint size {data['size']} up to #{data['sequence']}, key {data['key_id']}")

    def _verify(self, *, against=None, **options):
        held = None
        if against:
            try:
                held = chain.Checkpoint.from_json(json.loads(Path(against).read_text()))
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise CommandError(f"Không đọc được / cannot read {against}: {error}") from error
        with progress_bar("Nhật ký / audit log") as update:
            result = sealing.verify(against=held, progress=update)
        for problem in result.problems[:50]:
            self.stderr.write(f"entry {problem.sequence}: {problem.problem}")
        if result.problems:
            first = result.first_bad
            raise CommandError(
                f"Nhật ký bị sửa, thêm hoặc xóa: mục đầu tiên sai #{first.sequence} / audit log tampered: first "
                f"bad entry #{first.sequence}: {first.problem} ({len(result.problems)} problems in "
                f"{result.checked} entries)"
            )
        unsealed = result.checked - result.sealed
        self.stdout.write(
            f"OK: {result.checked} mục, MAC và {result.checkpoints} điểm niêm phong hợp lệ / {result.checked} "
            f"entries, every MAC and {result.checkpoints} signed checkpoints valid"
            + (f"; {unsealed} entries not sealed yet" if unsealed else "")
            + (f"; verified against the held checkpoint of {held.size} entries (#{held.sequence})" if held else "")
            + (f"; {spool.pending()} entries waiting in the spool" if spool.pending() else "")
        )

    def _create_keys(self, **options):
        for name in KEYS.values():
            try:
                key = keyring.current(name)
                self.stdout.write(f"{name}: version {key.version} (đã có / already there)")
            except keyring.KeyMissing:
                key = keyring.create_version(name)
                self.stdout.write(f"{name}: version {key.version} (mới tạo / created) in {keyring.keys_dir()}")

    def _rotate_key(self, *, key, user, **options):
        acting = User.objects.filter(username=user, is_active=True).first()
        if acting is None:
            raise CommandError(f"Không có người dùng đang hoạt động {user} / no active user {user}")
        try:
            require_permission(acting, Verb.AUDIT_SEAL)
        except PermissionDenied as error:
            raise CommandError(f"Vai trò của {user} không được làm việc này / the role of {user} may not "
                               "do this") from error  # fmt: skip
        created = keyring.create_version(KEYS[key])
        keyring.forget_cached_keys()
        events.audit_key_rotated(acting, key_name=created.name, version=created.version)
        self.stdout.write(f"{created.name}: version {created.version} hiện hành / is current; older versions "
                          "stay for verifying")  # fmt: skip

    def _public_key(self, *, out, **options):
        _write(Path(out), sealing.public_key_pem())
        self.stdout.write(f"{out}: {sealing.checkpoint_signer()[1]}")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    temporary.replace(path)
