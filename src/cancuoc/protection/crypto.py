"""Authenticated encryption of short values (AES-256-GCM) with versioned keys from ``cancuoc.keyring``.

A sealed value is text: ``enc1:<key version>:<base64url(nonce ‖ ciphertext ‖ tag)>``. The key version
says which key opens it, so after a rotation old values stay readable until they are re-encrypted.
The *context* (for a column: ``table.column``) is authenticated with it, so a value copied into another
column does not open. Plaintext is padded to a multiple of ``pad_to`` bytes before encryption, so that
the length of a ciphertext does not tell "Kinh" from "Khơ Mú" or "Phật giáo" from "Công giáo".

Keys are derived once per process and per version (HKDF) from the keyring's ``personal-data`` secret,
one sub-key per purpose (fields, audit values, files); nothing is read from disk per value.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from contextlib import contextmanager

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cancuoc import keyring

KEY_NAME = "personal-data"
PREFIX = "enc1:"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """A sealed value or file that does not open: changed, truncated, moved or under an unknown key."""

    def __init__(self, what: str, detail: str = ""):
        self.what = what
        super().__init__(
            f"Dữ liệu mã hóa không giải mã được ({what}): bị sửa, cắt hoặc thiếu khóa / "
            f"encrypted data does not decrypt ({what}): altered, truncated or its key is missing"
            + (f" [{detail}]" if detail else "")
        )


# (purpose, key) → cipher; a Key holds its secret, so a replaced key file never reuses a stale cipher
_aeads: dict[tuple[str, keyring.Key], AESGCM] = {}
_lock = threading.Lock()


def derive(purpose: str, key: keyring.Key) -> bytes:
    """The 32-byte sub-key of ``key`` for ``purpose`` ("field", "audit", "file")."""
    info = f"cancuoc {purpose} v1".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key.secret)


def _aead(purpose: str, key: keyring.Key) -> AESGCM:
    aead = _aeads.get((purpose, key))
    if aead is None:
        aead = AESGCM(derive(purpose, key))
        with _lock:
            _aeads[(purpose, key)] = aead
    return aead


def forget_cached_keys() -> None:
    with _lock:
        _aeads.clear()
    keyring.forget_cached_keys()


def current_version() -> int:
    return keyring.current(KEY_NAME).version


def _pad(data: bytes, pad_to: int) -> bytes:
    # ISO/IEC 7816-4 padding: 0x80 then zeros up to the next multiple (always at least one byte)
    length = (len(data) // pad_to + 1) * pad_to
    return data + b"\x80" + b"\x00" * (length - len(data) - 1)


def _unpad(data: bytes) -> bytes:
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise ValueError("bad padding")
    return end[:-1]


class _NoncePool(threading.local):
    """Random nonces drawn from the OS a few thousand at a time (one system call per 4,096 seals instead
    of one each: a bulk import seals millions). Per thread; emptied in a forked child, so that a child
    never uses the bytes its parent has left."""

    def __init__(self):
        self.bytes, self.position = b"", 0

    def take(self) -> bytes:
        if self.position + NONCE_BYTES > len(self.bytes):
            self.bytes, self.position = os.urandom(NONCE_BYTES * 4096), 0
        nonce = self.bytes[self.position : self.position + NONCE_BYTES]
        self.position += NONCE_BYTES
        return nonce

    def empty(self) -> None:
        self.bytes, self.position = b"", 0


_nonces = _NoncePool()
os.register_at_fork(after_in_child=_nonces.empty)


class _Pinned(threading.local):
    key: keyring.Key | None = None


_pinned = _Pinned()


@contextmanager
def one_key():
    """Within this block this thread seals under the key that is current when it starts (a bulk write seals
    a few million values: asking the key ring each time costs more than the encryption)."""
    previous = _pinned.key
    _pinned.key = keyring.current(KEY_NAME)
    try:
        yield
    finally:
        _pinned.key = previous


def seal(text: str, context: str, *, purpose: str = "field", pad_to: int = 16) -> str:
    """Encrypt ``text`` for ``context`` with the current key."""
    key = _pinned.key or keyring.current(KEY_NAME)
    nonce = _nonces.take()
    header = f"{PREFIX}{key.version}:"
    sealed = _aead(purpose, key).encrypt(
        nonce, _pad(text.encode(), pad_to), header.encode() + context.encode()
    )
    return header + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_version_of(token: str) -> int:
    try:
        return int(token[len(PREFIX) :].split(":", 1)[0])
    except ValueError as error:
        raise DecryptionError("format") from error


def open_sealed(token: str, context: str, *, purpose: str = "field") -> str:
    """The text sealed in ``token`` for ``context``; ``DecryptionError`` if anything is wrong with it."""
    if not is_sealed(token):
        raise DecryptionError(context, "not an encrypted value")
    version_text, _, body = token[len(PREFIX) :].partition(":")
    try:
        number = int(version_text)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, binascii.Error) as error:
        raise DecryptionError(context, "format") from error
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(context, "too short")
    try:
        key = keyring.version(KEY_NAME, number)
    except keyring.KeyMissing as error:
        raise DecryptionError(context, f"key version {number} missing") from error
    header = f"{PREFIX}{number}:"
    try:
        plain = _aead(purpose, key).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], header.encode() + context.encode()
        )
        return _unpad(plain).decode()
    except (InvalidTag, ValueError, UnicodeDecodeError) as error:
        raise DecryptionError(context, "authentication failed") from error


BYTES_PREFIX = b"E1"


def seal_bytes(data: bytes, context: str, *, purpose: str = "biometrics") -> bytes:
    """Encrypt binary ``data`` (a template, an image) for ``context`` with the current key:
    ``E1 ‖ key version (2 bytes) ‖ nonce ‖ ciphertext ‖ tag``. Not padded: biometric records have no
    length that tells anything a reader could not see from the record kind."""
    key = _pinned.key or keyring.current(KEY_NAME)
    header = BYTES_PREFIX + key.version.to_bytes(2, "big")
    nonce = _nonces.take()
    return header + nonce + _aead(purpose, key).encrypt(nonce, bytes(data), header + context.encode())


def open_bytes(sealed: bytes, context: str, *, purpose: str = "biometrics") -> bytes:
    """The bytes sealed by ``seal_bytes`` for ``context``; ``DecryptionError`` if anything is wrong."""
    sealed = bytes(sealed)
    if len(sealed) < 4 + NONCE_BYTES + TAG_BYTES or not sealed.startswith(BYTES_PREFIX):
        raise DecryptionError(context, "not encrypted binary data")
    header, number = sealed[:4], int.from_bytes(sealed[2:4], "big")
    try:
        key = keyring.version(KEY_NAME, number)
    except keyring.KeyMissing as error:
        raise DecryptionError(context, f"key version {number} missing") from error
    try:
        return _aead(purpose, key).decrypt(sealed[4 : 4 + NONCE_BYTES], sealed[4 + NONCE_BYTES :],
                                           header + context.encode())  # fmt: skip
    except InvalidTag as error:
        raise DecryptionError(context, "authentication failed") from error
