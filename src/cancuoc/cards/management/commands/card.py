import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cancuoc.accounts.models import User
from cancuoc.accounts.permissions import NotFound, PermissionDenied, Verb
from cancuoc.cards import events as card_events
from cancuoc.cards import keystore, lifecycle
from cancuoc.cards.access import access_card
from cancuoc.cards.errors import CardError, CardErrorCode
from cancuoc.cards.models import Card
from cancuoc.cards.services import personalise_citizen, write_card
from cancuoc.icao.errors import DocumentError
from cancuoc.icao.faces import TextTooLong
from cancuoc.icao.fonts import FontsMissing
from cancuoc.icao.verify import load_certificates, load_crls, verify_folder
from cancuoc.registry.validation import parse_date
from cancuoc.relying import actions as relying_actions
from cancuoc.relying import documents, signing
from cancuoc.relying.errors import RelyingError, RelyingErrorCode
from cancuoc.rules.cardstates import is_serial, status_of


class Command(BaseCommand):
    help = ("Cards: `card personalise --citizen ID --out FOLDER`, `card verify FOLDER --trust CSCA.pem "
            "[--status-list FILE]`, `card status SERIAL [--json]`, `card revoke SERIAL --reason TEXT --user NAME`, "
            "`card status-list --out FILE`.")

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
        check.add_argument("--status-list", help="signed status list (card status-list, GET /api/v1/status-list): "
                                                 "a listed card is NOT VALID")  # fmt: skip
        check.add_argument("--status-key", help="PEM public key(s) the list is signed with "
                                                "(default: this installation's status-signing keys)")  # fmt: skip
        status = sub.add_parser("status", help="the state and status of one card")
        status.add_argument("serial")
        status.add_argument("--json", action="store_true")
        revoke = sub.add_parser("revoke", help="revoke a card (its holder's or station's area applies)")
        revoke.add_argument("serial")
        revoke.add_argument("--reason", required=True)
        revoke.add_argument("--user", required=True, help="acting supervisor (their area applies; audited)")
        listing = sub.add_parser("status-list", help="issue the signed list of cards that are not valid")
        listing.add_argument("--out", required=True)

    def handle(self, *args, action, **options):
        {"personalise": self.personalise, "verify": self.verify, "status": self.status, "revoke": self.revoke,
         "status-list": self.status_list}[action](**options)  # fmt: skip

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

    def verify(self, folder, trust, crl, at, at_signing_time, status_list=None, status_key=None, **options):
        try:
            trusted = load_certificates(_read(trust), trust) if trust else _keystore_csca()
            crls = load_crls(_read(crl), crl) if crl else []
            when = _moment(at) if at else None
            listed = _status_list(status_list, status_key) if status_list else None
            report = verify_folder(Path(folder), trusted=trusted, crls=crls, at=when, at_signing_time=at_signing_time)
        except (CardError, DocumentError, RelyingError) as error:
            raise CommandError(str(error)) from error
        if listed is not None:
            _check_status_list(report, Path(folder), listed, when)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            marks = {"pass": "✔", "fail": "✘", "skipped": "–"}
            for check in report.checks:
                self.stdout.write(f"{marks[check.status]} {check.name:22} {check.reason}")
            self.stdout.write("HỢP LỆ / VALID" if report.ok else "KHÔNG HỢP LỆ / NOT VALID")
        if not report.ok:
            raise SystemExit(1)


    def status(self, serial, **options):
        text = serial.strip().upper() if isinstance(serial, str) else ""
        card = Card.objects.select_related("citizen").filter(serial=text).first() if is_serial(text) else None
        if card is None:
            raise CommandError(str(CardError(CardErrorCode.CARD_NOT_FOUND, serial=serial[:20])))
        status = status_of(card.state, expiry=card.expiry, on=timezone.localdate())
        # the operator's read of a person's card is audited like a page's (no user: the machine's operator)
        card_events.card_viewed(None, card, where="cancuoc card status")
        if options["json"]:
            self.stdout.write(json.dumps({
                "serial": card.serial, "state": card.state, "status": status.value,
                "expiry": card.expiry.isoformat() if card.expiry else None,
                "state_changed_at": card.state_changed_at.isoformat(),
            }))  # fmt: skip
            return
        expiry = card.expiry.strftime("%d/%m/%Y") if card.expiry else "—"
        self.stdout.write(f"{card.serial}: {lifecycle.STATE_WORDS_VI[card.state]} / {card.state}; "
                          f"trạng thái / status {status.value}; hết hạn / expires {expiry}")  # fmt: skip

    def revoke(self, serial, reason, user, **options):
        acting = User.objects.filter(username=str(user)[:150]).first()
        if acting is None:
            raise CommandError(f"Không có người dùng {str(user)[:150]} / no such user")
        try:
            card = access_card(acting, serial, Verb.CARD_REVOKE)
            card = lifecycle.transition(acting, card, "revoked", reason=reason)
        except NotFound as error:
            raise CommandError(str(CardError(CardErrorCode.CARD_NOT_FOUND, serial=str(serial)[:20]))) from error
        except PermissionDenied as error:
            raise CommandError(f"Vai trò của {acting.username} không được thu hồi thẻ / "
                               f"the role of {acting.username} may not revoke cards") from error  # fmt: skip
        except CardError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{card.serial}: đã thu hồi / revoked")

    def status_list(self, out, **options):
        try:
            issued = relying_actions.issue_status_list(None, destination=str(out)[:200])
        except RelyingError as error:
            raise CommandError(str(error)) from error
        try:
            Path(out).write_text(issued.document, "utf-8")
        except OSError as error:
            raise CommandError(str(CardError(CardErrorCode.OUTPUT_UNWRITABLE, path=out,
                                             detail=error.strerror or error))) from error  # fmt: skip
        self.stdout.write(f"{issued.entry_count} thẻ không hợp lệ / cards not valid → {out} "
                          f"(khóa / key {issued.key_id}, cập nhật tiếp / next update "
                          f"{timezone.localtime(issued.next_update):%d/%m/%Y %H:%M})")  # fmt: skip


def _status_list(path: str, key_path: str | None) -> dict:
    """The status list of ``path``, its signature checked (a RelyingError when it cannot be trusted)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise RelyingError(RelyingErrorCode.LIST_UNREADABLE, path=path, detail=error.strerror or error) from error
    if key_path:
        try:
            keys = documents.load_public_keys(Path(key_path).read_bytes())
        except (OSError, ValueError) as error:
            raise RelyingError(RelyingErrorCode.LIST_UNREADABLE, path=key_path,
                               detail=getattr(error, "strerror", None) or "not a PEM public key") from error  # fmt: skip
    else:
        keys = signing.public_keys()
    document, problem = documents.read_list(data, keys)
    if document is None:
        raise RelyingError(RelyingErrorCode.LIST_SIGNATURE_INVALID, detail=problem)
    return document


def _check_status_list(report, folder: Path, document: dict, when) -> None:
    """One more check in the report: the card (by its EF.SOD) is not on the list, and the list is current."""
    try:
        sod = hashlib.sha256((folder / "EF_SOD.bin").read_bytes()).hexdigest()
    except OSError:
        report.skip("status list", "không có EF_SOD.bin / no EF_SOD.bin")
        return
    entry = documents.listed_entry(document, sod_sha256=sod)
    now = when or datetime.now(UTC)
    stale = documents.parse_timestamp(document["next_update"]) < now
    if entry is not None:
        status = str(entry.get("status"))[:20]
        report.add("status list", False, f"thẻ {str(entry.get('serial'))[:20]} có trong danh sách: {status} / "
                                         f"card {str(entry.get('serial'))[:20]} is listed: {status}")  # fmt: skip
    elif stale:
        report.add("status list", False, f"danh sách đã quá hạn cập nhật ({document['next_update']}) / "
                                         f"the list is past its next update ({document['next_update']})")  # fmt: skip
    else:
        report.add("status list", True, f"không có trong danh sách ngày {document['issued_at']} / "
                                        f"not listed on {document['issued_at']}")  # fmt: skip


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
