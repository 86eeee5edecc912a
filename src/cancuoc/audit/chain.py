"""The hash of an audit entry: pure, so the verifier and the writer cannot disagree."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

GENESIS_HASH = "0" * 64


def entry_digest(
    *,
    previous_hash: str,
    sequence: int,
    at: datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    event: str = "",
    object_type: str,
    object_id: str,
    unit_path: str,
    remote_addr: str,
    user_agent: str,
    reason: str,
    changes: dict,
) -> str:
    content = {
        "seq": sequence,
        "at": at.isoformat(timespec="microseconds"),
        "actor": actor_id,
        "username": actor_username,
        "action": action,
        "event": event,
        "type": object_type,
        "id": object_id,
        "unit": unit_path,
        "addr": remote_addr,
        "agent": user_agent,
        "reason": reason,
        "changes": changes,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((previous_hash + canonical).encode("utf-8")).hexdigest()
