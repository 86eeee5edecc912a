from datetime import date, datetime

from ninja import Router, Schema
from ninja.errors import HttpError

from cancuoc.accounts.permissions import Verb, require_permission

from . import events
from .selectors import date_in_range, search_entries

router = Router(tags=["audit"])


class EntryOut(Schema):
    sequence: int
    at: datetime
    actor_username: str
    action: str
    object_type: str
    object_id: str
    remote_addr: str
    reason: str
    event: str
    changes: dict


@router.get("/entries", response=list[EntryOut])
def entries(request, actor: str = "", object_id: str = "", action: str = "", since: date | None = None,
            until: date | None = None, limit: int = 100):  # fmt: skip
    require_permission(request.user, Verb.AUDIT_READ)
    if not (date_in_range(since) and date_in_range(until)):
        raise HttpError(422, "since/until: năm phải từ 1900 đến 2200 / the year must be between 1900 and 2200")
    limit = max(1, min(limit, 500))
    filters = {"actor": actor, "object_id": object_id, "action": action, "since": since, "until": until}
    found = list(search_entries(request.user, **filters)[:limit])
    events.audit_log_read(request.user, filters=filters, returned=len(found))
    return found
