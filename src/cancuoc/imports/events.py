"""Typed audit events of imports."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, area_of, record


def import_applied(job, *, counts: dict) -> None:
    record(job.uploaded_by, AuditEvent(Action.IMPORT, "import_job", str(job.pk), area_of(job.uploaded_by),
                                       job.original_name, counts, event=Event.IMPORT_APPLIED))  # fmt: skip
