"""Typed audit events of enrollment. Entries name the citizen (by ID number) and the application; never
an image or a template."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record


def _citizen_entry(action, application, reason, changes, event) -> AuditEvent:
    return AuditEvent(action, "citizen", application.citizen.id_number, application.unit_path, reason,
                      {"application": application.code, **changes}, event=event)  # fmt: skip


def application_submitted(actor, application) -> None:
    record(actor, _citizen_entry(Action.CREATE, application, application.reason or application.kind,
                                 {"kind": application.kind, "reason_code": application.reason_code,
                                  "station": application.station.code, "capture_seconds": application.capture_seconds},
                                 Event.APPLICATION_SUBMITTED))  # fmt: skip


def application_viewed(actor, application, *, where: str) -> None:
    record(actor, _citizen_entry(Action.READ, application, where, {}, Event.APPLICATION_VIEWED))


def application_stage_changed(actor, application, *, source: str, target: str, code: str = "") -> None:
    record(actor, _citizen_entry(Action.UPDATE, application, code or target, {"from": source, "to": target},
                                 Event.APPLICATION_STAGE_CHANGED))  # fmt: skip


def application_decided(actor, application, *, decision: str) -> None:
    record(actor, _citizen_entry(Action.UPDATE, application, application.decision_reason,
                                 {"decision": decision, "stage": application.stage}, Event.APPLICATION_DECIDED))  # fmt: skip


def duplicate_decided(actor, candidate) -> None:
    application = candidate.application
    other = candidate.citizen.id_number if candidate.citizen_id else ""
    record(actor, _citizen_entry(Action.UPDATE, application, candidate.decision_reason,
                                 {"candidate": candidate.pk, "kind": candidate.kind, "other_citizen": other,
                                  "decision": candidate.decision}, Event.DUPLICATE_DECIDED))  # fmt: skip


def form_printed(actor, application, *, form: str) -> None:
    record(
        actor,
        _citizen_entry(Action.EXPORT, application, form, {"form": form}, Event.APPLICATION_FORM_PRINTED),
    )


def status_checked(application) -> None:
    record(None, _citizen_entry(Action.READ, application, "public status check", {},
                                Event.APPLICATION_STATUS_CHECKED))  # fmt: skip


def station_changed(actor, station, *, what: str) -> None:
    record(actor, AuditEvent(Action.UPDATE, "station", station.code, station.unit.path, what,
                             event=Event.STATION_CHANGED))  # fmt: skip


def appointment_booked(appointment) -> None:
    record(None, AuditEvent(Action.CREATE, "citizen", appointment.citizen.id_number, appointment.slot.station.unit.path,
                            "public booking", {"appointment": appointment.code,
                                               "slot": appointment.slot.starts_at.isoformat()},
                            event=Event.APPOINTMENT_BOOKED))  # fmt: skip


def appointment_cancelled(appointment) -> None:
    record(None, AuditEvent(Action.UPDATE, "citizen", appointment.citizen.id_number,
                            appointment.slot.station.unit.path, "public cancellation",
                            {"appointment": appointment.code}, event=Event.APPOINTMENT_CANCELLED))  # fmt: skip


def applications_listed(actor, *, codes: list[str], where: str) -> None:
    from cancuoc.audit.services import area_of

    record(actor, AuditEvent(Action.SEARCH, "application", "", area_of(actor), where, {"returned": codes},
                             event=Event.CITIZENS_LISTED))  # fmt: skip


def portrait_viewed(actor, application, *, where: str) -> None:
    record(
        actor, _citizen_entry(Action.READ, application, where, {"what": "portrait"}, Event.APPLICATION_VIEWED)
    )
