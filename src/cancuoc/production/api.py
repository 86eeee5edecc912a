"""``/api/v1/production``: batches (list, create and run, one batch with its progress, resume), quality
control, dispatch, and the station's receipt of a scanned card. Thin: the same actions as the pages.
Errors answer ``{code, message_vi, message_en}`` (a ProductionError is turned into that shape here)."""

from __future__ import annotations

import functools

from django.db import transaction
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from cancuoc.accounts.permissions import Verb

from . import actions, running, selectors, tasks
from .errors import ProductionError
from .models import ProductionBatch

router = Router(tags=["production"])


class ErrorOut(Schema):
    code: str
    message_vi: str
    message_en: str


class BatchIn(Schema):
    province: str
    priority: str | None = None
    limit: int | None = None


class BatchOut(Schema):
    code: str
    province: str
    priority: int
    state: str
    card_count: int
    personalised_count: int
    passed_count: int
    spoiled_count: int
    dispatched_count: int
    progress: dict
    file_sha256: str
    manifest_sha256: str
    error_en: str


class QcIn(Schema):
    serial: str
    outcome: str  # passed or spoiled
    reason: str = ""


class ParcelOut(Schema):
    code: str
    station: str
    card_count: int


class ScanIn(Schema):
    scan: str


class ReceiptOut(Schema):
    serial: str
    state: str
    parcel: str
    received: int
    expected: int
    already: bool


def _batch_out(batch: ProductionBatch) -> dict:
    return {"code": batch.code, "province": batch.province.code, "priority": batch.priority, "state": batch.state,
            "card_count": batch.card_count, "personalised_count": batch.personalised_count,
            "passed_count": batch.passed_count, "spoiled_count": batch.spoiled_count,
            "dispatched_count": batch.dispatched_count, "progress": running.progress_of(batch),
            "file_sha256": batch.file_sha256, "manifest_sha256": batch.manifest_sha256, "error_en": batch.error_en}  # fmt: skip


def _answers_errors(view):
    """A ProductionError becomes the API's error shape with its status (until cancuoc/api.py maps it)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ProductionError as error:
            return Status(error.http_status, error.as_dict())

    return wrapped


ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.get("/batches", response=list[BatchOut])
def list_batches(request, limit: int = 50):
    if not 1 <= limit <= 200:
        raise HttpError(422, "limit: 1–200")
    return [_batch_out(batch) for batch in selectors.batches(request.user)[:limit]]


@router.post("/batches", response={201: BatchOut, **ERRORS})
@_answers_errors
def create_batch(request, body: BatchIn):
    batch = actions.create_batch(request.user, body.province, priority=body.priority, limit=body.limit)
    user = request.user
    transaction.on_commit(lambda: tasks.start(batch, user))
    return Status(201, _batch_out(batch))


@router.get("/batches/{code}", response={200: BatchOut, **ERRORS})
def get_batch(request, code: str):
    return _batch_out(selectors.batch_for(request.user, code))


@router.post("/batches/{code}/resume", response={202: BatchOut, **ERRORS})
@_answers_errors
def resume_batch(request, code: str):
    batch = selectors.batch_for(request.user, code)
    if not batch.unfinished:
        raise ProductionError(actions.Code.BATCH_NOT_RUNNABLE, batch=batch.code, state=batch.state,
                              state_vi=actions.STATE_WORDS_VI[batch.state])  # fmt: skip
    user = request.user
    transaction.on_commit(lambda: tasks.start(batch, user))
    return Status(202, _batch_out(batch))


@router.post("/batches/{code}/qc", response={200: BatchOut, **ERRORS})
@_answers_errors
def quality_control(request, body: QcIn, code: str):
    batch = selectors.batch_for(request.user, code, Verb.PRODUCTION_QC)
    actions.record_qc(request.user, batch, body.serial, body.outcome, reason=body.reason)
    batch.refresh_from_db()
    return Status(200, _batch_out(batch))


@router.post("/batches/{code}/dispatch", response={200: list[ParcelOut], **ERRORS})
@_answers_errors
def dispatch(request, code: str):
    batch = selectors.batch_for(request.user, code, Verb.PRODUCTION_DISPATCH)
    parcels = actions.dispatch_batch(request.user, batch)
    return Status(200, [{"code": p.code, "station": p.station.code, "card_count": p.card_count} for p in parcels])


@router.post("/receipts", response={200: ReceiptOut, **ERRORS})
@_answers_errors
def receive(request, body: ScanIn):
    receipt = actions.receive_scan(request.user, body.scan)
    return Status(200, {"serial": receipt.card.serial, "state": receipt.card.state, "parcel": receipt.parcel.code,
                 "received": receipt.parcel.received_count, "expected": receipt.parcel.card_count,
                 "already": receipt.already})  # fmt: skip
