import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.cards import keystore, services
from cancuoc.cards.errors import CardError, CardErrorCode


def _acting_user(username: str) -> User:
    acting = User.objects.filter(username=username, is_active=True).first()
    if acting is None:
        raise CommandError(f"Không có người dùng đang hoạt động {username} / no active user {username}")
    return acting


def _write_out(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise CardError(CardErrorCode.OUTPUT_UNWRITABLE, path=path, detail=error.strerror or error) from error


class Command(BaseCommand):
    help = "National PKI for chip data: init, rotate-ds, revoke-ds, crl (each with --user, audited), export."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="create the CSCA and a first Document Signer")
        init.add_argument("--force", action="store_true")
        rotate = sub.add_parser(
            "rotate-ds", help="a new Document Signer; old ones stay valid for verification"
        )
        rotate.add_argument(
            "--if-older-than", type=int, metavar="DAYS", help="only when the current DS is older (for cron)"
        )
        revoke = sub.add_parser("revoke-ds")
        revoke.add_argument("serial", help="hex serial of the DS certificate")
        crl = sub.add_parser("crl", help="issue a new CRL")
        crl.add_argument("--out")
        for command in (init, rotate, revoke, crl):
            command.add_argument("--user", required=True, help="acting user (the permission table applies; audited)")
        export = sub.add_parser("export", help="the CSCA certificate for relying parties")
        export.add_argument("--out", required=True)

    def handle(self, *args, action, **options):
        now = timezone.now()
        acting = _acting_user(options["user"]) if action != "export" else None
        try:
            if action == "init":
                csca = services.initialise_pki(acting, now, force=options["force"])
                self.stdout.write(f"CSCA {csca.subject.rfc4514_string()} valid to {csca.not_valid_after_utc:%d/%m/%Y}; "
                                  f"{keystore.describe_backend()}")  # fmt: skip
            elif action == "rotate-ds":
                if options["if_older_than"] is not None:
                    created = keystore.current_document_signer_created()
                    if now - created < dt.timedelta(days=options["if_older_than"]):
                        self.stdout.write("DS is recent enough; nothing to do")
                        return
                certificate = services.rotate_document_signer(acting, now)
                self.stdout.write(f"new DS serial {certificate.serial_number:x}")
            elif action == "revoke-ds":
                services.revoke_document_signer(acting, options["serial"], now)
                self.stdout.write(f"DS {options['serial']} revoked; run `cancuoc pki crl` to publish")
            elif action == "crl":
                destination = options["out"] or str(keystore.folder() / "crl.pem")
                if options["out"] and not Path(options["out"]).resolve().parent.is_dir():
                    raise CardError(CardErrorCode.OUTPUT_UNWRITABLE, path=options["out"], detail="no such folder")
                data = services.issue_crl(acting, now, destination=destination)
                if options["out"]:
                    _write_out(options["out"], data)
                self.stdout.write(f"CRL written to {destination}")
            elif action == "export":
                # the public certificate alone: no passphrase, no token
                certificate = keystore.csca_certificate()
                _write_out(options["out"], certificate.public_bytes(serialization.Encoding.PEM))
                self.stdout.write(f"CSCA certificate written to {options['out']}")
        except PermissionDenied as error:
            raise CommandError(f"Vai trò của người dùng {options['user']} không được làm việc này / "
                               f"the role of user {options['user']} may not do this") from error  # fmt: skip
        except CardError as error:
            raise CommandError(str(error)) from error
