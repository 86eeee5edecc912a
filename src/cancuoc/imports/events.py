"""Typed audit events of imports."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record


def import_applied(job, *, counts: dict) -> None:
    unit = job.uploaded_by.unit
    record(job.uploaded_by, AuditEvent(Action.IMPORT, "import_job", str(job.pk), unit.path if unit else "",
                                       job.original_name, counts, event=Event.IMPORT_APPLIED))  # fmt: skip
