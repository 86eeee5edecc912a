"""Typed audit events of the campaign: one function per kind (audit.models.Event)."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record


def report_viewed(actor, *, unit_path: str, what: str) -> None:
    record(
        actor, AuditEvent(Action.READ, "campaign", "", unit_path, what, event=Event.CAMPAIGN_REPORT_VIEWED)
    )


def outstanding_exported(actor, *, unit_path: str, what: str, count: int) -> None:
    record(actor, AuditEvent(Action.EXPORT, "campaign", "", unit_path, what, {"count": count},
                             event=Event.OUTSTANDING_LIST_EXPORTED))  # fmt: skip


def visit_recorded(actor, visit, *, unit_path: str) -> None:
    record(actor, AuditEvent(Action.CREATE, "citizen", visit.citizen.id_number, unit_path, visit.note or visit.outcome,
                             {"outcome": visit.outcome, "visited_on": visit.visited_on.isoformat(),
                              "change_request": visit.change_request_id}, event=Event.VISIT_RECORDED))  # fmt: skip


def condition_recorded(actor, citizen, *, kind: str, unit_path: str, reason: str) -> None:
    record(actor, AuditEvent(Action.UPDATE, "citizen", citizen.id_number, unit_path, reason, {"condition": kind},
                             event=Event.VISIT_RECORDED))  # fmt: skip


def team_plan_changed(actor, *, team, unit_path: str, what: str, changes: dict) -> None:
    record(
        actor,
        AuditEvent(Action.UPDATE, "team", team.code, unit_path, what, changes, event=Event.TEAM_PLAN_CHANGED),
    )


def counts_rebuilt(actor, *, citizens: int, units: int) -> None:
    record(actor, AuditEvent(Action.UPDATE, "campaign", "counts", "", "campaign rebuild",
                             {"citizens": citizens, "units": units}, event=Event.CAMPAIGN_COUNTS_REBUILT))  # fmt: skip


def announcement_sent(actor, announcement, *, queued: int) -> None:
    record(actor, AuditEvent(Action.CREATE, "announcement", str(announcement.pk), announcement.unit_path,
                             "announcement", {"queued": queued}, event=Event.ANNOUNCEMENT_SENT))  # fmt: skip
