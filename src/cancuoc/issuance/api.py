"""Issuance over the JSON API (``/api/v1``): hand a card over, report it lost, confirm or withdraw a loss.
Thin: the same ``cards.access`` checks and ``actions`` as the pages; an issuance refusal answers
``{code, message_vi, message_en}`` with its status (CardError, NotFound and PermissionDenied are mapped by
``cancuoc.api``)."""

from __future__ import annotations

import base64
import binascii
import functools

from ninja import Router, Schema, Status

from cancuoc.accounts.permissions import Verb
from cancuoc.cards.access import access_card

from . import actions
from .access import access_station_card
from .errors import HTTP_STATUS, IssuanceError
from .errors import IssuanceErrorCode as Code
from .models import Handover

router = Router(tags=["issuance"])
ERRORS = {status: dict for status in (404, 409, 413, 422, 429)}
_IMAGE_TEXT_LIMIT = actions.MAX_IMAGE_BYTES * 4 // 3 + 4


class HandoverIn(Schema):
    method: str
    reason: str = ""
    finger_position: int | None = None
    image_base64: str | None = None  # the fingerprint scan or the face photo (PNG/JPEG)
    phone: str | None = None
    channel: str = "sms"


class HandoverOut(Schema):
    serial: str
    state: str
    method: str
    score: float | None
    match: bool | None


class ReasonIn(Schema):
    reason: str


class CardStateOut(Schema):
    serial: str
    state: str


def _answers(route):
    @functools.wraps(route)
    def wrapped(request, *args, **kwargs):
        try:
            return route(request, *args, **kwargs)
        except IssuanceError as error:
            return Status(HTTP_STATUS.get(error.code, 422), error.as_dict())

    return wrapped


def _image(text: str | None) -> bytes | None:
    if not text:
        return None
    if len(text) > _IMAGE_TEXT_LIMIT:
        raise IssuanceError(Code.IMAGE_TOO_LARGE, "image", limit=actions.MAX_IMAGE_BYTES)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise IssuanceError(Code.VERIFICATION_FAILED, "image", detail="image_base64 is not base64") from None


@router.post("/cards/{serial}/handover", response={200: HandoverOut, **ERRORS})
@_answers
def hand_over(request, serial: str, body: HandoverIn):
    """Check the holder (``fingerprint`` or ``face`` with ``image_base64``, or ``looking`` with a reason) and
    hand the card over. A failed match answers 422 ``no_match`` and hands nothing over."""
    card = access_station_card(request.user, serial[:20])
    if body.phone:  # checked now, kept only once the card is handed over
        actions.normalise_phone(body.phone)
        actions.clean_channel(body.channel)
    if body.method in (Handover.Method.FINGERPRINT, Handover.Method.FACE):
        check = actions.verify_holder(request.user, card, method=body.method, finger_position=body.finger_position,
                                      image=_image(body.image_base64))  # fmt: skip
    elif body.method == Handover.Method.LOOKING:
        check = actions.Check(Handover.Method.LOOKING)
    else:
        raise IssuanceError(Code.METHOD_UNKNOWN, "method")
    record = actions.hand_over(request.user, card, check, reason=body.reason)
    if body.phone:
        actions.set_contact(request.user, card.citizen, phone=body.phone, channel=body.channel, where="API hand-over")
    return {"serial": card.serial, "state": "active", "method": record.method, "score": record.score,
            "match": record.match}  # fmt: skip


@router.post("/cards/{serial}/loss", response={200: CardStateOut, **ERRORS})
@_answers
def report_loss(request, serial: str, body: ReasonIn):
    card = access_card(request.user, serial[:20], Verb.CARD_SUSPEND)
    actions.report_loss(request.user, card, reason=body.reason)
    return {"serial": card.serial, "state": "suspended"}


@router.post("/cards/{serial}/loss/confirm", response={200: CardStateOut, **ERRORS})
@_answers
def confirm_loss(request, serial: str, body: ReasonIn):
    card = access_card(request.user, serial[:20], Verb.CARD_REVOKE)
    actions.confirm_loss(request.user, card, reason=body.reason)
    return {"serial": card.serial, "state": "lost"}


@router.post("/cards/{serial}/loss/withdraw", response={200: CardStateOut, **ERRORS})
@_answers
def withdraw_loss(request, serial: str, body: ReasonIn):
    card = access_card(request.user, serial[:20], Verb.CARD_SUSPEND)
    actions.withdraw_loss(request.user, card, reason=body.reason)
    return {"serial": card.serial, "state": "active"}
