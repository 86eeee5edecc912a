"""SQLite only: where an audited read waits while another transaction holds the database's writer lock.

SQLite has one writer at a time; an import applying 150,000 rows holds that lock for minutes, and an
audited read that had to insert into the log behind it would fail with "database is locked" after the
busy timeout. Such an entry is written instead to this spool, a second small SQLite file beside the
database (its own writer lock, held for microseconds), with a MAC under the audit key over its content;
the sealer (``sealing.drain_spool``) moves spooled entries into the log, in the order they were spooled,
as soon as the writer lock is free. The entry keeps the time the read happened (``at``); its place in the
log (``sequence``) is given when it is moved. PostgreSQL never needs this: appending takes no lock there.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from cancuoc import keyring

from . import chain

_local = threading.local()
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS spooled (id INTEGER PRIMARY KEY AUTOINCREMENT, content TEXT NOT NULL, "
    "mac TEXT NOT NULL, mac_key INTEGER NOT NULL)"
)


def path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and "memory" not in name and name:
        return Path(name + "-audit-spool")
    return Path(settings.VAR_DIR) / "audit-spool.sqlite3"


def _connect() -> sqlite3.Connection:
    target = path()
    cached = getattr(_local, "spool", None)
    if cached is not None and cached[0] == target:
        return cached[1]
    if not target.exists():  # owner-only from the start: it holds personal data until drained
        target.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
    spool = sqlite3.connect(target, timeout=10, isolation_level=None, check_same_thread=False)
    spool.execute("PRAGMA journal_mode=WAL")
    spool.execute(SCHEMA)
    _local.spool = (target, spool)
    return spool


def _content(entry) -> dict:
    return {
        "at": entry.at.isoformat(timespec="microseconds"), "actor": entry.actor_id,
        "username": entry.actor_username, "action": entry.action, "event": entry.event,
        "type": entry.object_type, "id": entry.object_id, "unit": entry.unit_path, "addr": entry.remote_addr,
        "agent": entry.user_agent, "reason": entry.reason, "changes": entry.changes,
    }  # fmt: skip


def put(entries) -> None:
    from .services import MAC_KEY, bounded_changes

    key = keyring.current(MAC_KEY)
    rows = []
    for entry in entries:
        entry.changes = bounded_changes(entry.changes)
        content = chain.canonical_json(_content(entry))
        rows.append((content.decode(), chain.spool_mac(key.secret, content), key.version))
    _connect().executemany("INSERT INTO spooled (content, mac, mac_key) VALUES (?, ?, ?)", rows)


def pending() -> int:
    if not path().exists():
        return 0
    return _connect().execute("SELECT COUNT(*) FROM spooled").fetchone()[0]


def take(limit: int = 5000) -> list[tuple[int, dict | None]]:
    """The oldest spooled entries as (spool id, fields for an AuditEntry), or (id, None) when the MAC does
    not match (written or changed by someone without the key)."""
    from .services import MAC_KEY

    if not path().exists():
        return []
    rows = _connect().execute(
        "SELECT id, content, mac, mac_key FROM spooled ORDER BY id LIMIT ?", [limit]
    ).fetchall()
    taken = []
    for spool_id, content, mac, mac_key in rows:
        try:
            secret = keyring.version(MAC_KEY, mac_key).secret
        except keyring.KeyMissing:
            taken.append((spool_id, None))
            continue
        if not chain.macs_equal(chain.spool_mac(secret, content.encode()), mac):
            taken.append((spool_id, None))
            continue
        data = json.loads(content)
        taken.append((spool_id, {
            "at": datetime.fromisoformat(data["at"]), "actor_id": data["actor"], "actor_username": data["username"],
            "action": data["action"], "event": data["event"], "object_type": data["type"], "object_id": data["id"],
            "unit_path": data["unit"], "remote_addr": data["addr"], "user_agent": data["agent"],
            "reason": data["reason"], "changes": data["changes"],
        }))  # fmt: skip
    return taken


def forget(spool_ids: list[int]) -> None:
    if spool_ids:
        _connect().execute(
            f"DELETE FROM spooled WHERE id IN ({','.join('?' * len(spool_ids))})", spool_ids
        )
