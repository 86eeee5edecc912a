"""The citizen's loss report, no login (``/cards/bao-mat/``): the ID number and the date of birth, then a
one-time code sent to the phone number on record; the card is suspended at once.

Every attempt counts against the public rate limits (per client address, per ID number, per session
token). The first step answers the same whatever was typed — a wrong birth date, an unknown number, a
citizen without a card or without a phone number on record all lead to the same code form — so the page
tells a prober nothing. The code is kept as an HMAC, expires after ten minutes and allows five tries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cancuoc.registry.validation import parse_date
from cancuoc.web import ratelimit

from . import actions
from .errors import IssuanceError
from .errors import IssuanceErrorCode as Code

SESSION_KEY = "cancuoc_card_loss"


@dataclass
class Refusal:
    message_vi: str
    message_en: str
    field: str = ""


def _refusal(error: IssuanceError, field: str = "") -> Refusal:
    return Refusal(error.message_vi, error.message_en, field or error.field)


def _birth_date(text: str) -> date:
    text = (text or "").strip()[:20]
    if len(text) == 8 and text.isascii() and text.isdigit():
        text = f"{text[:2]}/{text[2:4]}/{text[4:]}"
    try:
        value = parse_date(text)
    except (ValueError, TypeError):
        value = None
    if value is None or value > timezone.localdate():
        raise IssuanceError(Code.DATE_INVALID, "birth_date", value=text or "—")
    return value


def _too_many(request, refused: ratelimit.RateLimited) -> HttpResponse:
    error = IssuanceError(Code.TOO_MANY_ATTEMPTS, seconds=refused.retry_after)
    response = render(request, "issuance/public_loss.html", {"step": "too_many", "refusal": _refusal(error),
                                                             "typed": {}}, status=429)  # fmt: skip
    response["Retry-After"] = str(refused.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def report_loss(request):
    if request.method == "GET":
        return render(request, "issuance/public_loss.html", {"step": "identity", "typed": {}})
    typed = {"id_number": "".join(str(request.POST.get("id_number", "")).split())[:20],
             "birth_date": str(request.POST.get("birth_date", ""))[:20]}  # fmt: skip
    try:
        ratelimit.check(request, "card-loss", identity=typed["id_number"] or None)
    except ratelimit.RateLimited as refused:
        return _too_many(request, refused)
    try:
        number = typed["id_number"]
        if not (len(number) == 12 and number.isascii() and number.isdigit()):
            # the shape of a number, said to everyone alike: it tells nothing of who exists
            raise IssuanceError(Code.ID_NUMBER_MALFORMED, "id_number")
        born = _birth_date(typed["birth_date"])
    except IssuanceError as error:
        return render(request, "issuance/public_loss.html", {"step": "identity", "typed": typed,
                                                             "refusal": _refusal(error)}, status=422)  # fmt: skip
    request.session[SESSION_KEY] = actions.request_loss_code(typed["id_number"], born)
    return redirect("card-loss-code")


@require_http_methods(["GET", "POST"])
def report_loss_code(request):
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return redirect("card-loss-public")
    if request.method == "GET":
        return render(request, "issuance/public_loss.html", {"step": "code", "typed": {}})
    try:
        ratelimit.check(request, "card-loss-code", identity=token)
    except ratelimit.RateLimited as refused:
        return _too_many(request, refused)
    try:
        report = actions.confirm_loss_code(token, request.POST.get("code", ""))
    except IssuanceError as error:
        if error.code == Code.CODE_WRONG:
            return render(request, "issuance/public_loss.html", {"step": "code", "typed": {},
                                                                 "refusal": _refusal(error, "code")}, status=422)  # fmt: skip
        del request.session[SESSION_KEY]  # proven, but the card is no longer in use or already reported
        return render(request, "issuance/public_loss.html", {"step": "done", "already": True})
    del request.session[SESSION_KEY]
    return render(request, "issuance/public_loss.html", {"step": "done", "serial": report.card.serial})
