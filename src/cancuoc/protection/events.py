"""Typed audit events of personal-data protection: key rotation and re-encryption."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record


def data_key_rotated(actor, *, key_name: str, version: int) -> None:
    record(actor, AuditEvent(Action.MANAGE, "data_key", f"{key_name}.{version}", "", "keys rotate",
                             {"key": key_name, "version": version}, event=Event.DATA_KEY_ROTATED))  # fmt: skip


def personal_data_rekeyed(actor, *, version: int, rows: int, values: int, files: int) -> None:
    record(actor, AuditEvent(Action.MANAGE, "data_key", f"personal-data.{version}", "", "keys rekey",
                             {"version": version, "rows": rows, "values": values, "files": files},
                             event=Event.PERSONAL_DATA_REKEYED))  # fmt: skip
