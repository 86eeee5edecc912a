import json
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import NotFound, PermissionDenied
from cancuoc.cards import keystore
from cancuoc.cards.errors import CardError, CardErrorCode
from cancuoc.cards.services import personalise_citizen, write_card
from cancuoc.icao.errors import DocumentError
from cancuoc.icao.faces import TextTooLong
from cancuoc.icao.fonts import FontsMissing
from cancuoc.icao.verify import load_certificates, load_crls, verify_folder
from cancuoc.registry.validation import parse_date


class Command(BaseCommand):
    help = "Cards: `card personalise --citizen ID --out FOLDER`, `card verify FOLDER --trust CSCA.pem`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        make = sub.add_parser("personalise", help="chip image, MRZ and QR of one citizen's card")
        make.add_argument("--citizen", required=True, help="personal ID number")
        make.add_argument("--out", required=True)
        make.add_argument("--user", required=True, help="acting officer (their area applies; audited)")
        make.add_argument("--issue-date", help="dd/mm/yyyy (default today)")
        make.add_argument("--no-faces", action="store_true", help="skip front.png, back.png and card.pdf")
        check = sub.add_parser("verify", help="Passive and Active Authentication of a card folder")
        check.add_argument("folder")
        check.add_argument("--trust", help="PEM or DER file of trusted CSCA certificates (default: this keystore's CSCA)")
        check.add_argument("--crl", help="PEM or DER CRL")
        check.add_argument("--at", help="dd/mm/yyyy: check certificate validity at this date (default now)")
        check.add_argument(
            "--at-signing-time", action="store_true", help="check validity when the card was signed"
        )
        check.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        if action == "personalise":
            self.personalise(**options)
        else:
            self.verify(**options)

    def personalise(self, citizen, out, user, issue_date, no_faces=False, **options):
        acting = User.objects.filter(username=user).first()
        if acting is None:
            raise CommandError(f"Không có người dùng {user} / no such user")
        try:
            card = personalise_citizen(
                acting, citizen, issue_date=_day(issue_date) if issue_date else timezone.localdate(),
                with_faces=not no_faces,
            )
        except NotFound as error:
            raise CommandError(f"Không tìm thấy công dân {citizen} / citizen not found") from error
        except PermissionDenied as error:
            raise CommandError(f"Vai trò của {user} không được cá nhân hóa thẻ / "
                               f"the role of {user} may not personalise cards") from error  # fmt: skip
        except (CardError, FontsMissing, TextTooLong) as error:  # CardError: the keystore or --issue-date
            raise CommandError(str(error)) from error
        try:
            files = write_card(card, Path(out))
        except OSError as error:
            raise CommandError(str(CardError(CardErrorCode.OUTPUT_UNWRITABLE, path=getattr(error, "filename", None)
                                             or out, detail=error.strerror or error))) from error  # fmt: skip
        expiry = card.expiry.strftime("%d/%m/%Y") if card.expiry else "Không thời hạn / no expiry"
        self.stdout.write(f"{len(files)} tệp / files → {out}; hết hạn / expires {expiry}")
        self.stdout.write("\n".join(card.mrz_lines))

    def verify(self, folder, trust, crl, at, at_signing_time, **options):
        try:
            trusted = load_certificates(_read(trust), trust) if trust else _keystore_csca()
            crls = load_crls(_read(crl), crl) if crl else []
            when = _moment(at) if at else None
            report = verify_folder(Path(folder), trusted=trusted, crls=crls, at=when, at_signing_time=at_signing_time)
        except (CardError, DocumentError) as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            marks = {"pass": "✔", "fail": "✘", "skipped": "–"}
            for check in report.checks:
                self.stdout.write(f"{marks[check.status]} {check.name:22} {check.reason}")
            self.stdout.write("HỢP LỆ / VALID" if report.ok else "KHÔNG HỢP LỆ / NOT VALID")
        if not report.ok:
            raise SystemExit(1)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CardError(CardErrorCode.FILE_UNREADABLE, path=path, detail=error.strerror or error) from error


def _keystore_csca() -> list:
    """Without --trust, this installation's own CSCA certificate if it has one (no key is loaded)."""
    try:
        certificate = keystore.csca_certificate()
    except keystore.KeystoreError as error:
        if error.code == CardErrorCode.NO_CSCA:
            return []  # the report then says that nothing is trusted
        raise
    return load_certificates(certificate.public_bytes(serialization.Encoding.PEM), "csca.pem")


def _day(text: str) -> date:
    try:
        day = parse_date(text)
    except (ValueError, TypeError) as error:
        raise CardError(CardErrorCode.DATE_INVALID, value=text) from error
    if day is None:
        raise CardError(CardErrorCode.DATE_INVALID, value=text)
    return day


def _moment(text: str) -> datetime:
    return datetime.combine(_day(text), datetime.min.time(), tzinfo=UTC)
