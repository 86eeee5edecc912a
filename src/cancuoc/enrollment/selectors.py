"""Reads of enrollment: an application as the API and the pages show it."""

from __future__ import annotations

from .errors import blocking_text
from .models import Application


def submitted_out(application: Application) -> dict:
    """A new application as the intake answers it, from the objects in hand: no query (its history is the
    one "submitted" entry, it has no duplicate yet)."""
    return {
        "code": application.code, "stage": application.stage, "kind": application.kind,
        "reason_code": application.reason_code, "id_number": application.citizen.id_number,
        "full_name": application.citizen.full_name, "station": application.station.code,
        "submitted_at": application.submitted_at, "return_date": application.return_date,
        "capture_seconds": application.capture_seconds, "blocking_code": "", "blocking_reason_vi": "",
        "blocking_reason_en": "",
        "history": [{"at": application.submitted_at, "stage": application.stage, "code": "submitted", "detail": "",
                     "actor": application.created_by.username}],
        "duplicates": [],
    }  # fmt: skip


def application_out(application: Application, user=None) -> dict:
    application = (Application.objects.select_related("citizen", "station")
                   .prefetch_related("events__actor", "duplicates__citizen", "duplicates__other_application")
                   .get(pk=application.pk))  # fmt: skip
    blocking_vi, blocking_en = (
        blocking_text(application.blocking_code, application.blocking_detail)
        if application.blocking_code and application.blocking_code not in ("approved",)
        else ("", "")
    )
    return {
        "code": application.code, "stage": application.stage, "kind": application.kind,
        "reason_code": application.reason_code, "id_number": application.citizen.id_number,
        "full_name": application.citizen.full_name, "station": application.station.code,
        "submitted_at": application.submitted_at, "return_date": application.return_date,
        "capture_seconds": application.capture_seconds, "blocking_code": application.blocking_code,
        "blocking_reason_vi": blocking_vi, "blocking_reason_en": blocking_en,
        "history": [{"at": e.at, "stage": e.stage, "code": e.code, "detail": e.detail,
                     "actor": e.actor.username if e.actor_id else "system"} for e in application.events.all()],
        "duplicates": [_duplicate_out(d, user) for d in application.duplicates.all()],
    }  # fmt: skip


def _duplicate_out(candidate, user) -> dict:
    """A suspected duplicate as this user may see it: who the other record is only for a supervisor who may
    decide it (the other record in their area); for anyone else its kind, score and decision only, so that
    submitting someone's prints never tells an officer whose they are."""
    from .actions import candidate_visible

    shown = user is not None and candidate_visible(user, candidate)
    return {"id": candidate.pk, "kind": candidate.kind, "score": round(candidate.score, 4), "decision": candidate.decision,
            "id_number": candidate.citizen.id_number if shown and candidate.citizen_id else "",
            "full_name": candidate.citizen.full_name if shown and candidate.citizen_id else "",
            "application": candidate.other_application.code if shown and candidate.other_application_id else None,
            "reasons": list(candidate.reasons) if shown else []}  # fmt: skip
