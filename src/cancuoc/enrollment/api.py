"""The enrollment API: take an application, follow it, decide it, print its forms.

``POST /api/v1/applications`` is the intake (JSON, header ``Idempotency-Key``): 201 with the application,
200 with the same body when the same request is repeated, 409 when the citizen already has an open
application. Stages are named as in ``rules.applications.Stage``."""

from __future__ import annotations

import binascii
from base64 import b64decode
from datetime import date, datetime

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from cancuoc.accounts.permissions import Verb

from . import events, selectors
from .access import access_application
from .actions import decide, decide_duplicate, submit_application
from .errors import EnrollmentError
from .errors import EnrollmentErrorCode as Code

router = Router(tags=["enrollment"])


class ApplicationIn(Schema):
    id_number: str = Field(max_length=40)
    station: str | None = Field(None, max_length=20)
    kind: str = Field(max_length=20)
    reason: str = Field("", max_length=300)
    portrait: str = Field(description="the portrait, base64 (JPEG or PNG)")
    portrait_override_reason: str = Field("", max_length=300)
    fingerprints: dict[str, str] = Field(
        default_factory=dict, description='finger position "1"–"10" → base64 image'
    )
    finger_exceptions: dict[str, str] = Field(
        default_factory=dict, description="finger position → amputated | bandaged | unreadable"
    )
    opened_at: datetime | None = Field(
        None, description="when the capture page was opened (for the 3-minute goal)"
    )


class HistoryOut(Schema):
    at: datetime
    stage: str
    code: str
    detail: str
    actor: str


class DuplicateOut(Schema):
    id: int
    kind: str
    id_number: str
    full_name: str
    application: str | None
    score: float
    reasons: list[str]
    decision: str


class ApplicationOut(Schema):
    code: str
    stage: str
    kind: str
    reason_code: str
    id_number: str
    full_name: str
    station: str
    submitted_at: datetime
    return_date: date | None
    capture_seconds: int | None
    blocking_code: str
    blocking_reason_vi: str
    blocking_reason_en: str
    history: list[HistoryOut]
    duplicates: list[DuplicateOut]


class DecisionIn(Schema):
    decision: str = Field(max_length=20)
    reason: str = Field(max_length=300)


class DuplicateDecisionIn(Schema):
    same_person: StrictBool
    reason: str = Field(max_length=300)


_WHITESPACE = str.maketrans("", "", " \t\r\n")


def _image(field: str, text: str) -> bytes:
    """Standard base64, with or without line breaks (MIME), or a ``data:`` URI."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return b64decode(text.translate(_WHITESPACE), validate=True)
    except (binascii.Error, ValueError):
        raise EnrollmentError(Code.IMAGE_NOT_BASE64, field=field) from None


@router.post("/applications", response={200: ApplicationOut, 201: ApplicationOut},
             summary="Take an application (Idempotency-Key header required)")  # fmt: skip
def create_application(request, body: ApplicationIn):
    key = request.headers.get("Idempotency-Key", "")
    application, created = submit_application(
        request.user, idempotency_key=key, id_number=body.id_number, kind=body.kind, reason=body.reason,
        station=body.station, portrait=_image("portrait", body.portrait) if body.portrait else None,
        portrait_override_reason=body.portrait_override_reason,
        fingerprints={position: _image(f"fingerprints.{position}"[:24], text)
                      for position, text in list(body.fingerprints.items())[:10]} if len(body.fingerprints) <= 10
        else _too_many("fingerprints"),
        finger_exceptions=dict(list(body.finger_exceptions.items())[:11]), opened_at=body.opened_at,
    )  # fmt: skip
    return (
        Status(201, selectors.submitted_out(application))
        if created
        else Status(200, selectors.application_out(application))
    )


def _too_many(field: str):
    raise EnrollmentError(Code.FINGER_POSITION, position="11+")


@router.get(
    "/applications/{code}", response=ApplicationOut, summary="An application: stage, history, duplicates"
)
def get_application(request, code: str):
    application = access_application(request.user, code)
    events.application_viewed(request.user, application, where="api")
    return selectors.application_out(application, request.user)


@router.post("/applications/{code}/decision", response=ApplicationOut,
             summary="Approve or reject an application waiting for approval (not one's own)")  # fmt: skip
def post_decision(request, code: str, body: DecisionIn):
    return selectors.application_out(decide(request.user, code, decision=body.decision, reason=body.reason),
                                     request.user)


@router.post("/applications/{code}/duplicates/{candidate_id}/decision", response=ApplicationOut,
             summary="Decide one suspected duplicate: the same person, or different people")  # fmt: skip
def post_duplicate_decision(request, code: str, candidate_id: int, body: DuplicateDecisionIn):
    decide_duplicate(request.user, code, candidate_id, same_person=body.same_person, reason=body.reason)
    from .processing import process_application

    application = access_application(request.user, code, Verb.DUPLICATE_DECIDE)
    return selectors.application_out(process_application(application.pk), request.user)


@router.get(
    "/applications/{code}/capture-sheet.pdf", summary="Form CC01: the capture sheet, for the citizen to sign"
)
def capture_sheet(request, code: str):
    from .printing import capture_sheet_pdf

    application = access_application(request.user, code)
    events.form_printed(request.user, application, form="CC01")
    return _pdf(capture_sheet_pdf(application), f"CC01-{application.code}.pdf")


@router.get("/applications/{code}/appointment-slip.pdf", summary="Form CC02: the appointment slip")
def appointment_slip(request, code: str):
    from .printing import appointment_slip_pdf

    application = access_application(request.user, code)
    events.form_printed(request.user, application, form="CC02")
    return _pdf(appointment_slip_pdf(application), f"CC02-{application.code}.pdf")


@router.get(
    "/applications/{code}/refusal-notice.pdf",
    summary="Form CC03: the refusal notice of a rejected application",
)
def refusal_notice(request, code: str):
    from .printing import refusal_notice_pdf

    application = access_application(request.user, code)
    if application.stage != "rejected":
        raise EnrollmentError(Code.NOT_AWAITING_DECISION, code=application.code, stage=application.stage)
    events.form_printed(request.user, application, form="CC03")
    return _pdf(refusal_notice_pdf(application), f"CC03-{application.code}.pdf")


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
