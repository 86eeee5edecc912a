"""The cryptography of the audit log, pure (no Django), so that the writer, the sealer and the verifier
cannot disagree. See docs/adr/0003-audit-log.md.

- Each entry carries an HMAC-SHA256 of its canonical content (sequence included) under the ``audit-mac``
  key, which lives outside the database: whoever has only database access cannot write a valid entry.
- The sealer folds committed entries, in sequence order, into a running hash
  ``chain(n) = SHA-256(chain(n-1) ‖ SHA-256(canonical ‖ mac))`` and signs checkpoints
  ``(size, last sequence, chain hash, gaps, time)`` with an Ed25519 key, also outside the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS_HASH = "0" * 64
CHECKPOINT_FORMAT = "cancuoc-audit-checkpoint/1"


def canonical_entry(
    *,
    sequence: int | None,
    at: datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    event: str,
    object_type: str,
    object_id: str,
    unit_path: str,
    remote_addr: str,
    user_agent: str,
    reason: str,
    changes: dict,
    mac_key: int,
) -> bytes:
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
        "key": mac_key,
    }
    return canonical_json(content)


def canonical_json(value) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def entry_mac(secret: bytes, canonical: bytes) -> str:
    return hmac.new(secret, b"entry:" + canonical, hashlib.sha256).hexdigest()


def spool_mac(secret: bytes, canonical: bytes) -> str:
    """The MAC of an event waiting in the SQLite spool (no sequence yet); a different domain, so that a
    spooled MAC can never pass as an entry's."""
    return hmac.new(secret, b"spool:" + canonical, hashlib.sha256).hexdigest()


def macs_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def leaf_hash(canonical: bytes, mac: str) -> bytes:
    return hashlib.sha256(canonical + b"\x00" + mac.encode()).digest()


def chain_step(previous: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(previous + leaf).digest()


def genesis() -> bytes:
    return bytes.fromhex(GENESIS_HASH)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the first ``size`` entries of the log, up to ``sequence``, hash to
    ``chain_hash``; sequence numbers missing up to there (rolled-back transactions) are ``gaps``."""

    size: int
    sequence: int
    chain_hash: str
    gaps: tuple[tuple[int, int], ...]
    at: str
    key_id: str
    signature: str = ""

    def payload(self) -> bytes:
        return canonical_json({
            "format": CHECKPOINT_FORMAT, "size": self.size, "sequence": self.sequence,
            "chain_hash": self.chain_hash, "gaps": [list(gap) for gap in self.gaps], "at": self.at,
            "key_id": self.key_id,
        })  # fmt: skip

    def as_json(self, public_key: Ed25519PublicKey | None = None) -> dict:
        data = {
            "format": CHECKPOINT_FORMAT, "size": self.size, "sequence": self.sequence,
            "chain_hash": self.chain_hash, "gaps": [list(gap) for gap in self.gaps], "at": self.at,
            "key_id": self.key_id, "signature": self.signature,
        }  # fmt: skip
        if public_key is not None:
            data["public_key"] = base64.b64encode(public_bytes(public_key)).decode()
        return data

    @classmethod
    def from_json(cls, data: dict) -> Checkpoint:
        if data.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a checkpoint of format {CHECKPOINT_FORMAT}")
        return cls(
            size=int(data["size"]), sequence=int(data["sequence"]), chain_hash=str(data["chain_hash"]),
            gaps=tuple((int(a), int(b)) for a, b in data.get("gaps", [])), at=str(data["at"]),
            key_id=str(data["key_id"]), signature=str(data["signature"]),
        )  # fmt: skip


def signing_key(secret: bytes) -> Ed25519PrivateKey:
    """The checkpoint key: an Ed25519 private key is 32 random bytes, which is what the keyring holds."""
    return Ed25519PrivateKey.from_private_bytes(secret)


def public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, version: int, public_key: Ed25519PublicKey) -> str:
    """``audit-checkpoint.3:1a2b…``: the key version and a fingerprint of the public key."""
    return f"{name}.{version}:{hashlib.sha256(public_bytes(public_key)).hexdigest()[:16]}"


def sign(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> Checkpoint:
    signature = base64.b64encode(private_key.sign(checkpoint.payload())).decode()
    return Checkpoint(**{**checkpoint.__dict__, "signature": signature})


def signature_valid(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.payload())
    except (InvalidSignature, ValueError):
        return False
    return True
