"""The ABIS request queue: ``submit`` records a request (audited) and hands it to a worker; ``process``
carries it out against the backend and stores the result (audited). Idempotent by request id: the same
request sent twice is one request with one result; the same id with other content is refused.
A request that fails through the engine stays retriable (``retry``); a request whose content is wrong
(an unknown reference) ends failed with its error code."""

from __future__ import annotations

import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.protection import crypto

from . import events
from .abis import IDENTIFIER, MAX_GALLERY, backend, check_reference
from .errors import BiometricsError
from .errors import BiometricsErrorCode as Code
from .models import AbisRequest

logger = logging.getLogger(__name__)
Operation, Status = AbisRequest.Operation, AbisRequest.Status


def _context(request_id: str) -> str:
    return f"abis_request:{request_id}"


def _digest(
    operation: str, reference: str, record: bytes | None, gallery: list[str], max_results: int
) -> str:
    body = json.dumps([operation, reference, gallery, max_results], separators=(",", ":")).encode()
    return hashlib.sha256(body + b"\0" + (record or b"")).hexdigest()


def submit(actor, *, request_id: str, operation: str, reference: str = "", record: bytes | None = None,
           gallery: list[str] | tuple = (), max_results: int = 10, enqueue: bool = True) -> AbisRequest:  # fmt: skip
    """Queue one request. ``record`` (ISO/IEC 19794-2) is what an insert enrols or an identify searches with;
    an identify without a record searches with the enrolled templates of ``reference``, leaving it out."""
    if actor is not None:
        require_permission(actor, Verb.ABIS_MANAGE if operation != Operation.IDENTIFY else Verb.ABIS_SEARCH)
    if not isinstance(request_id, str) or not IDENTIFIER.fullmatch(request_id):
        raise BiometricsError(Code.REQUEST_ID_INVALID)
    operation = Operation(operation)
    if reference or operation != Operation.IDENTIFY:
        check_reference(reference)
    gallery = sorted({check_reference(item) for item in gallery})
    if len(gallery) > MAX_GALLERY:
        raise BiometricsError(Code.GALLERY_TOO_LARGE, limit=MAX_GALLERY)
    if operation == Operation.INSERT and not record:
        raise BiometricsError(Code.NO_FINGERS)
    if operation == Operation.IDENTIFY and not record and not reference:
        raise BiometricsError(Code.NO_FINGERS)
    max_results = max(1, min(int(max_results), 100))
    digest = _digest(operation, reference, record, gallery, max_results)
    try:
        with transaction.atomic():
            request = AbisRequest.objects.create(
                request_id=request_id, operation=operation, reference=reference, gallery=gallery,
                max_results=max_results, digest=digest, requested_by=actor,
                templates=crypto.seal_bytes(record, _context(request_id)) if record else None,
            )  # fmt: skip
            events.abis_request_submitted(actor, request)
            if enqueue:
                transaction.on_commit(lambda: _enqueue(request.pk))
    except IntegrityError:
        request = AbisRequest.objects.filter(request_id=request_id).first()
        if request is None:
            raise
        if request.digest != digest:
            raise BiometricsError(Code.REQUEST_ID_REUSED, request_id=request_id) from None
    return request


def _enqueue(pk: int) -> None:
    from .tasks import run_abis_request

    run_abis_request.enqueue(pk)


def process(pk: int) -> AbisRequest:
    """Carry out a queued request once; a request already done, or running in another worker, is returned as
    it is. The request is claimed in one short transaction, the engine works outside any transaction (a
    search takes a good part of a second: no lock is held meanwhile), and the result is stored in another.
    A worker that dies while running leaves the request ``running``: ``requeue_stale`` hands it out again."""
    engine = backend()
    claimed = AbisRequest.objects.filter(pk=pk, status=Status.QUEUED).update(
        status=Status.RUNNING, attempts=F("attempts") + 1, claimed_at=timezone.now())  # fmt: skip
    request = AbisRequest.objects.get(pk=pk)
    if not claimed:
        return request
    try:
        result = _perform(engine, request)
    except BiometricsError as error:
        _forget(engine)
        return _fail(pk, str(error.code), final=True)
    except Exception:
        _forget(engine)
        logger.exception("ABIS request %s failed in the engine", pk)
        return _fail(pk, str(Code.ENGINE_FAILED), final=False)
    with transaction.atomic():
        request = AbisRequest.objects.select_for_update().get(pk=pk)
        request.result, request.status, request.completed_at, request.error_code = result, Status.DONE, timezone.now(), ""
        request.save(update_fields=["result", "status", "completed_at", "error_code"])
        events.abis_request_completed(request)
    return request


def requeue_stale(older_than_seconds: int = 600) -> int:
    """Requests left ``running`` by a worker that died: back to the queue (operations are idempotent)."""
    from datetime import timedelta

    limit = timezone.now() - timedelta(seconds=older_than_seconds)
    return AbisRequest.objects.filter(status=Status.RUNNING, claimed_at__lt=limit).update(status=Status.QUEUED)


def _forget(engine) -> None:
    forget = getattr(engine, "forget", None)
    if forget:
        forget()


def _fail(pk: int, code: str, *, final: bool) -> AbisRequest:
    with transaction.atomic():
        request = AbisRequest.objects.select_for_update().get(pk=pk)
        request.error_code = code
        request.status = Status.FAILED if final else Status.QUEUED
        request.completed_at = timezone.now() if final else None
        request.save(update_fields=["attempts", "error_code", "status", "completed_at"])
        events.abis_request_failed(request)
    return request


def _perform(engine, request: AbisRequest) -> dict:
    record = crypto.open_bytes(request.templates, _context(request.request_id)) if request.templates else None
    if request.operation == Operation.INSERT:
        engine.insert(request.reference, record)
        return {"inserted": request.reference, "gallery_size": engine.count()}
    if request.operation == Operation.DELETE:
        return {"deleted": engine.delete(request.reference)}
    exclude = None
    if record is None:
        record = engine.record_of(request.reference)
        if record is None:
            raise BiometricsError(Code.REFERENCE_UNKNOWN, reference=request.reference)
        exclude = request.reference
    candidates = engine.identify(
        record, exclude=exclude, gallery=request.gallery, max_results=request.max_results
    )
    return {"candidates": [candidate.as_dict() for candidate in candidates]}


def retry(pk: int) -> AbisRequest:
    """Run a queued (engine-failed) request again."""
    return process(pk)


def pending() -> int:
    return AbisRequest.objects.filter(status__in=(Status.QUEUED, Status.RUNNING)).count()
