"""The only write path of enrollment: one function per change, the acting user, one transaction, its
audit event inside it.

``submit_application`` is the intake: it checks the request, seals the images, stores the application
and queues it; it does not measure the images (the capture page already asked for quality, and the
pipeline's completeness stage measures them), so that intake stays fast under campaign load."""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections.abc import Mapping
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound, Verb, require_permission
from cancuoc.biometrics import actions as biometrics
from cancuoc.registry.access import access_citizen_by_id_number
from cancuoc.rules import applications as rules
from cancuoc.rules.people import age_on
from cancuoc.rules.text import hidden_characters, reason_problem

from . import events
from .access import access_station
from .errors import EnrollmentError
from .errors import EnrollmentErrorCode as Code
from .models import Application, ApplicationEvent, DuplicateCandidate, StationAssignment

Stage = Application.Stage
MAX_IMAGE_BYTES = 2 * 1024 * 1024
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
RETURN_WORKING_DAYS = 7
EXCEPTIONS = ("amputated", "bandaged", "unreadable")
REFUSALS = {
    rules.Refusal.UNKNOWN_KIND: ("loại hồ sơ không hợp lệ", "unknown kind of application"),
    rules.Refusal.REASON_NOT_FOR_KIND: ("lý do không thuộc loại hồ sơ này", "the reason does not belong to this kind"),
    rules.Refusal.DEAD: ("công dân đã chết", "the citizen is dead"),
    rules.Refusal.NOT_VIETNAMESE: ("không phải công dân Việt Nam", "not a Vietnamese citizen"),
    rules.Refusal.HAS_CARD: ("công dân đã có thẻ hoặc thẻ đang được làm: chọn cấp đổi hoặc cấp lại",
                             "the citizen has a card or one in the making: choose replacement or re-issue"),
    rules.Refusal.NO_CARD: ("công dân chưa có thẻ: chọn cấp mới", "the citizen has no card: choose a first card"),
    rules.Refusal.NOT_RENEWAL_AGE: ("chưa đến tuổi đổi thẻ (14, 25, 40, 60)", "not at a renewal age (14, 25, 40, 60)"),
    rules.Refusal.UNDER_14_NOT_REQUESTED: ("dưới 14 tuổi chỉ cấp thẻ khi có đề nghị",
                                           "under 14 a card is issued only on request"),
}  # fmt: skip


def _reason(text, *, required: bool = True) -> str:
    text, wrong = reason_problem("" if text is None else str(text), required=required)
    if wrong:
        raise EnrollmentError(Code.REASON_REQUIRED if wrong == "required" else Code.REASON_INVALID)
    return text


def clean_text(value, field: str, limit: int) -> str:
    """A short free text (a name, an address) as it may be stored and shown: NFC, trimmed, bounded."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value)).strip()
    if len(text) > limit or hidden_characters(text):
        raise EnrollmentError(Code.TEXT_INVALID, field=field)
    return text


def new_code(now: datetime | None = None) -> str:
    """``YYMMDD`` + 8 random base-32 characters: typed from a slip, unguessable (40 bits per day)."""
    day = (now or timezone.now()).astimezone(timezone.get_current_timezone())
    return f"{day:%y%m%d}" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def _digest(**parts) -> str:
    def hashed(value):
        if isinstance(value, bytes | bytearray):
            return hashlib.sha256(value).hexdigest()
        if isinstance(value, Mapping):
            return {str(k): hashed(v) for k, v in sorted(value.items(), key=lambda item: str(item[0]))}
        return value

    return hashlib.sha256(json.dumps(hashed(parts), sort_keys=True, default=str).encode()).hexdigest()


def has_card(citizen) -> bool:
    """Whether the citizen was ever handed a card (whatever became of it since: a lost or expired card still
    makes the next one a re-issue or a renewal), or has an approved application whose card is on its way."""
    from cancuoc.cards.models import Card

    return (Card.objects.filter(citizen=citizen, handed_over_at__isnull=False).exists()
            or Application.objects.filter(citizen=citizen, stage=Stage.READY_FOR_PRODUCTION).exists())  # fmt: skip


def _station(actor, station_code):
    if station_code:
        try:
            return access_station(actor, station_code)
        except NotFound:
            raise EnrollmentError(Code.STATION_NOT_YOURS, station=str(station_code)[:20]) from None
    assignment = (StationAssignment.objects.select_related("station", "station__unit")
                  .filter(officer=actor, current=True, station__active=True).first())  # fmt: skip
    if assignment is None:
        raise EnrollmentError(Code.NO_STATION)
    return assignment.station


def _slots(
    citizen, fingerprints: Mapping, exceptions: Mapping, today
) -> tuple[dict[int, bytes], dict[int, str], str]:
    images, reasons = {}, {}
    for key, data in fingerprints.items():
        position = _position(key)
        if len(data) > MAX_IMAGE_BYTES:
            raise EnrollmentError(
                Code.IMAGE_TOO_LARGE, field=f"fingerprints.{position}", limit=MAX_IMAGE_BYTES
            )
        images[position] = data
    for key, value in exceptions.items():
        position = _position(key)
        if value not in EXCEPTIONS:
            raise EnrollmentError(Code.FINGER_EXCEPTION_UNKNOWN, position=position)
        reasons[position] = value
    if not rules.takes_biometrics(citizen.birth_date, today):
        if images or reasons:
            raise EnrollmentError(Code.KIND_REFUSED, why_vi="dưới 6 tuổi không lấy vân tay",
                                  why_en="no fingerprints are taken under 6")  # fmt: skip
        return {}, {}, "under_6"
    for position in range(1, 11):
        if (position in images) == (position in reasons):
            raise EnrollmentError(Code.FINGER_SLOTS, position=position)
    seen: dict[bytes, int] = {}
    for position, data in sorted(images.items()):
        digest = hashlib.sha256(data).digest()
        if digest in seen:  # the same file in two slots: caught here, not after the citizen has left
            raise EnrollmentError(Code.SAME_IMAGE_TWICE, first=seen[digest], second=position)
        seen[digest] = position
    return images, reasons, ""


def _position(key) -> int:
    try:
        position = int(str(key))
    except ValueError:
        position = 0
    if not 1 <= position <= 10 or str(position) != str(key):
        raise EnrollmentError(Code.FINGER_POSITION, position=str(key)[:8])
    return position


def submit_application(actor, *, idempotency_key: str, id_number: str, kind: str, reason: str = "",
                       portrait: bytes | None, fingerprints: Mapping[str, bytes] | None = None,
                       finger_exceptions: Mapping[str, str] | None = None, station: str | None = None,
                       portrait_override_reason: str = "", opened_at: datetime | None = None) -> tuple[Application, bool]:  # fmt: skip
    """Take an application. Returns (application, created): a repeat of the same request with the same
    ``idempotency_key`` returns the first one; the same key with other content is refused."""
    require_permission(actor, Verb.APPLICATION_CREATE)
    if (
        not isinstance(idempotency_key, str)
        or not 1 <= len(idempotency_key) <= 80
        or not idempotency_key.isprintable()
    ):
        raise EnrollmentError(Code.IDEMPOTENCY_KEY_MISSING)
    fingerprints, finger_exceptions = dict(fingerprints or {}), dict(finger_exceptions or {})
    digest = _digest(id_number=id_number, kind=kind, reason=reason, portrait=portrait or b"", station=station or "",
                     fingerprints=fingerprints, exceptions=finger_exceptions, override=portrait_override_reason)  # fmt: skip
    repeated = Application.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
    if repeated is not None:
        if repeated.request_digest != digest:
            raise EnrollmentError(Code.IDEMPOTENCY_KEY_REUSED)
        return repeated, False
    try:
        citizen = access_citizen_by_id_number(
            actor, str(id_number), Verb.APPLICATION_CREATE, where="enrollment intake"
        )
    except NotFound:
        raise EnrollmentError(Code.CITIZEN_NOT_FOUND) from None
    the_station = _station(actor, station)
    today = timezone.localdate()
    reason_code, note = (
        (reason, "") if reason in {str(r) for r in rules.Reason} else ("", _reason(reason, required=False))
    )
    reason_code = reason_code or str(rules.default_reason(rules.Kind(kind) if kind in set(rules.Kind) else rules.Kind.FIRST,
                                                          age_on(citizen.birth_date, today)))  # fmt: skip
    refused = rules.refusal(kind, reason_code, birth_date=citizen.birth_date, on=today,
                            alive=citizen.date_of_death is None, nationality=citizen.nationality,
                            has_card=has_card(citizen))  # fmt: skip
    if refused is not None:
        why_vi, why_en = REFUSALS[refused]
        raise EnrollmentError(Code.KIND_REFUSED, why_vi=why_vi, why_en=why_en)
    if not portrait:
        raise EnrollmentError(Code.PORTRAIT_MISSING)
    if len(portrait) > MAX_IMAGE_BYTES:
        raise EnrollmentError(Code.IMAGE_TOO_LARGE, field="portrait", limit=MAX_IMAGE_BYTES)
    images, reasons, waived = _slots(citizen, fingerprints, finger_exceptions, today)
    override = _reason(portrait_override_reason, required=False)
    now = timezone.now()
    seconds = None
    if opened_at is not None and opened_at <= now:
        seconds = min(int((now - opened_at).total_seconds()), 24 * 3600)
    try:
        with transaction.atomic():
            capture = biometrics.store_submission(actor, citizen, portrait=portrait, fingerprints=images,
                                                  exceptions=reasons, override_reason=override, waived=waived)  # fmt: skip
            application = Application.objects.create(
                code=new_code(now), citizen=citizen, station=the_station, unit_path=the_station.unit.path,
                kind=kind, reason_code=reason_code, reason=note, capture=capture, created_by=actor,
                idempotency_key=idempotency_key, request_digest=digest, opened_at=opened_at,
                capture_seconds=seconds, return_date=_return_date(today),
            )  # fmt: skip
            ApplicationEvent.objects.create(application=application, stage=Stage.COMPLETENESS, actor=actor,
                                            code="submitted")  # fmt: skip
            events.application_submitted(actor, application)
            transaction.on_commit(lambda: _enqueue(application.pk))
    except IntegrityError:
        repeated = Application.objects.filter(created_by=actor, idempotency_key=idempotency_key).first()
        if repeated is not None and repeated.request_digest == digest:
            return repeated, False  # a double click raced the first submit: the first one stands
        open_one = Application.objects.filter(citizen=citizen, is_open=True).first()
        if open_one is not None:
            raise EnrollmentError(Code.OPEN_APPLICATION_EXISTS, code=open_one.code) from None
        raise
    return application, True


def _return_date(day):
    from cancuoc.rules.workdays import add_working_days

    return add_working_days(day, RETURN_WORKING_DAYS)


def _enqueue(pk: int) -> None:
    from .tasks import process_application_task

    process_application_task.enqueue(pk)


def move(application: Application, target: str, *, actor=None, code: str = "", detail: str = "") -> None:
    """Move an application to ``target`` (checked against the state machine), with its history entry and
    audit event, in the caller's transaction."""
    source = application.stage
    rules.check_transition(source, target)
    application.stage = target
    application.is_open = rules.is_open(target)
    application.blocking_code, application.blocking_detail = code, detail[:300]
    application.attempts = 0
    application.save(
        update_fields=["stage", "is_open", "blocking_code", "blocking_detail", "attempts", "updated_at"]
    )
    ApplicationEvent.objects.create(application=application, stage=target, actor=actor, code=code or "moved",
                                    detail=detail[:300])  # fmt: skip
    events.application_stage_changed(actor, application, source=source, target=target, code=code)
    if target == Stage.REJECTED:
        transaction.on_commit(lambda: withdraw_from_gallery(application.code))


def fulfil(application: Application, *, actor=None, card_serial: str) -> None:
    """The application's card was handed over: the application closes (the citizen may apply again), with its
    history entry, in the caller's transaction (``cards.lifecycle.hand_over``'s). Idempotent."""
    if not application.is_open:
        return
    application.is_open = False
    application.save(update_fields=["is_open", "updated_at"])
    ApplicationEvent.objects.create(application=application, stage=application.stage, actor=actor,
                                    code="card_handed_over", detail=card_serial)  # fmt: skip


def withdraw_from_gallery(code: str) -> None:
    """A rejected application's fingerprints leave the ABIS gallery (when they were enrolled at all)."""
    from cancuoc.biometrics import requests as abis_requests
    from cancuoc.biometrics.models import AbisRequest

    if not AbisRequest.objects.filter(request_id=f"{code}-insert", status=AbisRequest.Status.DONE).exists():
        return
    request = abis_requests.submit(None, request_id=f"{code}-delete", operation="delete", reference=code,
                                   enqueue=False)  # fmt: skip
    if request.status == AbisRequest.Status.QUEUED:
        abis_requests.process(request.pk)


def block(application: Application, code: str, detail: str = "") -> None:
    """The application waits at its stage for ``code``; a new reason is kept in its history once."""
    if application.blocking_code == code and application.blocking_detail == detail[:300]:
        return
    application.blocking_code, application.blocking_detail = code, detail[:300]
    application.save(update_fields=["blocking_code", "blocking_detail", "updated_at"])
    ApplicationEvent.objects.create(
        application=application, stage=application.stage, code=code, detail=detail[:300]
    )


def decide(actor, code: str, *, decision: str, reason: str) -> Application:
    """A supervisor approves (→ ready for production) or rejects an application waiting for approval.
    Maker-checker: nobody decides on an application they took or captured."""
    from .access import access_application
    from .errors import BlockingReason

    reason = _reason(reason)
    if decision not in ("approve", "reject"):
        raise EnrollmentError(Code.DECISION_UNKNOWN)
    application = access_application(actor, code, Verb.APPLICATION_APPROVE)
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("citizen", "capture")
            .get(pk=application.pk)
        )
        if application.stage != Stage.APPROVAL:
            raise EnrollmentError(Code.NOT_AWAITING_DECISION, code=application.code, stage=application.stage)
        if actor.pk in (
            application.created_by_id,
            application.capture.captured_by_id if application.capture else None,
        ):
            raise EnrollmentError(Code.OWN_CAPTURE)
        application.decided_by, application.decided_at, application.decision_reason = (
            actor,
            timezone.now(),
            reason,
        )
        application.save(update_fields=["decided_by", "decided_at", "decision_reason"])
        if decision == "approve":
            move(application, Stage.READY_FOR_PRODUCTION, actor=actor, code="approved", detail=reason)
        else:
            move(
                application,
                Stage.REJECTED,
                actor=actor,
                code=BlockingReason.REJECTED_BY_SUPERVISOR,
                detail=reason,
            )
        events.application_decided(actor, application, decision=decision)
    return application


def decide_duplicate(
    actor, code: str, candidate_id: int, *, same_person: bool, reason: str
) -> DuplicateCandidate:
    """A supervisor decides one suspected duplicate: the same person (the application is rejected and the
    registry flags the record) or different people (the pair is not raised again)."""
    from .access import access_application

    reason = _reason(reason)
    application = access_application(actor, code, Verb.DUPLICATE_DECIDE)
    with transaction.atomic():
        application = (Application.objects.select_for_update(of=("self",)).select_related("citizen", "capture")
                       .get(pk=application.pk))  # fmt: skip
        if application.stage != Stage.ADJUDICATION:
            raise EnrollmentError(Code.NOT_AWAITING_DECISION, code=application.code, stage=application.stage)
        candidate = (
            application.duplicates.select_for_update(of=("self",))
            .select_related("citizen")
            .filter(pk=candidate_id)
            .first()
        )
        if candidate is None or (candidate.citizen_id and not candidate_visible(actor, candidate)):
            raise EnrollmentError(Code.CANDIDATE_NOT_FOUND)  # one outside the area: a supervisor above both
        if candidate.decision != DuplicateCandidate.Decision.PENDING:
            raise EnrollmentError(Code.NOT_AWAITING_DECISION, code=application.code, stage=application.stage)
        capture_by = application.capture.captured_by_id if application.capture_id else None
        if actor.pk in (application.created_by_id, capture_by):
            raise EnrollmentError(Code.OWN_CAPTURE)
        candidate.decision = (
            DuplicateCandidate.Decision.DUPLICATE if same_person else DuplicateCandidate.Decision.DIFFERENT
        )
        candidate.decided_by, candidate.decided_at, candidate.decision_reason = actor, timezone.now(), reason
        candidate.save(update_fields=["decision", "decided_by", "decided_at", "decision_reason"])
        candidate.application = application
        events.duplicate_decided(actor, candidate)
        if not same_person and candidate.citizen_id:
            _remember_different(actor, application.citizen_id, candidate.citizen_id, reason)
    transaction.on_commit(lambda: _enqueue(application.pk))
    return candidate


def candidate_visible(user, candidate: DuplicateCandidate) -> bool:
    """Whether this user may see (and decide) a suspected duplicate: it takes the duplicate verb, and the
    other record in the user's area; otherwise only a supervisor above both records sees who it is."""
    from cancuoc.accounts.permissions import has_permission
    from cancuoc.registry.access import citizen_in_area

    if not has_permission(user, Verb.DUPLICATE_DECIDE):
        return False
    return candidate.citizen_id is None or citizen_in_area(user, candidate.citizen, Verb.DUPLICATE_DECIDE)


def _remember_different(actor, first: int, second: int, reason: str) -> None:
    from cancuoc.registry.models import NotDuplicatePair

    low, high = sorted((first, second))
    if low != high:
        NotDuplicatePair.objects.get_or_create(first_id=low, second_id=high,
                                               defaults={"decided_by": actor, "reason": reason[:200]})  # fmt: skip


# -- stations -------------------------------------------------------------------------------------------
def create_station(actor, *, code: str, name: str, kind: str, unit, address: str = "", slot_minutes: int = 15,
                   slot_capacity: int = 4):  # fmt: skip
    """A station of the actor's area (supervisors; the system for the demo)."""
    from cancuoc.accounts.permissions import in_area

    from .models import Station

    if actor is not None:
        require_permission(actor, Verb.STATION_MANAGE)
        if not in_area(actor, Verb.STATION_MANAGE, unit.path):
            raise NotFound()
    with transaction.atomic():
        code = clean_text(code, "code", 20)
        if not code or not all(char.isalnum() or char in "-_." for char in code):
            raise EnrollmentError(Code.TEXT_INVALID, field="code")
        name, address = clean_text(name, "name", 200), clean_text(address, "address", 300)
        station = Station.objects.create(code=code, name=name, kind=Station.Kind(kind), unit=unit, address=address,
                                         slot_minutes=slot_minutes, slot_capacity=slot_capacity)  # fmt: skip
        events.station_changed(actor, station, what="created")
    return station


def assign_officer(actor, station, officer) -> StationAssignment:
    """The officer works at ``station`` from now on (their previous station, if any, ends)."""
    from cancuoc.accounts.permissions import in_area

    if actor is not None:
        require_permission(actor, Verb.STATION_MANAGE)
        if not in_area(actor, Verb.STATION_MANAGE, station.unit.path):
            raise NotFound()
    officer_path = officer.unit.path if officer.unit_id else ""
    if not officer_path or not (
        officer_path.startswith(station.unit.path) or station.unit.path.startswith(officer_path)
    ):
        raise EnrollmentError(Code.OFFICER_NOT_FOR_STATION, officer=officer.username)
    with transaction.atomic():
        StationAssignment.objects.filter(officer=officer, current=True).update(current=False)
        assignment = StationAssignment.objects.create(officer=officer, station=station)
        events.station_changed(actor, station, what=f"officer {officer.username} assigned")
    return assignment


def create_shift(actor, station, *, name: str, starts_at: datetime, ends_at: datetime, officers=()):
    """A shift at ``station`` (three or four a day; round the clock at peak) with its officers."""
    from cancuoc.accounts.permissions import in_area

    from .models import Shift

    if actor is not None:
        require_permission(actor, Verb.STATION_MANAGE)
        if not in_area(actor, Verb.STATION_MANAGE, station.unit.path):
            raise NotFound()
    with transaction.atomic():
        shift = Shift.objects.create(station=station, name=clean_text(name, "name", 40), starts_at=starts_at,
                                     ends_at=ends_at)  # fmt: skip
        shift.officers.set(officers)
        events.station_changed(
            actor, station, what=f"shift {name} {starts_at:%d/%m/%Y %H:%M}–{ends_at:%H:%M}"
        )
    return shift
