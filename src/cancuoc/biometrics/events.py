"""Typed audit events of biometrics. No biometric value ever goes into an entry: only what was done,
to which record, with which outcome (check names, finger positions, scores, candidate references)."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record


def capture_started(actor, capture, *, reason: str) -> None:
    record(actor, AuditEvent(Action.CREATE, "citizen", capture.citizen.id_number, capture.unit_path, reason,
                             {"capture": capture.pk}, event=Event.BIOMETRIC_CAPTURE_STARTED))  # fmt: skip


def portrait_captured(actor, capture, *, failed: list[str], overrides: dict[str, str]) -> None:
    record(actor, AuditEvent(Action.UPDATE, "citizen", capture.citizen.id_number, capture.unit_path,
                             "; ".join(f"{check}: {why}" for check, why in overrides.items()) or "portrait",
                             {"capture": capture.pk, "failed_checks": failed, "overridden": sorted(overrides)},
                             event=Event.PORTRAIT_CAPTURED))  # fmt: skip


def fingerprints_captured(actor, capture, *, quality: dict, exceptions: dict, waived: str = "") -> None:
    record(actor, AuditEvent(Action.UPDATE, "citizen", capture.citizen.id_number, capture.unit_path,
                             waived or "fingerprints",
                             {"capture": capture.pk, "quality": quality, "exceptions": exceptions},
                             event=Event.FINGERPRINTS_CAPTURED))  # fmt: skip


def holder_verified(actor, capture, *, method: str, score: float, match: bool, reason: str) -> None:
    record(actor, AuditEvent(Action.READ, "citizen", capture.citizen.id_number, capture.unit_path, reason,
                             {"capture": capture.pk, "method": method, "score": round(score, 4), "match": match},
                             event=Event.HOLDER_VERIFIED))  # fmt: skip


def biometrics_deleted(actor, capture, *, reason: str) -> None:
    record(actor, AuditEvent(Action.DELETE, "citizen", capture.citizen.id_number, capture.unit_path, reason,
                             {"capture": capture.pk}, event=Event.BIOMETRICS_DELETED))  # fmt: skip


def abis_request_submitted(actor, request) -> None:
    record(actor, AuditEvent(Action.CREATE, "abis_request", request.request_id, "", request.operation,
                             {"operation": request.operation, "reference": request.reference,
                              "gallery_size": len(request.gallery)},
                             event=Event.ABIS_REQUEST_SUBMITTED))  # fmt: skip


def abis_request_completed(request) -> None:
    candidates = request.result.get("candidates", [])
    record(request.requested_by, AuditEvent(
        Action.SEARCH if request.operation == "identify" else Action.UPDATE, "abis_request", request.request_id,
        "", request.operation,
        {"reference": request.reference, "candidates": [c["reference"] for c in candidates],
         "matches": [c["reference"] for c in candidates if c["match"]]},
        event=Event.ABIS_REQUEST_COMPLETED))  # fmt: skip


def abis_request_failed(request) -> None:
    record(request.requested_by, AuditEvent(Action.UPDATE, "abis_request", request.request_id, "",
                                            request.operation, {"error": request.error_code,
                                                                "attempts": request.attempts},
                                            event=Event.ABIS_REQUEST_FAILED))  # fmt: skip
