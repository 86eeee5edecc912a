"""The API keys of relying parties, pure: no Django import.

A key reads ``cc_<key id>_<secret>``: the key id (12 hex digits) names the party in logs and in the
database; the secret (32 random bytes, base64url) is shown once and only its SHA-256 is stored. A fast
hash is enough here: the secret is random and 256 bits long, so no dictionary or brute force applies,
and checking a key on every query must stay cheap (a password hash would cost 50 ms per query).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "cc"
_KEY = re.compile(r"^cc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MAX_HEADER = 200


def new_key() -> tuple[str, str, str]:
    """(the whole key to give the party once, its key id, the hash of its secret to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}_{key_id}_{secret}", key_id, secret_hash(secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse(key) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, None for anything else."""
    if not isinstance(key, str) or len(key) > MAX_HEADER:
        return None
    match = _KEY.match(key)
    return (match[1], match[2]) if match else None


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(secret), stored_hash)


def bearer(header) -> str | None:
    """The key of an ``Authorization: Bearer KEY`` header, None when the header is absent or another kind."""
    if not isinstance(header, str) or len(header) > MAX_HEADER:
        return None
    kind, _, value = header.strip().partition(" ")
    return value.strip() if kind.lower() == "bearer" and value.strip() else None
