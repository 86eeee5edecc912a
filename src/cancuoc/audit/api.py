from datetime import date, datetime

from ninja import Router, Schema

from cancuoc.accounts.access import Forbidden, can_read_audit

from .selectors import search_entries

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
    changes: dict


@router.get("/entries", response=list[EntryOut])
def entries(request, actor: str = "", object_id: str = "", action: str = "", since: date | None = None,
            until: date | None = None, limit: int = 100):  # fmt: skip
    if not can_read_audit(request.user):
        raise Forbidden()
    limit = max(1, min(limit, 500))
    return list(search_entries(request.user, actor=actor, object_id=object_id, action=action, since=since,
                               until=until)[:limit])  # fmt: skip
