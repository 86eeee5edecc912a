"""The write path of issuance: one function per change, each taking the acting user (None for the citizen
on the public page) and a reason, in one transaction with its audit entry. Cards move only through
``cards.lifecycle``; what issuance adds (the hand-over record, the parcel, the loss report, the re-issue
request, the contact) is written here in the same transaction.

Permissions are the caller's business: pages and API routes reach the card through ``cards.access`` with
the verb first (``CARD_HANDOVER``, ``CARD_SUSPEND``, ``CARD_REVOKE``)."""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cancuoc.cards import lifecycle
from cancuoc.cards.errors import CardError, CardErrorCode
from cancuoc.cards.models import Card
from cancuoc.errors import CodedError
from cancuoc.registry.models import Citizen
from cancuoc.registry.validation import has_forbidden_characters

from . import events, outbox
from .errors import IssuanceError
from .errors import IssuanceErrorCode as Code
from .models import Channel, CitizenContact, Handover, LossCode, LossReport, PostalDelivery, ReissueRequest

Method = Handover.Method
MAX_IMAGE_BYTES = 4 * 1024 * 1024
LOSS_CODE_MINUTES = 10
LOSS_CODE_ATTEMPTS = 5
_SALT = "cancuoc.issuance.loss-code"
_TRACKING = re.compile(r"^[A-Z0-9-]{4,40}$")
_NOBODY_BORN = date(1, 1, 1)


# -- checks of what is typed ----------------------------------------------------------------------------------
def normalise_phone(text) -> str:
    """A Vietnamese mobile number as ``0xxxxxxxxx``: spaces, dots and dashes dropped, +84/84 read as 0."""
    raw = "" if text is None else str(text)
    digits = re.sub(r"[\s.\-()]", "", raw)[:20]
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit() and digits.startswith("0")):
        raise IssuanceError(Code.PHONE_INVALID, "phone")
    return digits


def clean_channel(text) -> str:
    value = "" if text is None else str(text).strip().lower()
    if value not in Channel.values:
        raise IssuanceError(Code.CHANNEL_UNKNOWN, "channel")
    return value


def clean_address(text) -> str:
    text = unicodedata.normalize("NFC", "" if text is None else str(text)).strip()
    if not 5 <= len(text) <= 300 or has_forbidden_characters(text) or any(
        unicodedata.category(char) in ("Cc", "Cf") for char in text
    ):
        raise IssuanceError(Code.ADDRESS_INVALID, "address")
    return text


def clean_tracking(text) -> str:
    value = "" if text is None else str(text).strip().upper()
    if not _TRACKING.match(value):
        raise IssuanceError(Code.TRACKING_INVALID, "tracking_number")
    return value


def _locked(card: Card) -> Card:
    locked = Card.objects.select_for_update(of=("self",)).select_related("citizen").filter(pk=card.pk).first()
    if locked is None:
        raise CardError(CardErrorCode.CARD_NOT_FOUND, serial=card.serial)
    return locked


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the citizen's contact --------------------------------------------------------------------------------------
def set_contact(actor, citizen: Citizen, *, phone, channel, where: str) -> CitizenContact:
    """The number the citizen is told things on (given at the counter), replacing any earlier one."""
    phone, channel = normalise_phone(phone), clean_channel(channel)
    unit = getattr(actor, "unit", None)
    with transaction.atomic():
        contact, _ = CitizenContact.objects.update_or_create(
            citizen=citizen, defaults={"phone": phone, "channel": channel, "updated_by": actor}
        )
        events.contact_changed(actor, citizen, channel=channel, unit_path=unit.path if unit else "", where=where)
    return contact


# -- hand-over ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """The outcome of checking the holder: how, the score and whether it matched (None: by looking)."""

    method: str
    score: float | None = None
    match: bool | None = None


def verify_holder(actor, card: Card, *, method: str, finger_position=None, image: bytes | None = None) -> Check:
    """1:1 check of the person at the counter against the card's enrolled capture (fingerprint or face);
    slow, so run outside any transaction. Audited by the biometrics package whatever the outcome."""
    from cancuoc.accounts.permissions import NotFound
    from cancuoc.biometrics.actions import verify_holder as biometric_check

    if method not in (Method.FINGERPRINT, Method.FACE):
        raise IssuanceError(Code.METHOD_UNKNOWN, "method")
    if not image:
        raise IssuanceError(Code.IMAGE_REQUIRED, "image", what="vân tay" if method == Method.FINGERPRINT else "khuôn mặt")
    if len(image) > MAX_IMAGE_BYTES:
        raise IssuanceError(Code.IMAGE_TOO_LARGE, "image", limit=MAX_IMAGE_BYTES)
    capture = card.application.capture if card.application_id is not None else None
    if capture is None or (method == Method.FINGERPRINT and capture.fingerprints is None) or (
        method == Method.FACE and capture.face_template is None
    ):
        raise IssuanceError(Code.NO_ENROLLED_DATA, "method")
    kwargs = {}
    if method == Method.FINGERPRINT:
        position = str(finger_position or "").strip()
        if not (position.isascii() and position.isdigit() and 1 <= int(position) <= 10):
            raise IssuanceError(Code.FINGER_POSITION_INVALID, "finger_position")
        kwargs["finger_images"] = {int(position): bytes(image)}
    else:
        kwargs["face_image"] = bytes(image)
    try:
        outcome = biometric_check(actor, capture, reason=f"giao thẻ {card.serial} / card hand-over",
                                  unit_path=card.unit_path, **kwargs)
    except NotFound:
        raise IssuanceError(Code.VERIFICATION_FAILED, "method", detail="holder outside the officer's area") from None
    except CodedError as error:  # an unreadable image, no print where the enrolment has one ...
        raise IssuanceError(Code.VERIFICATION_FAILED, "image", detail=_short(error.message_en, 200)) from None
    return Check(str(method), float(outcome.score), bool(outcome.match))


def _method_words(check: Check) -> str:
    words = {Method.FINGERPRINT: ("vân tay", "fingerprint"), Method.FACE: ("khuôn mặt", "face"),
             Method.LOOKING: ("nhìn trực tiếp", "by looking"), Method.POST: ("bưu điện", "post")}[Method(check.method)]  # fmt: skip
    score = f" ({check.score:.1f})" if check.score is not None else ""
    return f"{words[0]}{score} / {words[1]}"


def hand_over(actor, card: Card, check: Check, *, reason: str = "", now: datetime | None = None) -> Handover:
    """The card goes into its holder's hand: ``lifecycle.hand_over`` and the hand-over record, one
    transaction. A biometric check must have matched; by looking needs a reason. A card in the post is
    handed over by the delivery confirmation instead; a second submit gets ALREADY_HANDED_OVER."""
    if check.method not in Method.values:
        raise IssuanceError(Code.METHOD_UNKNOWN, "method")
    if check.method in (Method.FINGERPRINT, Method.FACE) and not check.match:
        raise IssuanceError(Code.NO_MATCH, "method", score=f"{check.score or 0:.1f}")
    reason = lifecycle.clean_reason(reason, required=check.method in (Method.LOOKING, Method.POST))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            card = _locked(card)
            if card.handed_over_at is not None or Handover.objects.filter(card=card).exists():
                raise IssuanceError(Code.ALREADY_HANDED_OVER, serial=card.serial)
            if card.state != "received":
                raise IssuanceError(Code.NOT_AT_STATION, serial=card.serial)
            if check.method != Method.POST and PostalDelivery.objects.filter(card=card, state="posted").exists():
                raise IssuanceError(Code.IN_THE_POST, serial=card.serial)
            words = _method_words(check)
            lifecycle.hand_over(actor, card, reason=_short(f"{words}: {reason}" if reason else words, 300), now=now)
            return Handover.objects.create(card=card, method=check.method, score=check.score, match=check.match,
                                           reason=reason, officer=actor if getattr(actor, "pk", None) else None,
                                           at=now)  # fmt: skip
    except IntegrityError:  # the one-hand-over-per-card constraint: a double submit that raced the lock
        raise IssuanceError(Code.ALREADY_HANDED_OVER, serial=card.serial) from None


# -- delivery by post -----------------------------------------------------------------------------------------
def post_card(actor, card: Card, *, address, tracking_number, reason: str = "") -> PostalDelivery:
    """The card leaves the station by post to the holder's address (it stays ``received`` until delivered)."""
    address, tracking = clean_address(address), clean_tracking(tracking_number)
    reason = lifecycle.clean_reason(reason, required=False)
    try:
        with transaction.atomic():
            card = _locked(card)
            if card.state != "received":
                raise IssuanceError(Code.NOT_AT_STATION, serial=card.serial)
            if PostalDelivery.objects.filter(card=card, state="posted").exists():
                raise IssuanceError(Code.IN_THE_POST, serial=card.serial)
            parcel = PostalDelivery.objects.create(card=card, address=address, tracking_number=tracking,
                                                   posted_at=timezone.now(), posted_by=actor)  # fmt: skip
            events.delivery_changed(actor, card, state="posted", tracking_number=tracking,
                                    reason=reason or "gửi qua bưu điện / posted")  # fmt: skip
            return parcel
    except IntegrityError:
        raise IssuanceError(Code.IN_THE_POST, serial=card.serial) from None


def _open_parcel(card: Card) -> PostalDelivery:
    parcel = PostalDelivery.objects.select_for_update().filter(card=card, state="posted").first()
    if parcel is None:
        raise IssuanceError(Code.NOT_IN_THE_POST, serial=card.serial)
    return parcel


def confirm_delivery(actor, card: Card, *, confirmation) -> Handover:
    """The post confirms delivery (who signed, the receipt): the card is handed over (method post)."""
    confirmation = lifecycle.clean_reason(confirmation, required=False)
    if not confirmation:
        raise IssuanceError(Code.CONFIRMATION_REQUIRED, "confirmation")
    with transaction.atomic():
        locked = _locked(card)
        parcel = _open_parcel(locked)
        PostalDelivery.objects.filter(pk=parcel.pk).update(state="delivered", closed_at=timezone.now(),
                                                           closed_by=actor, confirmation=confirmation)  # fmt: skip
        handover = hand_over(actor, locked, Check(Method.POST), reason=f"{parcel.tracking_number}: {confirmation}")
        events.delivery_changed(actor, locked, state="delivered", tracking_number=parcel.tracking_number,
                                reason=confirmation)  # fmt: skip
        return handover


def return_card(actor, card: Card, *, reason) -> PostalDelivery:
    """The parcel came back undelivered: the card is at the station again, to be collected or posted again."""
    reason = lifecycle.clean_reason(reason)
    with transaction.atomic():
        locked = _locked(card)
        parcel = _open_parcel(locked)
        parcel.state, parcel.closed_at, parcel.closed_by, parcel.confirmation = "returned", timezone.now(), actor, reason
        parcel.save(update_fields=["state", "closed_at", "closed_by", "confirmation"])
        events.delivery_changed(actor, locked, state="returned", tracking_number=parcel.tracking_number, reason=reason)
        return parcel


# -- loss -----------------------------------------------------------------------------------------------------
def report_loss(actor, card: Card, *, reason, by_citizen: bool = False) -> LossReport:
    """The card is suspended at once; the report waits for a supervisor's confirmation."""
    reason = lifecycle.clean_reason(reason)
    try:
        with transaction.atomic():
            locked = _locked(card)
            if LossReport.objects.filter(card=locked, state=LossReport.State.OPEN).exists():
                raise IssuanceError(Code.LOSS_ALREADY_REPORTED, serial=locked.serial)
            if locked.state != "active":
                raise IssuanceError(Code.NOT_IN_USE, serial=locked.serial)
            who = "công dân báo mất" if by_citizen else "cán bộ ghi nhận mất"
            lifecycle.transition(actor, locked, "suspended", reason=_short(f"{who} / loss reported: {reason}", 300))
            report = LossReport.objects.create(card=locked, by_citizen=by_citizen, reason=reason,
                                               reported_by=actor if getattr(actor, "pk", None) else None,
                                               reported_at=timezone.now())  # fmt: skip
            events.loss_reported(actor, locked, by_citizen=by_citizen, reason=reason)
            return report
    except IntegrityError:
        raise IssuanceError(Code.LOSS_ALREADY_REPORTED, serial=card.serial) from None


def _open_loss(card: Card) -> LossReport:
    report = LossReport.objects.select_for_update().filter(card=card, state=LossReport.State.OPEN).first()
    if report is None:
        raise IssuanceError(Code.NO_OPEN_LOSS, serial=card.serial)
    return report


def confirm_loss(actor, card: Card, *, reason) -> ReissueRequest:
    """A supervisor confirms the loss: the card is ``lost`` for good and a re-issue request is recorded for
    the station of the holder's residence (the citizen comes for a new capture)."""
    reason = lifecycle.clean_reason(reason)
    with transaction.atomic():
        locked = _locked(card)
        report = _open_loss(locked)
        lifecycle.transition(actor, locked, "lost", reason=_short(f"xác nhận mất / loss confirmed: {reason}", 300))
        now = timezone.now()
        LossReport.objects.filter(pk=report.pk).update(state=LossReport.State.CONFIRMED, decided_by=actor,
                                                       decided_at=now, decision_reason=reason)  # fmt: skip
        citizen = locked.citizen
        unit = citizen.permanent_unit if citizen.permanent_unit_id else None
        return ReissueRequest.objects.create(citizen=citizen, lost_card=locked,
                                             unit_path=unit.path if unit is not None else locked.unit_path,
                                             reason=reason, created_at=now, created_by=actor)  # fmt: skip


def withdraw_loss(actor, card: Card, *, reason) -> LossReport:
    """The card was found before the loss was confirmed: active again."""
    reason = lifecycle.clean_reason(reason)
    with transaction.atomic():
        locked = _locked(card)
        report = _open_loss(locked)
        lifecycle.reinstate(actor, locked, reason=_short(f"tìm thấy thẻ / card found: {reason}", 300))
        LossReport.objects.filter(pk=report.pk).update(state=LossReport.State.WITHDRAWN, decided_by=actor,
                                                       decided_at=timezone.now(), decision_reason=reason)  # fmt: skip
        report.refresh_from_db()
        return report


# -- loss reported by the citizen (public page, one-time code) ----------------------------------------------
def _digest(text: str) -> str:
    return salted_hmac(_SALT, text, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def request_loss_code(id_number, birth_date: date) -> str:
    """Start a loss report: a token for the browser's session, and — only when the number and the birth date
    belong together, the citizen holds an active card and a phone number is on record — a six-digit code
    queued to that number. The caller answers the same whatever happened (nothing tells a prober which)."""
    from cancuoc.registry import events as registry_events

    token = secrets.token_urlsafe(24)
    number = id_number if isinstance(id_number, str) and len(id_number) == 12 and id_number.isdigit() \
        and id_number.isascii() else ""  # fmt: skip
    found = (Citizen.objects.filter(id_number=number)
             .values_list("pk", "birth_date", "date_of_death", "merged_into_id").first()) if number else None  # fmt: skip
    pk, born, died, merged_into = found or (None, _NOBODY_BORN, None, None)
    proven = pk is not None and born == birth_date and died is None and merged_into is None
    # the same two look-ups whatever was typed, so the answer takes about as long either way
    card = Card.objects.filter(citizen_id=pk if proven else -1, state="active").select_related("citizen").first()
    contact = CitizenContact.objects.filter(citizen_id=pk if proven else -1).first()
    if not proven:
        registry_events.citizen_lookup_refused(None, id_number=number or repr(str(id_number))[1:-1][:40],
                                               where="public card loss")  # fmt: skip
        return token
    if card is None or contact is None:
        return token
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        entry = LossCode.objects.create(token_digest=_digest(token), card=card, code_digest=_digest(f"{token}:{code}"),
                                        expires_at=timezone.now() + timedelta(minutes=LOSS_CODE_MINUTES))  # fmt: skip
        outbox.queue(f"loss-code:{entry.pk}", recipient=contact.phone, channel=contact.channel, citizen=card.citizen,
                     body_vi=f"Mã xác nhận báo mất thẻ căn cước: {code} (hiệu lực {LOSS_CODE_MINUTES} phút). "
                             "Không đưa mã này cho ai.",
                     body_en=f"Your identity card loss report code: {code} (valid {LOSS_CODE_MINUTES} minutes). "
                             "Do not give it to anyone.", unit_path=card.unit_path, sensitive=True)  # fmt: skip
    return token


def confirm_loss_code(token, code) -> LossReport:
    """The citizen typed the code: the card is suspended (``report_loss`` by the citizen). CODE_WRONG for a
    wrong, expired, used or exhausted code alike; each try counts, committed before the comparison."""
    token = token if isinstance(token, str) and 10 <= len(token) <= 64 else ""
    code = "".join(str(code or "").split())[:12]
    now = timezone.now()
    with transaction.atomic():
        entry = LossCode.objects.select_for_update().filter(token_digest=_digest(token)).first() if token else None
        usable = entry is not None and entry.used_at is None and entry.expires_at > now \
            and entry.attempts < LOSS_CODE_ATTEMPTS  # fmt: skip
        if usable:
            LossCode.objects.filter(pk=entry.pk).update(attempts=entry.attempts + 1)
    if not usable or not hmac.compare_digest(_digest(f"{token}:{code}"), entry.code_digest):
        raise IssuanceError(Code.CODE_WRONG, "code")
    with transaction.atomic():
        if not LossCode.objects.filter(pk=entry.pk, used_at__isnull=True).update(used_at=now):
            raise IssuanceError(Code.CODE_WRONG, "code")  # the same code submitted twice at once
        return report_loss(None, entry.card, reason="báo mất trên cổng công khai / reported online", by_citizen=True)
