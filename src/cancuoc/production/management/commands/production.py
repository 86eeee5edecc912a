"""``cancuoc production …``: create and run batches, resume them, quality control, dispatch, the
personalisation machine's key, and checking or exporting a production file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import NotFound, PermissionDenied
from cancuoc.errors import CodedError
from cancuoc.icao.faces import TextTooLong
from cancuoc.icao.fonts import FontsMissing
from cancuoc.progress import progress_bar

from ... import actions, events, fileformat, running, selectors
from ...dispatchlist import dispatch_list_pdf
from ...errors import ProductionError
from ...errors import ProductionErrorCode as Code
from ...models import BatchItem, ProductionBatch

PHASES = {"personalising": "Cá nhân hóa / personalising", "assembling": "Ghi tệp sản xuất / writing the file",
          "produced": "Xong / done"}  # fmt: skip


class Command(BaseCommand):
    help = ("Card production: `production batch --province CODE`, `production resume [BATCH]`, `production qc`, "
            "`production dispatch`, `production machine-key`, `production check-file`, `production export`.")  # fmt: skip

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        batch = sub.add_parser("batch", help="create a batch of a province's approved applications and run it")
        batch.add_argument("--province", required=True, help="2025 province code, e.g. 33")
        batch.add_argument("--priority", help="urgent or normal (default: both, urgent first)")
        batch.add_argument("--limit", type=int, help=f"most cards in the batch (default {actions.DEFAULT_BATCH_CARDS})")
        batch.add_argument("--no-run", action="store_true", help="create the batch only (the worker or resume runs it)")
        resume = sub.add_parser("resume", help="resume a batch, or every unfinished batch")
        resume.add_argument("batch", nargs="?", help="batch code (default: every unfinished batch)")
        qc = sub.add_parser("qc", help="quality control of a produced batch")
        qc.add_argument("batch")
        qc.add_argument("--pass", dest="passed", nargs="*", default=[], metavar="SERIAL")
        qc.add_argument("--spoil", nargs="*", default=[], metavar="SERIAL")
        qc.add_argument("--reason", default="", help="why the cards given to --spoil are spoiled")
        qc.add_argument("--pass-rest", action="store_true", help="every card still unchecked passes")
        dispatch = sub.add_parser("dispatch", help="pack the cards that passed per station and dispatch them")
        dispatch.add_argument("batch")
        dispatch.add_argument("--lists", help="folder to write each parcel's dispatch list (PDF) into")
        key = sub.add_parser("machine-key", help="configure the personalisation machine's public key")
        key.add_argument("--public", help="PEM file of the machine's X25519 public key")
        key.add_argument("--private-out", help="create a key pair: the private key (PEM) goes to this file")
        key.add_argument("--force", action="store_true", help="replace the configured key")
        check = sub.add_parser("check-file", help="check a production file against its manifest")
        check.add_argument("batch", help="batch code or the file's path")
        export = sub.add_parser("export", help="copy a batch's production file (and manifest) for the printer")
        export.add_argument("batch")
        export.add_argument("--out", required=True, help="folder to copy into")
        for each in (batch, resume, qc, dispatch, export):
            each.add_argument("--user", help="acting production operator (default: the system)")

    def handle(self, *args, action, **options):
        try:
            actor = self._actor(options.get("user"))
            getattr(self, action.replace("-", "_"))(actor=actor, **options)
        except (CodedError, FontsMissing, TextTooLong) as error:
            raise CommandError(str(error)) from error
        except PermissionDenied as error:
            raise CommandError("Vai trò của người dùng không được làm việc này / the user's role may not do "
                               "this") from error  # fmt: skip
        except NotFound as error:
            raise CommandError("Không tìm thấy / not found") from error
        except fileformat.EnvelopeError as error:
            raise CommandError(f"Khóa không hợp lệ / invalid key: {error}") from error

    @staticmethod
    def _actor(name):
        if not name:
            return None
        user = User.objects.filter(username=str(name)[:150], is_active=True).first()
        if user is None:
            raise ProductionError(Code.USER_UNKNOWN, name=str(name)[:60])
        return user

    def _run(self, batch: ProductionBatch, actor) -> ProductionBatch:
        with progress_bar(f"{batch.code}", batch.card_count) as update:
            def report(phase, done, total):
                update(done, total)

            try:
                return running.run_batch(batch.pk, actor=actor, progress=report)
            except ProductionError:
                raise
            except Exception as error:  # the batch records why it stopped; the run may be resumed
                batch.refresh_from_db()
                raise CommandError(f"{batch.error_vi} / {batch.error_en}") from error

    def _summary(self, batch: ProductionBatch) -> None:
        batch.refresh_from_db()
        state = batch.get_state_display()
        self.stdout.write(f"{batch.code}: {batch.card_count} thẻ / cards, {batch.personalised_count} đã cá nhân hóa / "
                          f"personalised, {batch.spoiled_count} hỏng / spoiled — {state}")  # fmt: skip
        if batch.file_path:
            self.stdout.write(f"  tệp sản xuất / production file: {batch.file_path}")
            self.stdout.write(f"  SHA-256: {batch.file_sha256} (manifest {batch.manifest_sha256})")

    def batch(self, *, actor, province, priority=None, limit=None, no_run=False, **options):
        batch = actions.create_batch(actor, province, priority=priority, limit=limit)
        self.stdout.write(f"Lô / batch {batch.code}: {batch.card_count} thẻ / cards ({batch.province.name})")
        if not no_run:
            batch = self._run(batch, actor)
        self._summary(batch)

    def resume(self, *, actor, batch=None, **options):
        if batch:
            chosen = [actions.batch_by_code(batch)]
        else:
            chosen = list(running.unfinished_batches())
            if not chosen:
                self.stdout.write("Không có lô nào dở dang / no unfinished batch")
                return
        failures = 0
        for each in chosen:
            try:
                self._summary(self._run(each, actor))
            except ProductionError as error:
                if batch:
                    raise
                failures += 1
                self.stderr.write(f"{each.code}: {error}")
        if failures:
            raise CommandError(f"{failures} lô chưa chạy xong / batches not finished")

    def qc(self, *, actor, batch, passed, spoil, reason, pass_rest, **options):
        found = actions.batch_by_code(batch)
        if not (passed or spoil or pass_rest):
            raise CommandError("Cho biết --pass, --spoil hoặc --pass-rest / give --pass, --spoil or --pass-rest")
        for serial in spoil:
            actions.record_qc(actor, found, serial, BatchItem.Qc.SPOILED, reason=reason)
            self.stdout.write(f"{serial}: hỏng, làm lại / spoiled, made again")
        for serial in passed:
            actions.record_qc(actor, found, serial, BatchItem.Qc.PASSED)
            self.stdout.write(f"{serial}: đạt / passed")
        if pass_rest:
            count = actions.pass_remaining(actor, found)
            self.stdout.write(f"{count} thẻ còn lại đạt / remaining cards passed")
        found.refresh_from_db()
        self.stdout.write(f"{found.code}: {found.passed_count} đạt / passed, {found.spoiled_count} hỏng / spoiled")

    def dispatch(self, *, actor, batch, lists=None, **options):
        found = actions.batch_by_code(batch)
        parcels = actions.dispatch_batch(actor, found)
        for parcel in parcels:
            self.stdout.write(f"{parcel.code}: {parcel.card_count} thẻ / cards → {parcel.station.code} "
                              f"{parcel.station.name}")  # fmt: skip
            if lists:
                folder = Path(lists)
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / f"{parcel.code}.pdf").write_bytes(dispatch_list_pdf(selectors.dispatch_list_of(parcel)))
                except OSError as error:
                    raise ProductionError(Code.FILE_UNWRITABLE, path=str(folder), detail=error.strerror or error) from error

    def machine_key(self, *, public=None, private_out=None, force=False, **options):
        if bool(public) == bool(private_out):
            raise CommandError("Cho biết --public FILE hoặc --private-out FILE / give --public FILE or --private-out FILE")
        if public:
            try:
                data = Path(public).read_bytes()[:100_000]
            except OSError as error:
                raise ProductionError(Code.MACHINE_KEY_MISSING, path=public) from error
            try:
                key_id = running.install_machine_key(data, force=force)
            except fileformat.EnvelopeError as error:
                raise ProductionError(Code.MACHINE_KEY_INVALID, path=public) from error
        else:
            target = Path(private_out)
            if target.exists() and not force:
                raise ProductionError(Code.MACHINE_KEY_EXISTS, path=str(target))
            if running.machine_public_key_path().exists() and not force:
                raise ProductionError(Code.MACHINE_KEY_EXISTS, path=str(running.machine_public_key_path()))
            private_pem, public_pem = fileformat.generate_machine_key()
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.touch(mode=0o600, exist_ok=True)
                target.chmod(0o600)
                fileformat.write_atomically(target, private_pem)
            except OSError as error:
                raise ProductionError(Code.FILE_UNWRITABLE, path=str(target), detail=error.strerror or error) from error
            key_id = running.install_machine_key(public_pem, force=True)
            self.stdout.write(f"Khóa bí mật / private key → {target} (chuyển sang máy cá nhân hóa rồi xóa khỏi đây / "
                              "move it to the personalisation machine and delete it here)")  # fmt: skip
        events.machine_key_installed(None, key_id=key_id, path=str(running.machine_public_key_path()),
                                     generated=not public)  # fmt: skip
        self.stdout.write(f"Khóa công khai / public key: {running.machine_public_key_path()} (id {key_id})")

    def check_file(self, *, batch, **options):
        path = Path(batch)
        if not path.is_file():
            found = actions.batch_by_code(batch)
            if not found.file_path:
                raise ProductionError(Code.NOT_PRODUCED, batch=found.code)
            path = Path(found.file_path)
            if not path.is_file():
                raise ProductionError(Code.FILE_MISSING, batch=found.code, path=str(path))
        check = fileformat.check_production_file(path)
        for problem in check.problems:
            self.stdout.write(f"✘ {problem}")
        self.stdout.write(f"{check.cards} thẻ / cards, manifest SHA-256 {check.manifest_sha256 or '—'}")
        self.stdout.write("HỢP LỆ / VALID" if check.ok else "KHÔNG HỢP LỆ / NOT VALID")
        if not check.ok:
            raise SystemExit(1)

    def export(self, *, actor, batch, out, **options):
        copied = running.export_production_file(actor, actions.batch_by_code(batch), Path(out))
        self.stdout.write(f"{copied}")
