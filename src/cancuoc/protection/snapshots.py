"""Sensitive values inside audit entries (the before/after snapshots of a citizen).

The audit log is append-only and kept for years, so its copies of ethnicity, religion, parents... are
sealed too, one value at a time: ``{"enc": "enc1:<key version>:..."}`` under the audit sub-key. Entries are
never rewritten (the chain forbids it): a key version that sealed audit values must be kept as long as
those entries are (docs/data-protection.md, "Keys"). Readers who may see the record see the values; the
rest see that a value was there and changed, not what it was.
"""

from __future__ import annotations

from functools import cache

from . import crypto

MARK = "enc"
HIDDEN = "(đã mã hóa / encrypted)"
UNREADABLE = "(không giải mã được / cannot be decrypted)"


@cache
def sensitive_fields() -> frozenset[str]:
    """The citizen attributes stored encrypted: exactly those whose model field is an encrypted one."""
    from cancuoc.registry.models import Citizen

    return frozenset(f.attname for f in Citizen._meta.concrete_fields if getattr(f, "encrypted", False))


def _context(field: str) -> str:
    return f"audit.citizen.{field}"


def is_sealed_value(value) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(MARK), str)


def seal_value(field: str, value):
    """``value`` as it may sit in the log: sealed when ``field`` is sensitive (idempotent)."""
    if field not in sensitive_fields() or value is None or is_sealed_value(value):
        return value
    return {MARK: crypto.seal(str(value), _context(field), purpose="audit")}


def reveal_value(field: str, value):
    """The plain value behind ``seal_value`` (raises ``crypto.DecryptionError`` when it does not open)."""
    if not is_sealed_value(value):
        return value
    return crypto.open_sealed(value[MARK], _context(field), purpose="audit")


def seal_snapshot(values: dict) -> dict:
    sealed = dict(values)
    for name in sensitive_fields() & values.keys():  # the import seals a million of these: no detours
        value = values[name]
        if value is not None and not is_sealed_value(value):
            sealed[name] = {MARK: crypto.seal(str(value), _contexts()[name], purpose="audit")}
    return sealed


@cache
def _contexts() -> dict[str, str]:
    return {name: _context(name) for name in sensitive_fields()}


def sealed_diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose plain values differ, sensitive ones sealed. Sealing
    is randomised, so sealed values are compared by what they hide."""
    changes = {}
    for key in after:
        old, new = before.get(key), after.get(key)
        if old is new:
            continue
        if key in sensitive_fields() and reveal_value(key, old) == reveal_value(key, new):
            continue
        if old != new:
            changes[key] = [seal_value(key, old), seal_value(key, new)]
    return changes


def reveal_changes(changes, *, may_read: bool = True):
    """A copy of an entry's ``changes`` for display: sealed values opened for a reader who may see the
    record, replaced by a marker otherwise (and when the key that sealed them is gone)."""

    def walk(value, field: str):
        if is_sealed_value(value):
            if not may_read:
                return HIDDEN
            try:
                return reveal_value(field, value)
            except crypto.DecryptionError:
                return UNREADABLE
        if isinstance(value, dict):
            return {
                key: walk(item, key if key in sensitive_fields() else field) for key, item in value.items()
            }
        if isinstance(value, list):
            return [walk(item, field) for item in value]
        return value

    return walk(changes, "")


def revealed_history(entries: list, *, may_read: bool = True) -> list:
    """Audit entries of one record for a reader who passed the record's access check: their ``changes``
    opened for display (in memory only; the log itself is never rewritten)."""
    for entry in entries:
        entry.changes = reveal_changes(entry.changes, may_read=may_read)
    return entries
