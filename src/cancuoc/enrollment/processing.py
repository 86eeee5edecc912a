"""The processing pipeline: completeness → demographic check → biometric check (the ABIS contract) →
approval, with adjudication when either check finds candidates. A worker runs ``process_application``
for each new or retried application (``cancuoc enrollment process`` runs whatever is pending until
nothing is left). Each stage runs in its own transaction with the application locked, so a crash leaves
the application at the stage it was in, never half-moved; a stage that fails through an outside system
(the ABIS) is retried and never loses the application."""

from __future__ import annotations

import logging

from django.db import transaction

from cancuoc.biometrics import actions as biometrics
from cancuoc.biometrics import requests as abis_requests
from cancuoc.biometrics.models import AbisRequest
from cancuoc.registry.models import QualityFlag
from cancuoc.rules.applications import AUTOMATIC

from .actions import block, move
from .errors import BlockingReason
from .models import Application, DuplicateCandidate

logger = logging.getLogger(__name__)
Stage = Application.Stage
MAX_STEPS = 8


def process_application(pk: int) -> Application:
    """Run the automatic stages of one application until it waits (for a person, the ABIS, a correction)
    or ends."""
    application = Application.objects.get(pk=pk)
    for _ in range(MAX_STEPS):
        before = (application.stage, application.blocking_code)
        try:
            _prepare(pk)  # the slow work (measuring images, the ABIS), outside any transaction or lock
            with transaction.atomic():
                # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins
                application = (Application.objects.select_for_update(of=("self",))
                               .select_related("citizen", "capture", "abis_request").get(pk=pk))  # fmt: skip
                _step(application)
        except Exception:
            logger.exception("application %s: stage %s failed; it will be retried", pk, application.stage)
            with transaction.atomic():
                application = Application.objects.select_for_update().get(pk=pk)
                application.attempts += 1
                application.save(update_fields=["attempts", "updated_at"])
                block(application, BlockingReason.ENGINE_RETRY, application.stage)
            return application
        if (application.stage, application.blocking_code) == before or application.stage not in _ACTIVE:
            break
    return application


_ACTIVE = set(AUTOMATIC) | {Stage.ADJUDICATION}


def _step(application: Application) -> None:
    handler = _HANDLERS.get(application.stage)
    if handler is not None:
        handler(application)


def _completeness(application: Application) -> None:
    from cancuoc.registry.actions.changes import pending_for

    if pending_for(application.citizen_id):
        block(application, BlockingReason.CHANGE_REQUEST_PENDING)
        return
    capture = application.capture
    if capture.measured_at is None:
        return  # measured by _prepare first; a capture still unmeasured waits for the next run
    for kind, detail in capture.problems:
        code = BlockingReason.PORTRAIT_FAILED if kind == "portrait" else BlockingReason.FINGERPRINTS_FAILED
        move(application, Stage.REJECTED, code=code, detail=detail)
        return
    move(application, Stage.DEMOGRAPHIC_CHECK)


def _demographic(application: Application) -> None:
    from .demographic import candidates_for

    found = candidates_for(application.citizen)
    if not found:
        move(application, Stage.BIOMETRIC_CHECK)
        return
    DuplicateCandidate.objects.bulk_create([
        DuplicateCandidate(application=application, kind=DuplicateCandidate.Kind.DEMOGRAPHIC, citizen_id=citizen_id,
                           score=score, reasons=list(reasons))
        for citizen_id, score, reasons in found
    ])  # fmt: skip
    move(application, Stage.ADJUDICATION, code=BlockingReason.DEMOGRAPHIC_CANDIDATES, detail=str(len(found)))


def _biometric(application: Application) -> None:
    capture = application.capture
    if capture.fingerprints is None:  # under 6, or every finger an exception: nothing to search with
        move(application, Stage.APPROVAL, code=BlockingReason.AWAITING_APPROVAL)
        return
    request = AbisRequest.objects.filter(request_id=f"{application.code}-identify").first()
    if request is None or request.status in (AbisRequest.Status.QUEUED, AbisRequest.Status.RUNNING):
        block(application, BlockingReason.BIOMETRIC_PENDING)
        return
    if request.status == AbisRequest.Status.FAILED:
        raise RuntimeError(f"ABIS request {request.request_id} failed: {request.error_code}")
    if application.abis_request_id != request.pk:
        application.abis_request = request
        application.save(update_fields=["abis_request", "updated_at"])
    found, others = _foreign_matches(application, request)
    if found:
        DuplicateCandidate.objects.bulk_create([
            DuplicateCandidate(application=application, kind=DuplicateCandidate.Kind.BIOMETRIC,
                               other_application=others[c["reference"]], citizen_id=others[c["reference"]].citizen_id,
                               score=c["score"], reasons=["fingerprints"])
            for c in found
        ])  # fmt: skip
        move(application, Stage.ADJUDICATION, code=BlockingReason.BIOMETRIC_CANDIDATES, detail=str(len(found)))
        return
    _wait_for_approval_once_enrolled(application)


def _foreign_matches(application: Application, request: AbisRequest):
    """The matching references that are applications of other citizens (the same citizen enrolled before,
    for a renewal, is no duplicate)."""
    matches = [c for c in request.result.get("candidates", []) if c["match"]]
    others = {a.code: a for a in Application.objects.filter(code__in=[c["reference"] for c in matches])
              .exclude(citizen_id=application.citizen_id)}  # fmt: skip
    return [c for c in matches if c["reference"] in others], others


def _wait_for_approval_once_enrolled(application: Application) -> None:
    insert = AbisRequest.objects.filter(request_id=f"{application.code}-insert").first()
    if insert is None or insert.status in (AbisRequest.Status.QUEUED, AbisRequest.Status.RUNNING):
        block(application, BlockingReason.BIOMETRIC_PENDING)
        return
    if insert.status != AbisRequest.Status.DONE:
        raise RuntimeError(f"ABIS insert {insert.request_id}: {insert.error_code}")
    move(application, Stage.APPROVAL, code=BlockingReason.AWAITING_APPROVAL)


def _prepare(pk: int) -> None:
    """What a stage needs from outside the database, done before the stage's transaction: measuring the
    submitted images (seconds of CPU), the ABIS search and the insert into its gallery (requests of their
    own, idempotent by request id, each committed on its own)."""
    from cancuoc.registry.actions.changes import pending_for

    application = Application.objects.select_related("capture", "citizen").get(pk=pk)
    capture = application.capture
    if application.stage == Stage.COMPLETENESS and capture.measured_at is None and not pending_for(application.citizen_id):
        biometrics.measure_submission(capture)
    elif application.stage == Stage.BIOMETRIC_CHECK and capture.fingerprints is not None:
        identify = _run(application, "identify")
        if identify.status == AbisRequest.Status.DONE and not _foreign_matches(application, identify)[0]:
            _run(application, "insert")
    elif application.stage == Stage.ADJUDICATION and capture.fingerprints is not None:
        decisions = list(application.duplicates.values_list("kind", "decision"))
        if decisions and all(d != DuplicateCandidate.Decision.PENDING for _, d in decisions) \
                and not any(d == DuplicateCandidate.Decision.DUPLICATE for _, d in decisions) \
                and any(k == DuplicateCandidate.Kind.BIOMETRIC for k, _ in decisions):  # fmt: skip
            _run(application, "insert")


def _run(application: Application, operation: str) -> AbisRequest:
    record = biometrics.fingerprint_record(application.capture)
    if operation == "identify":
        request = abis_requests.submit(None, request_id=f"{application.code}-identify", operation="identify",
                                       record=record, enqueue=False)  # fmt: skip
    else:
        request = abis_requests.submit(None, request_id=f"{application.code}-insert", operation="insert",
                                       reference=application.code, record=record, enqueue=False)  # fmt: skip
    if request.status == AbisRequest.Status.QUEUED:
        request = abis_requests.process(request.pk)  # in this worker; a vendor ABIS may answer later
    return request


def _adjudication(application: Application) -> None:
    candidates = list(application.duplicates.all())
    if any(c.decision == DuplicateCandidate.Decision.PENDING for c in candidates):
        return
    same = [c for c in candidates if c.decision == DuplicateCandidate.Decision.DUPLICATE]
    if same:
        other = same[0].citizen.id_number if same[0].citizen_id else (same[0].other_application.code
                                                                      if same[0].other_application_id else "")  # fmt: skip
        QualityFlag.objects.update_or_create(
            citizen_id=application.citizen_id, code=QualityFlag.Code.SUSPECTED_DUPLICATE,
            defaults={"detail": f"confirmed at enrollment {application.code}: {other}"[:300]},
        )  # fmt: skip
        move(application, Stage.REJECTED, actor=same[0].decided_by, code=BlockingReason.CONFIRMED_DUPLICATE,
             detail=other)  # fmt: skip
        return
    if any(c.kind == DuplicateCandidate.Kind.BIOMETRIC for c in candidates):
        _wait_for_approval_once_enrolled(application)
    else:
        move(application, Stage.BIOMETRIC_CHECK, actor=candidates[-1].decided_by, code="duplicates_cleared")


_HANDLERS = {
    Stage.COMPLETENESS: _completeness,
    Stage.DEMOGRAPHIC_CHECK: _demographic,
    Stage.BIOMETRIC_CHECK: _biometric,
    Stage.ADJUDICATION: _adjudication,
}


def pending_ids() -> list[int]:
    """Applications a worker has something to do for: in an automatic stage (waiting or to retry), or in
    adjudication with every candidate decided."""
    automatic = Application.objects.filter(stage__in=list(AUTOMATIC)).values_list("pk", flat=True)
    decided = (Application.objects.filter(stage=Stage.ADJUDICATION)
               .exclude(duplicates__decision=DuplicateCandidate.Decision.PENDING).values_list("pk", flat=True))  # fmt: skip
    return sorted(set(automatic) | set(decided))


def process_pending(progress=None) -> dict[str, int]:
    """Run every pending application until nothing more moves; returns counts per resulting stage."""
    counts: dict[str, int] = {}
    seen_state: dict[int, tuple] = {}
    for _pass in range(20):  # every pass moves something; the bound only guards against a cycle
        ids = [pk for pk in pending_ids() if seen_state.get(pk) != _state(pk)]
        if not ids:
            break
        for done, pk in enumerate(ids, 1):
            application = process_application(pk)
            seen_state[pk] = _state(pk)
            counts[application.stage] = counts.get(application.stage, 0) + 1
            if progress:
                progress(done, len(ids))
    return counts


def _state(pk: int) -> tuple:
    row = Application.objects.filter(pk=pk).values_list("stage", "blocking_code").first()
    return tuple(row) if row else ()
