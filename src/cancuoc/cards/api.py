"""``POST /api/v1/cards/verify``: Passive Authentication of uploaded card files against the national CSCA.

The uploads are read from ``request.FILES`` by the view itself, not declared as a Ninja ``File``
parameter: whatever arrives (no multipart, broken multipart, too many or too large files, a date that
does not exist) is answered with the API's error shape ``{"code", "message_vi", "message_en"}`` and a
4xx status, never with Ninja's validation list or a 500.
"""

from datetime import UTC, datetime

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Schema, Status

from cancuoc.icao.personalisation import CHIP_AA_KEY_FILE
from cancuoc.icao.verify import FILE_NAMES, MAX_FILE, load_certificates, verify_files
from cancuoc.registry.validation import parse_date

from . import keystore
from .errors import CardError, CardErrorCode

router = Router(tags=["cards"])
ACCEPTED = sorted(FILE_NAMES - {CHIP_AA_KEY_FILE})  # a relying party has the card's files, not its chip
# every data group at its largest would be far beyond a real card; this bounds what is read at all
MAX_REQUEST = 2 * MAX_FILE + (1 << 16)


class CheckOut(Schema):
    name: str
    status: str
    reason: str


class VerificationOut(Schema):
    ok: bool
    checks: list[CheckOut]


class ErrorOut(Schema):
    code: str
    message_vi: str
    message_en: str


class Refused(Exception):
    def __init__(self, status: int, error: CardError):
        self.status, self.error = status, error


def _uploads(request) -> dict[str, bytes]:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = MAX_REQUEST + 1
    if declared > MAX_REQUEST:  # refused before Django reads (and spools) the body
        raise Refused(413, CardError(CardErrorCode.UPLOAD_TOO_LARGE, limit=MAX_REQUEST))
    if not request.content_type.startswith("multipart/form-data"):
        raise Refused(400, CardError(CardErrorCode.UPLOAD_MALFORMED))
    try:
        uploads = request.FILES.getlist("files")
    except RequestDataTooBig as error:
        raise Refused(413, CardError(CardErrorCode.UPLOAD_TOO_LARGE, limit=MAX_REQUEST)) from error
    except (MultiPartParserError, SuspiciousOperation) as error:  # broken multipart, too many parts
        raise Refused(400, CardError(CardErrorCode.UPLOAD_MALFORMED)) from error
    if not uploads:
        raise Refused(422, CardError(CardErrorCode.UPLOAD_EMPTY))
    contents: dict[str, bytes] = {}
    for upload in uploads:
        name = str(upload.name)
        if name not in ACCEPTED:
            raise Refused(422, CardError(CardErrorCode.UPLOAD_NAME, name=repr(name[:80]), accepted=", ".join(ACCEPTED)))
        if name in contents:
            raise Refused(422, CardError(CardErrorCode.UPLOAD_DUPLICATE, name=name))
        if upload.size > MAX_FILE:
            raise Refused(413, CardError(CardErrorCode.UPLOAD_TOO_LARGE, limit=MAX_FILE))
        contents[name] = upload.read(MAX_FILE + 1)
    return contents


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        day = parse_date(text)
    except (ValueError, TypeError):
        day = None
    if day is None:
        raise Refused(422, CardError(CardErrorCode.DATE_INVALID, value=repr(text[:40])))
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


_REQUEST_BODY = {
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                              "description": f"the card's files, named as on the chip: {', '.join(ACCEPTED)}"},
                },
            }
        }
    },
    "required": True,
}  # fmt: skip


@router.post(
    "/verify",
    response={200: VerificationOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Passive Authentication of a card's files against the national CSCA",
    openapi_extra={"requestBody": _REQUEST_BODY},
)
def verify(request, at: str | None = None):
    """``at``: dd/mm/yyyy or yyyy-mm-dd, the date at which certificates must be valid (default now)."""
    try:
        when = _moment(at)
        contents = _uploads(request)
        try:
            certificate = keystore.csca_certificate()  # the public certificate: no key, no passphrase
        except CardError as error:
            raise Refused(503, CardError(CardErrorCode.CSCA_UNAVAILABLE)) from error
    except Refused as refused:
        return Status(refused.status, refused.error.as_dict())
    from cryptography.hazmat.primitives import serialization

    trusted = load_certificates(certificate.public_bytes(serialization.Encoding.PEM), "csca.pem")
    return Status(200, verify_files(contents, trusted=trusted, at=when).as_dict())
