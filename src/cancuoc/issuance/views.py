"""Officer pages of issuance: hand-over at the station (find the card, check the holder, hand it over or
post it), the card list and the card page (history, loss, delivery, contact), cards not collected,
renewals due (with CSV/XLSX export), the replacement list after a rearrangement, re-issue requests and
the messages that need a call. Thin: reads through ``selectors`` and ``cards.access``, writes through
``actions``; NotFound and PermissionDenied become the site's 404 and 403 pages (web middleware)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cancuoc.accounts.permissions import (
    NotFound,
    Verb,
    area_path,
    has_permission,
    in_area,
    require_permission,
)
from cancuoc.cards import events as card_events
from cancuoc.cards.access import access_card
from cancuoc.cards.errors import CardError
from cancuoc.cards.models import Card
from cancuoc.forms.data import FINGER_NAMES
from cancuoc.units.models import AdministrativeUnit
from cancuoc.web.language import problem_text

from . import actions, selectors
from .access import access_station_card
from .errors import HTTP_STATUS, IssuanceError
from .models import Channel, CitizenContact, Handover, LossReport, PostalDelivery

PAGE_SIZE = 50
LIST_LIMIT = 500
Method = Handover.Method


def _page(request) -> int:
    text = str(request.GET.get("page", "1"))[:6]
    return max(1, int(text)) if text.isascii() and text.isdigit() else 1


def _masked(phone: str) -> str:
    return "•" * max(len(phone) - 3, 0) + phone[-3:]


CARD_STATUS = {"card_not_found": 404, "transition_refused": 409, "card_in_use_changed": 409}


def _status(error) -> int:
    if isinstance(error, CardError):
        return CARD_STATUS.get(str(error.code), 422)
    return HTTP_STATUS.get(error.code, 422)


def _field(error) -> str:
    return "reason" if str(error.code) in ("reason_required", "reason_invalid") else getattr(error, "field", "")


# -- hand-over ------------------------------------------------------------------------------------------------
@login_required
@require_GET
def handover(request):
    """Find the card: application code, ID number or serial (a scanner types into the box)."""
    require_permission(request.user, Verb.CARD_HANDOVER)
    query = str(request.GET.get("q", ""))[:40]
    cards = selectors.find_for_handover(request.user, query) if query.strip() else []
    if query.strip():
        card_events.cards_listed(request.user, unit_path=area_path(request.user, Verb.CARD_HANDOVER) or "",
                                 what="hand-over search", count=len(cards))  # fmt: skip
    if len(cards) == 1 and request.GET.get("go") == "1":
        return redirect("card-handover-card", serial=cards[0].serial)
    return render(request, "issuance/handover.html", {"query": query, "cards": cards})


def _handover_context(request, card: Card, **extra) -> dict:
    capture = card.application.capture if card.application_id and card.application.capture_id else None
    contact = CitizenContact.objects.filter(citizen=card.citizen).first()
    return {
        "card": card, "has_portrait": capture is not None and capture.portrait is not None,
        "has_fingerprints": capture is not None and capture.fingerprints is not None,
        "has_face": capture is not None and capture.face_template is not None,
        "contact": contact, "contact_phone": _masked(contact.phone) if contact else "",
        "channels": Channel.choices, "fingers": [(p, FINGER_NAMES[p]) for p in range(1, 11)],
        "parcel": PostalDelivery.objects.filter(card=card, state="posted").first(), "typed": {}, **extra,
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def handover_card(request, serial: str):
    """Check the holder and hand the card over. A biometric check runs before any transaction; a failed
    match hands nothing over (the officer may then check by looking, with a reason)."""
    card = access_station_card(request.user, serial)
    if request.method == "GET":
        card_events.card_viewed(request.user, card, where="hand-over page")
        return render(request, "issuance/handover_card.html", _handover_context(request, card))
    post = request.POST
    typed = {"method": str(post.get("method", ""))[:20], "reason": str(post.get("reason", ""))[:400],
             "finger_position": str(post.get("finger_position", ""))[:4],
             "phone": str(post.get("phone", ""))[:30], "channel": str(post.get("channel", ""))[:10]}  # fmt: skip
    try:
        phone = typed["phone"].strip()
        if phone:  # checked now, kept only once the card is handed over (a refused hand-over changes nothing)
            actions.normalise_phone(phone)
            actions.clean_channel(typed["channel"] or "sms")
        method = typed["method"]
        if method in (Method.FINGERPRINT, Method.FACE):
            upload = request.FILES.get("image")
            if upload is not None and upload.size > actions.MAX_IMAGE_BYTES:
                raise IssuanceError(actions.Code.IMAGE_TOO_LARGE, "image", limit=actions.MAX_IMAGE_BYTES)
            check = actions.verify_holder(request.user, card, method=method, finger_position=typed["finger_position"],
                                          image=upload.read() if upload is not None else None)  # fmt: skip
        elif method == Method.LOOKING:
            check = actions.Check(Method.LOOKING)
        else:
            raise IssuanceError(actions.Code.METHOD_UNKNOWN, "method")
        actions.hand_over(request.user, card, check, reason=typed["reason"])
        if phone:
            actions.set_contact(request.user, card.citizen, phone=phone, channel=typed["channel"] or "sms",
                                where="hand-over page")  # fmt: skip
    except (IssuanceError, CardError) as error:
        context = _handover_context(request, card, error=problem_text(error), field=_field(error),
                                    typed=typed, no_match=str(error.code) == "no_match")  # fmt: skip
        return render(request, "issuance/handover_card.html", context, status=_status(error))
    messages.success(request, _("Card %(serial)s handed over.") % {"serial": card.serial})
    return redirect("card-detail", serial=card.serial)


@login_required
@require_GET
def handover_portrait(request, serial: str):
    """The enrolled portrait, for the officer checking the holder by looking."""
    card = access_station_card(request.user, serial)
    from cancuoc.biometrics.actions import chip_portrait

    capture = card.application.capture if card.application_id and card.application.capture_id else None
    if capture is None or capture.portrait is None:
        raise Http404
    card_events.card_viewed(request.user, card, where="enrolled portrait")
    return HttpResponse(chip_portrait(capture), content_type="image/jpeg")


@login_required
@require_POST
def post_card(request, serial: str):
    card = access_station_card(request.user, serial)
    try:
        parcel = actions.post_card(request.user, card, address=request.POST.get("address", ""),
                                   tracking_number=request.POST.get("tracking_number", ""))  # fmt: skip
    except (IssuanceError, CardError) as error:
        typed = {"address": str(request.POST.get("address", ""))[:300],
                 "tracking_number": str(request.POST.get("tracking_number", ""))[:40]}  # fmt: skip
        context = _handover_context(request, card, post_error=problem_text(error), typed=typed)
        return render(request, "issuance/handover_card.html", context, status=_status(error))
    messages.success(request, _("Card %(serial)s posted (tracking %(tracking)s).")
                     % {"serial": card.serial, "tracking": parcel.tracking_number})  # fmt: skip
    return redirect("card-detail", serial=card.serial)


def _card_action(request, serial: str, verb: Verb | None, run, done: str):
    """``verb`` None: a station's act (hand-over, post, contact at the counter)."""
    card = access_station_card(request.user, serial) if verb is None else access_card(request.user, serial, verb)
    try:
        run(card)
    except (IssuanceError, CardError) as error:
        messages.error(request, problem_text(error))
    else:
        messages.success(request, done)
    return redirect("card-detail", serial=card.serial)


@login_required
@require_POST
def post_delivered(request, serial: str):
    return _card_action(request, serial, None, lambda card: actions.confirm_delivery(
        request.user, card, confirmation=request.POST.get("confirmation", "")), _("Delivery confirmed: the card is handed over."))  # fmt: skip


@login_required
@require_POST
def post_returned(request, serial: str):
    return _card_action(request, serial, None, lambda card: actions.return_card(
        request.user, card, reason=request.POST.get("reason", "")), _("The card is back at the station."))  # fmt: skip


@login_required
@require_POST
def contact(request, serial: str):
    return _card_action(request, serial, Verb.CARD_HANDOVER, lambda card: actions.set_contact(
        request.user, card.citizen, phone=request.POST.get("phone", ""), channel=request.POST.get("channel", "sms"),
        where="card page"), _("Contact saved."))  # fmt: skip


@login_required
@require_POST
def loss_report(request, serial: str):
    return _card_action(request, serial, Verb.CARD_SUSPEND, lambda card: actions.report_loss(
        request.user, card, reason=request.POST.get("reason", "")), _("Loss recorded: the card is suspended."))  # fmt: skip


@login_required
@require_POST
def loss_confirm(request, serial: str):
    return _card_action(request, serial, Verb.CARD_REVOKE, lambda card: actions.confirm_loss(
        request.user, card, reason=request.POST.get("reason", "")),
        _("Loss confirmed: the card is invalid and a re-issue is waiting for the citizen."))  # fmt: skip


@login_required
@require_POST
def loss_withdraw(request, serial: str):
    return _card_action(request, serial, Verb.CARD_SUSPEND, lambda card: actions.withdraw_loss(
        request.user, card, reason=request.POST.get("reason", "")), _("Card found: it is active again."))  # fmt: skip


# -- cards ----------------------------------------------------------------------------------------------------
@login_required
@require_GET
def card_list(request):
    require_permission(request.user, Verb.CARD_READ)
    cards = selectors.cards_in_area(request.user).select_related("citizen")
    state = str(request.GET.get("state", ""))[:12]
    if state in Card.State.values:
        cards = cards.filter(state=state)
    else:
        state = ""
    query = "".join(str(request.GET.get("q", "")).split()).upper()[:20]
    if query:
        cards = cards.filter(citizen__id_number=query) if query.isdigit() else cards.filter(serial=query)
    page = _page(request)
    rows = list(cards.order_by("-state_changed_at", "-pk")[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    card_events.cards_listed(request.user, unit_path=area_path(request.user, Verb.CARD_READ) or "",
                             what="card list", count=len(rows[:PAGE_SIZE]))  # fmt: skip
    return render(request, "issuance/list.html", {"cards": rows[:PAGE_SIZE], "has_next": len(rows) > PAGE_SIZE,
                                                  "page": page, "state": state, "query": query,
                                                  "states": Card.State.choices})  # fmt: skip


@login_required
@require_GET
def card_detail(request, serial: str):
    card = access_card(request.user, serial, Verb.CARD_READ)
    card_events.card_viewed(request.user, card, where="card page")
    user = request.user
    open_loss = LossReport.objects.filter(card=card, state=LossReport.State.OPEN).first()
    contact = CitizenContact.objects.filter(citizen=card.citizen).first()
    words = dict(Card.State.choices)
    may = {verb: has_permission(user, verb) for verb in (Verb.CARD_HANDOVER, Verb.CARD_SUSPEND, Verb.CARD_REVOKE)}
    return render(request, "issuance/detail.html", {
        "card": card, "history": [(event, words.get(event.source, "—"), words.get(event.target, event.target))
                                  for event in card.events.select_related("actor")],
        "handover": Handover.objects.filter(card=card).select_related("officer").first(),
        "parcels": PostalDelivery.objects.filter(card=card), "open_parcel": PostalDelivery.objects.filter(card=card, state="posted").first(),
        "losses": LossReport.objects.filter(card=card), "open_loss": open_loss,
        "contact_phone": _masked(contact.phone) if contact else "", "contact": contact, "channels": Channel.choices,
        "may_hand_over": card.state == "received" and in_area(user, Verb.CARD_HANDOVER, card.unit_path),
        "at_our_station": in_area(user, Verb.CARD_HANDOVER, card.unit_path),
        "may_contact": may[Verb.CARD_HANDOVER],
        "may_report_loss": may[Verb.CARD_SUSPEND] and card.state == "active" and open_loss is None,
        "may_withdraw": may[Verb.CARD_SUSPEND] and open_loss is not None,
        "may_confirm": may[Verb.CARD_REVOKE] and open_loss is not None,
    })  # fmt: skip


# -- lists ----------------------------------------------------------------------------------------------------
@login_required
@require_GET
def uncollected(request):
    now = timezone.now()
    cards = list(selectors.uncollected(request.user, now=now)[:LIST_LIMIT])
    parcels = list(selectors.in_the_post(request.user)[:LIST_LIMIT])
    card_events.cards_listed(request.user, unit_path=area_path(request.user, Verb.CARD_HANDOVER) or "",
                             what="cards not collected", count=len(cards) + len(parcels))  # fmt: skip
    return render(request, "issuance/uncollected.html", {"cards": cards, "parcels": parcels, "now": now,
                                                         "days": selectors.uncollected_days()})  # fmt: skip


def _renewal_choices(request):
    text = str(request.GET.get("months", "3"))[:3]
    months = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= months <= 24:
        raise IssuanceError(actions.Code.MONTHS_INVALID, "months")
    unit = None
    unit_text = str(request.GET.get("unit", ""))[:12]
    if unit_text:
        path = area_path(request.user, Verb.CARD_READ)
        unit = AdministrativeUnit.objects.filter(pk=int(unit_text)).first() if unit_text.isdigit() else None
        if unit is None or (path is not None and not unit.path.startswith(path)):
            raise NotFound()
    return months, unit


def _area_units(user):
    path = area_path(user, Verb.CARD_READ)
    units = AdministrativeUnit.objects.filter(valid_to__isnull=True, level__gte=1)
    if path is not None:
        units = units.filter(path__startswith=path)
    return list(units.order_by("path")[:200])


@login_required
@require_GET
def renewals(request):
    require_permission(request.user, Verb.CARD_READ)
    today = timezone.localdate()
    try:
        months, unit = _renewal_choices(request)
    except IssuanceError as error:
        return render(request, "issuance/renewals.html", {"error": problem_text(error), "months": 3, "rows": [],
                                                          "expired": [], "units": _area_units(request.user)},
                      status=422)  # fmt: skip
    rows = selectors.renewals_due(request.user, today=today, months=months, unit=unit, limit=LIST_LIMIT)
    expired = list(selectors.expired_cards(request.user, today=today, unit=unit)[:LIST_LIMIT])
    file_format = str(request.GET.get("format", ""))[:5]
    where = unit.path if unit is not None else area_path(request.user, Verb.CARD_READ) or ""
    if file_format in ("csv", "xlsx"):
        from . import exporting

        rows = selectors.renewals_due(request.user, today=today, months=months, unit=unit)
        expired = list(selectors.expired_cards(request.user, today=today, unit=unit))
        card_events.cards_listed(request.user, unit_path=where, what=f"renewals due export {file_format}",
                                 count=len(rows) + len(expired))  # fmt: skip
        return exporting.renewals_response(rows, expired, file_format=file_format, today=today)
    card_events.cards_listed(request.user, unit_path=where, what="renewals due", count=len(rows) + len(expired))
    return render(request, "issuance/renewals.html", {
        "rows": rows, "expired": expired, "months": months, "unit": unit, "today": today,
        "until": selectors.add_months(today, months), "units": _area_units(request.user), "limit": LIST_LIMIT,
    })  # fmt: skip


@login_required
@require_GET
def replacements(request):
    require_permission(request.user, Verb.CARD_READ)
    rows = selectors.replacements_due(request.user, today=timezone.localdate(), limit=LIST_LIMIT)
    card_events.cards_listed(request.user, unit_path=area_path(request.user, Verb.CARD_READ) or "",
                             what="replacements after a rearrangement", count=len(rows))  # fmt: skip
    return render(request, "issuance/replacements.html", {"rows": rows, "limit": LIST_LIMIT})


@login_required
@require_GET
def reissues(request):
    require_permission(request.user, Verb.CARD_READ)
    rows = list(selectors.reissue_requests(request.user)[:LIST_LIMIT])
    card_events.cards_listed(request.user, unit_path=area_path(request.user, Verb.CARD_READ) or "",
                             what="re-issue requests", count=len(rows))  # fmt: skip
    return render(request, "issuance/reissues.html", {"rows": rows})


@login_required
@require_GET
def follow_up_messages(request):
    require_permission(request.user, Verb.CARD_READ)
    rows = list(selectors.messages_to_follow_up(request.user)[:LIST_LIMIT])
    card_events.cards_listed(request.user, unit_path=area_path(request.user, Verb.CARD_READ) or "",
                             what="messages to follow up", count=len(rows))  # fmt: skip
    return render(request, "issuance/messages.html", {"rows": rows, "card_list": reverse("card-list")})
