"""Secret keys that the database must never hold: the audit-log MAC key, the data-encryption keys.

Each named key has numbered versions in ``CANCUOC_KEYS_DIR`` (default ``var/keys``), one file per version
(``<name>.<version>.key``, 32 random bytes, owner-only). The highest version is current; older versions stay
readable so that what they protected can still be read or verified (rotation). In the demo and the tests a
missing key is created on first use; in production (``CANCUOC_ENV=production``) a missing key is an error,
so that a fresh, empty keys folder can never silently replace the real one.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
_FILE = re.compile(r"^(?P<name>[a-z0-9_-]+)\.(?P<version>\d+)\.key$")


class KeyMissing(Exception):
    def __init__(self, name: str, folder: Path):
        super().__init__(
            f"Thiếu khóa bí mật '{name}' trong {folder} (CANCUOC_KEYS_DIR) / "
            f"secret key '{name}' is missing from {folder} (CANCUOC_KEYS_DIR)"
        )


@dataclass(frozen=True)
class Key:
    name: str
    version: int
    secret: bytes


def keys_dir() -> Path:
    from django.conf import settings

    return Path(os.environ.get("CANCUOC_KEYS_DIR") or Path(settings.VAR_DIR) / "keys")


def _versions(name: str) -> dict[int, Path]:
    folder = keys_dir()
    if not folder.is_dir():
        return {}
    found = {}
    for path in folder.iterdir():
        match = _FILE.match(path.name)
        if match and match["name"] == name:
            found[int(match["version"])] = path
    return found


def _read(name: str, version: int, path: Path) -> Key:
    secret = path.read_bytes()
    if len(secret) != KEY_BYTES:
        raise KeyMissing(f"{name}.{version} (damaged: {len(secret)} bytes)", path.parent)
    return Key(name, version, secret)


def _may_create() -> bool:
    return os.environ.get("CANCUOC_ENV") != "production"


def create_version(name: str) -> Key:
    """A new random version of ``name``, written owner-only; it becomes the current one (rotation)."""
    folder = keys_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    version = max(_versions(name), default=0) + 1
    path = folder / f"{name}.{version}.key"
    secret = secrets.token_bytes(KEY_BYTES)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(secret)
    return Key(name, version, secret)


def current(name: str) -> Key:
    versions = _versions(name)
    if not versions:
        if not _may_create():
            raise KeyMissing(name, keys_dir())
        try:
            return create_version(name)
        except FileExistsError:  # another process created it at the same moment
            versions = _versions(name)
    version = max(versions)
    return _read(name, version, versions[version])


def version(name: str, number: int) -> Key:
    path = _versions(name).get(number)
    if path is None:
        raise KeyMissing(f"{name}.{number}", keys_dir())
    return _read(name, number, path)
