"""The production file for the card printer and the chip keys inside it, pure: no Django import.
docs/production-file.md describes the format for the printer's side.

A production file is a ZIP archive (entries stored, not compressed: the faces are PNG already) holding
``batch.json``, one folder per card (``cards/<position>-<serial>/``: ``card.json``, the chip image under
``chip/``, ``front.png`` and ``back.png``) and, last, ``manifest.json`` with the size and SHA-256 of every
other entry. Entries carry a fixed timestamp, so assembling the same cards again gives the same bytes.

The chip's Active Authentication private key is the only secret: it is sealed to the personalisation
machine's X25519 public key (an ephemeral X25519 key agreement, HKDF-SHA256, AES-256-GCM; the batch code
and card serial are the associated data, so an envelope cannot be moved to another card) and stored as
``chip/chip_aa_private_key.der.cck``. Nothing else in the file is secret to the printer.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "cancuoc-production-file/1"
ENVELOPE_MAGIC = b"CCK1"
ENVELOPE_ALGORITHM = "X25519-HKDF-SHA256-AES-256-GCM"
HKDF_INFO = b"cancuoc production chip key v1"
CHIP_KEY_ENTRY = "chip/chip_aa_private_key.der.cck"
MANIFEST = "manifest.json"
BATCH_HEADER = "batch.json"
ZIP_TIME = (2025, 7, 1, 0, 0, 0)  # fixed: the same cards give the same file
# the chip image of a personalised card, as written to the chip (the AA private key goes sealed, apart)
CHIP_FILES = ("EF_COM.bin", "EF_SOD.bin", "DG1.bin", "DG2.bin", "DG13.bin", "DG14.bin", "DG15.bin")
FACE_FILES = ("front.png", "back.png")


class EnvelopeError(ValueError):
    """An envelope that is not one, or that does not open with this key and these associated data."""


# --- the personalisation machine's key ------------------------------------------------------------------


def generate_machine_key() -> tuple[bytes, bytes]:
    """(private key PEM, public key PEM) of a new personalisation-machine key pair."""
    private = X25519PrivateKey.generate()
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())  # fmt: skip
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip
    return private_pem, public_pem


def load_public_key(pem: bytes) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise EnvelopeError("not a PEM public key") from error
    if not isinstance(key, X25519PublicKey):
        raise EnvelopeError("not an X25519 public key")
    return key


def load_private_key(pem: bytes, password: bytes | None = None) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except (ValueError, TypeError) as error:
        raise EnvelopeError("not a PEM private key (or a wrong password)") from error
    if not isinstance(key, X25519PrivateKey):
        raise EnvelopeError("not an X25519 private key")
    return key


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def machine_key_id(public: X25519PublicKey) -> str:
    """Names the machine key a file was sealed to: the first 16 hex digits of SHA-256 of the raw key."""
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=HKDF_INFO).derive(shared)


def seal_chip_key(private_der: bytes, machine: X25519PublicKey, *, associated: bytes) -> bytes:
    """``CCK1 | ephemeral public key (32) | nonce (12) | AES-256-GCM ciphertext and tag``."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    key = _key(ephemeral.exchange(machine), ephemeral_raw, _raw(machine))
    nonce = os.urandom(12)
    return ENVELOPE_MAGIC + ephemeral_raw + nonce + AESGCM(key).encrypt(nonce, private_der, associated)


def open_chip_key(envelope: bytes, machine: X25519PrivateKey, *, associated: bytes) -> bytes:
    """What the personalisation machine does: the chip's private key (DER) back from its envelope."""
    if len(envelope) < 4 + 32 + 12 + 16 or envelope[:4] != ENVELOPE_MAGIC:
        raise EnvelopeError("not a chip key envelope")
    ephemeral_raw, nonce, sealed = envelope[4:36], envelope[36:48], envelope[48:]
    try:
        shared = machine.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        key = _key(shared, ephemeral_raw, _raw(machine.public_key()))
        return AESGCM(key).decrypt(nonce, sealed, associated)
    except (InvalidTag, ValueError) as error:
        raise EnvelopeError("the envelope does not open with this key") from error


def chip_key_associated_data(batch_code: str, serial: str) -> bytes:
    return f"{batch_code}/{serial}".encode("ascii")


# --- one card's entries (the spool entry while the batch runs) --------------------------------------------


def card_folder(position: int, serial: str) -> str:
    return f"cards/{position:05d}-{serial}/"


def card_entries(card_json: dict, chip_files: dict[str, bytes], chip_key_envelope: bytes,
                 faces: dict[str, bytes]) -> dict[str, bytes]:  # fmt: skip
    """The entries of one card, by name relative to its folder."""
    entries = {"card.json": canonical_json(card_json)}
    entries.update({f"chip/{name}": chip_files[name] for name in CHIP_FILES})
    entries[CHIP_KEY_ENTRY] = chip_key_envelope
    entries.update({name: faces[name] for name in FACE_FILES})
    return entries


def canonical_json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(entries):
            archive.writestr(_info(name), entries[name])
    return buffer.getvalue()


def read_zip(data_or_path) -> dict[str, bytes]:
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes | bytearray) else data_or_path
    with zipfile.ZipFile(source) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_atomically(path: Path, data: bytes, *, temporary: Path | None = None) -> None:
    """``data`` at ``path`` whole or not at all (written beside it, flushed to disk, renamed over it)."""
    temporary = temporary or path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- the production file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    sha256: str  # of the whole file
    manifest_sha256: str  # of manifest.json
    size: int
    cards: int


def write_production_file(path: Path, header: dict, cards: Iterable[tuple[str, dict[str, bytes]]]) -> WrittenFile:
    """The production file at ``path`` (atomically): ``header`` as batch.json, each card's entries under
    its folder (``cards`` yields (folder, entries)), the manifest last; then a copy of the manifest beside
    it (``<name>.manifest.json``) carrying the whole file's SHA-256, for checking a transfer."""
    temporary = path.with_name(path.name + ".tmp")
    listed: list[dict] = []
    count = 0
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(_info(name), data)
            listed.append({"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})

        put(BATCH_HEADER, canonical_json({**header, "format": FORMAT}))
        for folder, entries in cards:
            count += 1
            for name in sorted(entries):
                put(folder + name, entries[name])
        manifest = canonical_json({"format": FORMAT, "batch": header.get("batch", ""), "cards": count,
                                   "entries": listed})  # fmt: skip
        archive.writestr(_info(MANIFEST), manifest)
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    digest = _file_sha256(temporary)
    os.replace(temporary, path)
    manifest_sha256 = hashlib.sha256(manifest).hexdigest()
    sidecar = json.loads(manifest)
    sidecar.update({"file": path.name, "file_sha256": digest, "manifest_sha256": manifest_sha256})
    write_atomically(path.with_name(path.name + ".manifest.json"), canonical_json(sidecar))
    return WrittenFile(path, digest, manifest_sha256, path.stat().st_size, count)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class FileCheck:
    ok: bool
    cards: int
    problems: tuple[str, ...]
    manifest_sha256: str


def check_production_file(path: Path) -> FileCheck:
    """Every entry against the manifest (size and SHA-256), nothing missing, nothing extra."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                return FileCheck(False, 0, ("manifest.json missing",), "")
            manifest_bytes = archive.read(MANIFEST)
            manifest = json.loads(manifest_bytes)
            listed = {item["name"]: item for item in manifest.get("entries", [])}
            for name in sorted(names - {MANIFEST}):
                item = listed.get(name)
                if item is None:
                    problems.append(f"{name}: not in the manifest")
                    continue
                data = archive.read(name)
                if len(data) != item["size"] or hashlib.sha256(data).hexdigest() != item["sha256"]:
                    problems.append(f"{name}: SHA-256 differs from the manifest")
            problems.extend(f"{name}: listed but missing" for name in sorted(set(listed) - names))
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, TypeError) as error:
        return FileCheck(False, 0, (f"unreadable: {error}",), "")
    return FileCheck(not problems, int(manifest.get("cards", 0)), tuple(problems),
                     hashlib.sha256(manifest_bytes).hexdigest())  # fmt: skip


def iter_cards(path: Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(folder, entries relative to it) of every card of a production file, in file order."""
    with zipfile.ZipFile(path) as archive:
        folders: dict[str, dict[str, bytes]] = {}
        for name in archive.namelist():
            if name.startswith("cards/"):
                folder, _slash, rest = name[len("cards/"):].partition("/")
                folders.setdefault(f"cards/{folder}/", {})[rest] = archive.read(name)
        yield from folders.items()
