"""Capture checks for the enrollment page (htmx) and for capture devices: an image in, the reasons out.
Nothing is stored and no citizen is named, so nothing about a person is read or changed here; keeping a
capture goes through ``actions`` (audited). The image is read from ``request.FILES`` by the route (as in
``cards/api.py``), so a missing, broken or oversized upload gets the API's error shape, never a 500.
"""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from ninja import Router, Schema, Status

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.errors import CodedError

from .actions import MAX_IMAGE_BYTES
from .errors import BiometricsError
from .errors import BiometricsErrorCode as Code

router = Router(tags=["biometrics"])
MAX_REQUEST = MAX_IMAGE_BYTES + (1 << 16)


class ErrorOut(Schema):
    code: str
    message_vi: str
    message_en: str


class CheckOut(Schema):
    check: str
    passed: bool
    message_vi: str
    message_en: str
    value: float | None = None


class PortraitOut(Schema):
    acceptable: bool
    checks: list[CheckOut]


class ReasonOut(Schema):
    code: str
    message_vi: str
    message_en: str


class FingerOut(Schema):
    acceptable: bool
    score: int
    minutiae: int | None
    reasons: list[ReasonOut]


def _image(request) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = MAX_REQUEST + 1
    if declared > MAX_REQUEST:
        raise _Refused(
            413, BiometricsError(Code.FILE_TOO_LARGE, name="image", size=declared, limit=MAX_IMAGE_BYTES)
        )
    if not request.content_type.startswith("multipart/form-data"):
        raise _Refused(400, BiometricsError(Code.NO_IMAGE))
    try:
        upload = request.FILES.get("image")
    except RequestDataTooBig as error:
        raise _Refused(413, BiometricsError(Code.FILE_TOO_LARGE, name="image", size=declared,
                                            limit=MAX_IMAGE_BYTES)) from error  # fmt: skip
    except (MultiPartParserError, SuspiciousOperation) as error:
        raise _Refused(400, BiometricsError(Code.NO_IMAGE)) from error
    if upload is None or not upload.size:
        raise _Refused(422, BiometricsError(Code.NO_IMAGE))
    if upload.size > MAX_IMAGE_BYTES:
        raise _Refused(
            413, BiometricsError(Code.FILE_TOO_LARGE, name="image", size=upload.size, limit=MAX_IMAGE_BYTES)
        )
    return upload.read(MAX_IMAGE_BYTES + 1)


class _Refused(Exception):
    def __init__(self, status: int, error: CodedError):
        self.status, self.error = status, error


_BODY = {
    "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["image"],
        "properties": {"image": {"type": "string", "format": "binary"}},
    }}},
    "required": True,
}  # fmt: skip


@router.post("/portrait-check", response={200: PortraitOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut},
             summary="ICAO-style checks of a portrait, each with what to do when it fails",
             openapi_extra={"requestBody": _BODY})  # fmt: skip
def portrait_check(request):
    from cancuoc.faces.quality import check_portrait

    require_permission(request.user, Verb.BIOMETRICS_CAPTURE)
    try:
        report = check_portrait(_image(request))
    except _Refused as refused:
        return Status(refused.status, refused.error.as_dict())
    return Status(200, {"acceptable": report.acceptable, "checks": [
        {"check": str(r.check), "passed": r.passed, "message_vi": r.message_vi, "message_en": r.message_en,
         "value": r.value} for r in report.checks]})  # fmt: skip


@router.post("/finger-check", response={200: FingerOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut},
             summary="NFIQ 2-style quality of one fingerprint, with what to do when it is poor",
             openapi_extra={"requestBody": _BODY})  # fmt: skip
def finger_check(request):
    from cancuoc.fingerprints.images import load_finger_image
    from cancuoc.fingerprints.quality import assess_finger
    from cancuoc.fingerprints.templates import extract_template

    require_permission(request.user, Verb.BIOMETRICS_CAPTURE)
    try:
        image = load_finger_image(_image(request))
    except _Refused as refused:
        return Status(refused.status, refused.error.as_dict())
    except CodedError as error:
        return Status(422, error.as_dict())
    quality = assess_finger(image)
    minutiae = len(extract_template(image, 0, assess_quality=False).minutiae) if quality.acceptable else None
    return Status(200, {"acceptable": quality.acceptable, "score": int(quality.score), "minutiae": minutiae,
                        "reasons": [{"code": str(code), "message_vi": vi, "message_en": en}
                                    for code, vi, en in quality.reasons]})  # fmt: skip
