"""The status-signing key: the national PKI's way (``cancuoc.cards.keystore``): an encrypted key file in the
keystore folder (``var/pki``) or a key on the PKCS#11 token, by label. Its public half is kept beside it as
``status-signing-<key id>.pub.pem`` and served at ``GET /api/v1/status/keys``.

The key is made on first use (or by ``cancuoc relying-party rotate-key``); ``status-signing.json`` names the
current one and keeps the previous ones, whose answers and lists still verify. Each process loads the key
once: decrypting it costs far more than a signature.
"""

from __future__ import annotations

import fcntl
import json
import threading
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.utils import timezone

from cancuoc.cards import keystore
from cancuoc.icao import pki

from . import documents
from .errors import RelyingError, RelyingErrorCode

STATE_FILE = "status-signing.json"
_loaded: dict[tuple[str, str], tuple[pki.Signer, str]] = {}
_lock = threading.Lock()


def _state_path() -> Path:
    return keystore.folder() / STATE_FILE


def _read_state() -> dict:
    path = _state_path()
    if not path.exists():
        return {"current": None, "keys": []}
    try:
        state = json.loads(path.read_text("utf-8"))
        assert isinstance(state, dict) and isinstance(state.get("keys"), list)
        return state
    except (OSError, ValueError, AssertionError) as error:
        raise RelyingError(RelyingErrorCode.SIGNING_KEY_UNAVAILABLE, detail=f"{path.name} damaged") from error


def _public_path(key_id: str) -> Path:
    return keystore.folder() / f"status-signing-{key_id}.pub.pem"


def _make_key(now: datetime) -> dict:
    """A new key, written with its public half and named current; under the state file's lock."""
    label = f"status-signing-{int(now.timestamp())}"
    signer = keystore.new_key(label, pki.DS_CURVE)
    public = signer.public_key()
    key_id = documents.key_id(public)
    keystore.write_file(_public_path(key_id), public.public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))  # fmt: skip
    state = _read_state()
    state["keys"].append({"label": label, "key_id": key_id, "created": now.isoformat(), "backend": keystore.backend()})
    state["current"] = key_id
    keystore.write_file(_state_path(), json.dumps(state, indent=2).encode())
    return state


class _StateLock:
    """An exclusive lock on the state file between processes (two servers starting at once make one key)."""

    def __enter__(self):
        folder = keystore.folder()
        folder.mkdir(parents=True, exist_ok=True)
        self.handle = open(folder / f"{STATE_FILE}.lock", "a")  # noqa: SIM115
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def current_signer() -> tuple[pki.Signer, str]:
    """(the current status-signing key, its key id), made on first use; cached in the process."""
    folder = str(keystore.folder())
    cached = _loaded.get((folder, "current"))
    if cached is not None:
        return cached
    with _lock:
        try:
            state = _read_state()
            if not state.get("current"):
                with _StateLock():
                    state = _read_state()
                    if not state.get("current"):
                        state = _make_key(timezone.now())
            entry = next(k for k in state["keys"] if k["key_id"] == state["current"])
            signer = keystore.load_key(entry["label"])
        except keystore.KeystoreError as error:
            raise RelyingError(RelyingErrorCode.SIGNING_KEY_UNAVAILABLE, detail=error.message_en) from error
        except (StopIteration, KeyError, TypeError) as error:
            raise RelyingError(RelyingErrorCode.SIGNING_KEY_UNAVAILABLE, detail=f"{STATE_FILE} damaged") from error
        _loaded[(folder, "current")] = (signer, entry["key_id"])
        return signer, entry["key_id"]


def rotate(now: datetime | None = None) -> str:
    """A new current key (the previous ones stay published); returns its key id."""
    try:
        with _StateLock():
            state = _make_key(now or timezone.now())
    except keystore.KeystoreError as error:
        raise RelyingError(RelyingErrorCode.SIGNING_KEY_UNAVAILABLE, detail=error.message_en) from error
    forget()
    return state["current"]


def forget() -> None:
    """Drop the process's cached key (after a rotation; tests switching keystore folders)."""
    _loaded.clear()


def published_keys(*, make: bool = True) -> list[dict]:
    """Every status-signing public key, current first: ``{"key_id", "pem", "created", "current"}``; the
    first key is made when there is none yet and ``make`` (reading needs neither passphrase nor token)."""
    state = _read_state()
    if make and not state.get("current"):
        current_signer()
        state = _read_state()
    keys = []
    for entry in sorted(state["keys"], key=lambda k: (k["key_id"] != state["current"], k.get("created", ""))):
        try:
            pem = _public_path(entry["key_id"]).read_text("ascii")
        except OSError:
            continue
        keys.append({"key_id": entry["key_id"], "pem": pem, "created": entry.get("created", ""),
                     "current": entry["key_id"] == state["current"]})  # fmt: skip
    return keys


def public_keys() -> dict:
    """key id → public key of every published key (to verify with; no private key is loaded or made)."""
    return documents.load_public_keys("".join(k["pem"] for k in published_keys(make=False)).encode("ascii"))


def sign(document: dict) -> dict:
    signer, key_id = current_signer()
    return documents.sign(document, signer, key_id)
