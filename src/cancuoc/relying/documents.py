"""The signed documents a relying party receives, pure: no Django import, so that an offline verifier
(``cancuoc card verify --status-list``, a bank's own code) checks them the same way.

- A **status answer** (``POST /api/v1/status``): ``{"serial", "status", "checked_at", "proof", "proof_sha256",
  "nonce"?, "key_id", "algorithm", "signature"}``.
- A **status list**: ``{"format", "issuer", "number", "issued_at", "next_update", "key_id", "algorithm",
  "entries": [{"serial", "sod_digest", "status"}...], "signature"}`` (``sod_digest``: SHA-256 of the EF.SOD's SHA-256): every card that is not valid.

Both are signed the same way: ECDSA P-256 with SHA-256 (DER signature, base64) over the **canonical form**
of the document without its ``"signature"`` member: JSON with keys sorted, no spaces (separators ``,`` and
``:``), non-ASCII escaped as ``\\uXXXX``, UTF-8. docs/relying-parties.md shows how to verify in a few lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import unicodedata
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ECDSA-P256-SHA256"
LIST_FORMAT = "cancuoc-status-list/1"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MRZ_LINE = 30


def canonical(document: dict) -> bytes:
    """The bytes that are signed: the document without ``signature``, keys sorted, no spaces, ASCII."""
    body = {name: value for name, value in document.items() if name != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def key_id(public_key) -> str:
    """16 hex digits of the SHA-256 of the key's SubjectPublicKeyInfo (DER): names a key in answers."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def sign(document: dict, signer, signer_key_id: str) -> dict:
    """``document`` with ``key_id``, ``algorithm`` and ``signature`` (``signer``: a ``cancuoc.icao.pki.Signer``)."""
    signed = {**document, "key_id": signer_key_id, "algorithm": ALGORITHM}
    signature = signer.sign(canonical(signed), hashes.SHA256())
    signed["signature"] = base64.b64encode(signature).decode("ascii")
    return signed


def signature_problem(document, public_keys: dict) -> str:
    """Why ``document``'s signature does not verify under the key it names among ``public_keys``
    (key id → public key), "" when it does."""
    if not isinstance(document, dict):
        return "not a JSON object"
    key = public_keys.get(document.get("key_id")) if isinstance(document.get("key_id"), str) else None
    if key is None:
        return f"unknown key id {str(document.get('key_id'))[:20]!r}"
    if document.get("algorithm") != ALGORITHM:
        return "unknown algorithm"
    try:
        signature = base64.b64decode(str(document.get("signature", "")), validate=True)
        key.verify(signature, canonical(document), ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature, TypeError):
        return "signature does not match"
    return ""


def load_public_keys(pem: bytes) -> dict:
    """key id → public key, from one or more PEM public keys (the GET /api/v1/status/keys answer's ``pem``)."""
    keys = {}
    for block in re.findall(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", pem, re.S):
        key = serialization.load_pem_public_key(block)
        if isinstance(key, ec.EllipticCurvePublicKey):
            keys[key_id(key)] = key
    return keys


# --- what a caller sends ----------------------------------------------------------------------------------


def sod_hash(text) -> str | None:
    """A SHA-256 of an EF.SOD as sent (hex, either case), lower-case; None when malformed."""
    if not isinstance(text, str) or len(text) != 64:
        return None
    text = text.lower()
    return text if _HEX64.match(text) else None


def mrz_hash(text) -> str | None:
    """The SHA-256 (hex) of an MRZ as the card database keeps it: three lines of 30 characters joined by
    ``\\n`` (``\\r\\n`` and surrounding spaces tolerated, letters upper-cased); None when malformed."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    lines = [line.strip().upper() for line in unicodedata.normalize("NFC", text).strip().splitlines()]
    if len(lines) != 3 or any(len(line) != MRZ_LINE or not re.fullmatch(r"[A-Z0-9<]+", line) for line in lines):
        return None
    return hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()


def nonce(value) -> str | None:
    return value if isinstance(value, str) and _NONCE.match(value) else None


def timestamp(moment: datetime) -> str:
    """UTC, seconds, ``Z``: the one form times take in signed documents."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


# --- the status list, read offline ------------------------------------------------------------------------


def read_list(data: bytes, public_keys: dict) -> tuple[dict | None, str]:
    """(the list, "") when ``data`` is a status list signed by one of ``public_keys``; (None, why) otherwise."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "not JSON"
    if not isinstance(document, dict) or document.get("format") != LIST_FORMAT:
        return None, f"not a {LIST_FORMAT} document"
    problem = signature_problem(document, public_keys)
    if problem:
        return None, problem
    entries = document.get("entries")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        return None, "entries is not a list of objects"
    if parse_timestamp(document.get("issued_at")) is None or parse_timestamp(document.get("next_update")) is None:
        return None, "issued_at or next_update is not a UTC time"
    return document, ""


def sod_digest(sod_sha256: str) -> str:
    """What a status list carries for a card: the SHA-256 of its EF.SOD's SHA-256 (hex of hex-decoded bytes).
    Whoever holds the card computes it; the list does not hand out the EF.SOD hash, the online query's proof."""
    return hashlib.sha256(bytes.fromhex(sod_sha256)).hexdigest()


def listed_entry(document: dict, *, sod_sha256: str = "", serial: str = "") -> dict | None:
    """The entry of a verified list for the card whose EF.SOD hashes to ``sod_sha256`` (or with this serial),
    None when the card is not listed."""
    try:
        digest = sod_digest(sod_sha256) if sod_sha256 else ""
    except ValueError:
        digest = ""
    for entry in document["entries"]:
        if (digest and entry.get("sod_digest") == digest) or (serial and entry.get("serial") == serial):
            return entry
    return None
