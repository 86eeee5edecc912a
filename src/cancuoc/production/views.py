"""Pages of card production (production operators: batches with live progress, one batch, quality control,
dispatch, the production file) and of the receiving station (commune officers: scan each card of a parcel).
Thin: reads through ``selectors``, writes through ``actions``; the permission table's NotFound and
PermissionDenied become the site's 404 and 403 pages (web.middleware)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.cards import events as card_events
from cancuoc.rules.cardstates import is_serial
from cancuoc.units.models import AdministrativeUnit, Level, Structure
from cancuoc.web.language import in_language

from . import actions, events, running, selectors, tasks
from .dispatchlist import dispatch_list_pdf
from .errors import ProductionError
from .models import BatchItem, ProductionBatch

PAGE_SIZE = 50
ITEMS_SHOWN = 300


def _say(request, error: ProductionError, level=messages.ERROR) -> None:
    messages.add_message(request, level, in_language(error.message_vi, error.message_en))


def _page(request) -> int:
    text = request.GET.get("page", "1")
    return int(text) if text.isdigit() and 0 < len(text) < 6 else 1


@login_required
def batch_list(request):
    page = _page(request)
    found = list(selectors.batches(request.user)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    provinces = AdministrativeUnit.objects.filter(structure=Structure.Y2025, level=Level.PROVINCE).order_by("code")
    context = {"batches": [(batch, running.progress_of(batch)) for batch in found[:PAGE_SIZE]],
               "has_next": len(found) > PAGE_SIZE, "page": page, "provinces": provinces,
               "priorities": ProductionBatch.Priority.choices, "default_limit": actions.DEFAULT_BATCH_CARDS,
               "max_limit": actions.MAX_BATCH_CARDS}  # fmt: skip
    return render(request, "production/batches.html", context)


@login_required
@require_POST
def batch_create(request):
    text = request.POST.get("limit", "")
    limit = int(text) if text.isdigit() and len(text) < 7 else (None if not text else -1)
    try:
        batch = actions.create_batch(request.user, request.POST.get("province", ""),
                                     priority=request.POST.get("priority") or None, limit=limit)  # fmt: skip
    except ProductionError as error:
        _say(request, error)
        return redirect("production-batches")
    user = request.user
    transaction.on_commit(lambda: tasks.start(batch, user))
    return redirect("production-batch", batch_id=batch.pk)


@login_required
def batch_detail(request, batch_id: int):
    batch = selectors.batch_for(request.user, batch_id)
    items = list(selectors.items_of(batch)[:ITEMS_SHOWN])
    parcels = list(batch.parcels.select_related("station").order_by("code"))
    states = dict(batch.items.values_list("card__state").annotate(n=Count("pk")).order_by())
    from django.utils import timezone

    stalled = batch.state == ProductionBatch.State.RUNNING and running.runner_gone(batch, timezone.now())
    if items:
        card_events.cards_listed(request.user, unit_path=batch.province.path, what=f"production batch {batch.code}",
                                 count=len(items))  # fmt: skip
    context = {"batch": batch, "progress": running.progress_of(batch), "items": items, "stalled": stalled,
               "more_items": batch.card_count > len(items), "parcels": parcels, "card_states": states,
               "follow_ups": list(batch.follow_ups.all()) if not batch.remakes_id else [],
               "may_qc": _may(request.user, Verb.PRODUCTION_QC),
               "may_dispatch": _may(request.user, Verb.PRODUCTION_DISPATCH)}  # fmt: skip
    return render(request, "production/batch.html", context)


def _may(user, verb: Verb) -> bool:
    from cancuoc.accounts.permissions import has_permission

    return has_permission(user, verb)


@login_required
def batch_progress(request, batch_id: int):
    batch = selectors.batch_for(request.user, batch_id)
    response = render(request, "production/_progress.html", {"batch": batch, "progress": running.progress_of(batch)})
    if request.GET.get("reload") and not batch.state == ProductionBatch.State.RUNNING:
        response["HX-Refresh"] = "true"  # finished or stopped: the whole page shows the result once
    return response


@login_required
@require_POST
def batch_resume(request, batch_id: int):
    batch = selectors.batch_for(request.user, batch_id)
    if not batch.unfinished:
        messages.info(request, in_language("Lô này không còn gì để chạy", "This batch has nothing left to run"))
        return redirect("production-batch", batch_id=batch.pk)
    user = request.user
    transaction.on_commit(lambda: tasks.start(batch, user))
    messages.success(request, in_language("Đã xếp lô vào hàng đợi để chạy tiếp", "The batch is queued to resume"))
    return redirect("production-batch", batch_id=batch.pk)


@login_required
def batch_file(request, batch_id: int):
    """The production file, downloaded by a production operator (audited as an export)."""
    batch = selectors.batch_for(request.user, batch_id)
    path = Path(batch.file_path) if batch.file_path else None
    if path is None or not path.is_file():
        raise Http404
    with transaction.atomic():
        events.production_file_exported(request.user, batch, destination="download")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=path.name, content_type="application/zip")


@login_required
def quality_control(request, batch_id: int):
    batch = selectors.batch_for(request.user, batch_id, Verb.PRODUCTION_QC)
    if request.method == "POST":
        try:
            if request.POST.get("all") == "1":
                count = actions.pass_remaining(request.user, batch)
                messages.success(request, in_language(f"{count} thẻ còn lại đạt", f"{count} remaining cards passed"))
            else:
                outcome = request.POST.get("outcome", "")
                serial = request.POST.get("serial", "")
                actions.record_qc(request.user, batch, serial, outcome, reason=request.POST.get("reason", ""))
        except ProductionError as error:
            _say(request, error)
        except actions.CardError as error:
            messages.error(request, in_language(error.message_vi, error.message_en))
        return redirect("production-qc", batch_id=batch.pk)
    pending = list(selectors.items_of(batch).filter(in_production=True, qc=BatchItem.Qc.PENDING,
                                                    card__state="personalised")[:ITEMS_SHOWN])  # fmt: skip
    checked = list(selectors.items_of(batch).exclude(qc=BatchItem.Qc.PENDING).order_by("-qc_at")[:50])
    if pending or checked:
        card_events.cards_listed(request.user, unit_path=batch.province.path,
                                 what=f"quality control of batch {batch.code}", count=len(pending) + len(checked))  # fmt: skip
    return render(request, "production/qc.html", {"batch": batch, "pending": pending, "checked": checked})


@login_required
def card_face(request, batch_id: int, serial: str, side: str):
    """The printed face of one card of the batch, read from its production file (for quality control)."""
    batch = selectors.batch_for(request.user, batch_id, Verb.PRODUCTION_QC)
    serial = serial.upper()
    if side not in ("front", "back") or not is_serial(serial) or not batch.file_path:
        raise Http404
    item = batch.items.select_related("card__citizen").filter(card__serial=serial).first()
    if item is None:
        raise Http404
    try:
        with zipfile.ZipFile(batch.file_path) as archive:
            data = archive.read(f"cards/{item.position:05d}-{serial}/{side}.png")
    except (OSError, KeyError, zipfile.BadZipFile):
        raise Http404 from None
    card_events.card_viewed(request.user, item.card, where=f"quality control, {side} face")
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def dispatch(request, batch_id: int):
    batch = selectors.batch_for(request.user, batch_id, Verb.PRODUCTION_DISPATCH)
    try:
        parcels = actions.dispatch_batch(request.user, batch)
    except ProductionError as error:
        _say(request, error)
    else:
        count = sum(parcel.card_count for parcel in parcels)
        messages.success(request, in_language(f"Đã đóng {len(parcels)} kiện, {count} thẻ đã gửi đi",
                                              f"{len(parcels)} parcels packed, {count} cards dispatched"))  # fmt: skip
    return redirect("production-batch", batch_id=batch.pk)


@login_required
def parcel_list_pdf(request, parcel_id: int):
    """A parcel's dispatch list: for the production centre, or for officers of the receiving station."""
    from cancuoc.accounts.permissions import has_permission

    verb = Verb.PRODUCTION_DISPATCH if has_permission(request.user, Verb.PRODUCTION_DISPATCH) else Verb.CARD_RECEIVE
    parcel = selectors.parcel_for(request.user, parcel_id, verb)
    listed = selectors.dispatch_list_of(parcel)
    card_events.cards_listed(request.user, unit_path=parcel.unit_path, what=f"dispatch list {parcel.code}",
                             count=len(listed.cards))  # fmt: skip
    response = HttpResponse(dispatch_list_pdf(listed), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{parcel.code}.pdf"'
    return response


@login_required
def receive(request):
    """The receiving station scans each card of a parcel (QR or MRZ reader, or a typed serial)."""
    require_permission(request.user, Verb.CARD_RECEIVE)
    result = None
    if request.method == "POST":
        try:
            receipt = actions.receive_scan(request.user, request.POST.get("scan", ""))
        except ProductionError as error:
            result = {"ok": False, "code": str(error.code), "status": error.http_status,
                      "message_vi": error.message_vi, "message_en": error.message_en}
        else:
            card = receipt.card
            if receipt.already:
                vi, en = f"Thẻ {card.serial} đã được nhận trước đó", f"card {card.serial} was already received"
            else:
                vi, en = f"Đã nhận thẻ {card.serial}", f"card {card.serial} received"
            result = {"ok": True, "status": 200, "already": receipt.already, "message_vi": vi, "message_en": en, "card": card,
                      "parcel": receipt.parcel}  # fmt: skip
    parcels = list(selectors.parcels_for_station(request.user).order_by("state", "-packed_at")[:PAGE_SIZE])
    context = {"result": result, "parcels": parcels}
    if request.htmx:  # htmx swaps only successful answers: the outcome is in the fragment
        return render(request, "production/_receipt.html", context)
    return render(request, "production/receive.html", context, status=result["status"] if result else 200)
