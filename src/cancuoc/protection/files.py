"""Files at rest: encrypted, authenticated and owner-only.

``open_encrypted_write(path)`` streams plaintext into an encrypted file; ``open_encrypted_read(path)``
gives back a read-only, **seekable** binary file of the plaintext (openpyxl reads an XLSX, a zip, by
seeking), decrypting one chunk at a time. The format is the STREAM construction of online authenticated
encryption (Hoang, Reyhanitabar, Rogaway, Vizár 2015) over AES-256-GCM:

    header  = b"CANCUOC-ENC1" ‖ key version (4 bytes) ‖ salt (16) ‖ chunk size (4)
    chunk i = AES-GCM(file key, nonce = i (11 bytes) ‖ last-chunk flag (1 byte), chunk, aad = header)

The file key is derived from the keyring's ``personal-data`` key and the file's random salt (HKDF), so
each file has its own key and chunk counters never repeat a nonce. A changed, reordered, removed or
appended chunk, or a file cut at a chunk boundary, fails with ``crypto.DecryptionError``.

``restrict_new_files()`` sets the process umask so that every file and folder the process creates
(SQLite database and its journal, uploads, caches, keys) is readable by its owner only.
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cancuoc import keyring

from . import crypto

MAGIC = b"CANCUOC-ENC1"
HEADER = struct.Struct(">12sI16sI")
CHUNK_BYTES = 64 * 1024
OWNER_ONLY_UMASK = 0o077


def restrict_new_files() -> None:
    """Owner-only permissions for everything this process creates from now on."""
    os.umask(OWNER_ONLY_UMASK)


def make_owner_only(path: str | Path) -> None:
    """chmod 0600 an existing file (one created before the umask was set, or by another tool)."""
    path = Path(path)
    if path.exists() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def is_encrypted_file(path: str | Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _file_cipher(key: keyring.Key, salt: bytes) -> AESGCM:
    info = b"cancuoc file v1"
    return AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(
        crypto.derive("file", key)
    ))  # fmt: skip


def _nonce(index: int, last: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter(io.RawIOBase):
    """Write-only file: plaintext in, encrypted chunks out; ``close()`` writes the last chunk."""

    def __init__(self, path: str | Path, chunk_bytes: int = CHUNK_BYTES):
        super().__init__()
        key = keyring.current(crypto.KEY_NAME)
        salt = os.urandom(16)
        self._header = HEADER.pack(MAGIC, key.version, salt, chunk_bytes)
        self._cipher = _file_cipher(key, salt)
        self._chunk = chunk_bytes
        self._buffer = bytearray()
        self._index = 0
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._out = os.fdopen(descriptor, "wb")
        self._out.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        # keep at least one byte back: only close() knows which chunk is the last
        while len(self._buffer) > self._chunk:
            self._emit(bytes(self._buffer[: self._chunk]), last=False)
            del self._buffer[: self._chunk]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        self._out.write(self._cipher.encrypt(_nonce(self._index, last), plain, self._header))
        self._index += 1

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._emit(bytes(self._buffer), last=True)
            self._out.flush()
            os.fsync(self._out.fileno())
        finally:
            self._out.close()
            super().close()


class DecryptingReader(io.RawIOBase):
    """Read-only, seekable view of an encrypted file's plaintext."""

    def __init__(self, path: str | Path):
        super().__init__()
        self._name = Path(path).name  # errors name the file, never the server's folders
        self._in = open(path, "rb")
        try:
            header = self._in.read(HEADER.size)
            if len(header) != HEADER.size:
                raise crypto.DecryptionError(self._name, "no header")
            magic, version, salt, chunk = HEADER.unpack(header)
            if magic != MAGIC or not 0 < chunk <= 16 * 1024 * 1024:
                raise crypto.DecryptionError(self._name, "not an encrypted file")
            try:
                key = keyring.version(crypto.KEY_NAME, version)
            except keyring.KeyMissing as error:
                raise crypto.DecryptionError(self._name, f"key version {version} missing") from error
            self._header, self._chunk = header, chunk
            self._cipher = _file_cipher(key, salt)
            body = os.fstat(self._in.fileno()).st_size - HEADER.size
            stride = chunk + crypto.TAG_BYTES
            if body < crypto.TAG_BYTES:
                raise crypto.DecryptionError(self._name, "truncated")
            self._last_index = (body - crypto.TAG_BYTES) // stride
            self._size = self._last_index * chunk + body - self._last_index * stride - crypto.TAG_BYTES
            self._cached: tuple[int, bytes] | None = None
            self._position = 0
            self._plain_chunk(self._last_index)  # proves now that nothing was cut off or appended
        except BaseException:
            self._in.close()
            raise

    def _plain_chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        stride = self._chunk + crypto.TAG_BYTES
        self._in.seek(HEADER.size + index * stride)
        sealed = self._in.read(stride)
        try:
            plain = self._cipher.decrypt(_nonce(index, index == self._last_index), sealed, self._header)
        except InvalidTag as error:
            raise crypto.DecryptionError(self._name, f"chunk {index}") from error
        self._cached = (index, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._position < self._size:
            index, start = divmod(self._position, self._chunk)
            piece = self._plain_chunk(index)[start : start + len(view) - done]
            view[done : done + len(piece)] = piece
            done += len(piece)
            self._position += len(piece)
        return done

    def close(self) -> None:
        if not self.closed:
            self._in.close()
        super().close()


def open_encrypted_write(path: str | Path) -> io.BufferedWriter:
    """A new owner-only encrypted file at ``path``; write plaintext to it, close it to finish it."""
    return io.BufferedWriter(EncryptingWriter(path), buffer_size=CHUNK_BYTES)


def open_encrypted_read(path: str | Path) -> io.BufferedReader:
    """The plaintext of an encrypted file, seekable; ``crypto.DecryptionError`` if it was tampered with."""
    return io.BufferedReader(DecryptingReader(path), buffer_size=CHUNK_BYTES)


def encrypt_file(source: str | Path, target: str | Path) -> int:
    """Copy ``source`` (plain) into the encrypted ``target``; returns the bytes copied."""
    copied = 0
    with open(source, "rb") as plain, open_encrypted_write(target) as out:
        while chunk := plain.read(1 << 20):
            out.write(chunk)
            copied += len(chunk)
    return copied


def key_version_of_file(path: str | Path) -> int:
    with open(path, "rb") as handle:
        header = handle.read(HEADER.size)
    if len(header) != HEADER.size or not header.startswith(MAGIC):
        raise crypto.DecryptionError(Path(path).name, "not an encrypted file")
    return HEADER.unpack(header)[1]
