"""Secret keys that the database must never hold: the audit-log MAC key, the data-encryption keys.

Each named key has numbered versions in ``CANCUOC_KEYS_DIR`` (default ``var/keys``), one file per version
(``<name>.<version>.key``, 32 random bytes, owner-only). The highest version is current; older versions stay
readable so that what they protected can still be read or verified (rotation). In the demo and the tests a
missing key is created on first use; in production (``CANCUOC_ENV=production``) a missing key is an error,
so that a fresh, empty keys folder can never silently replace the real one.

Keys are cached per process: a version's secret never changes, so it is read once; which version is
current is looked up again at most every ``CURRENT_RECHECK_SECONDS`` (a rotation done by another process,
``cancuoc keys rotate``, reaches running servers within that time without a restart).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

KEY_BYTES = 32
CURRENT_RECHECK_SECONDS = 30.0
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


# (folder, name, version) → Key; (folder, name) → (monotonic time looked up, current version)
_keys: dict[tuple[Path, str, int], Key] = {}
_current: dict[tuple[Path, str], tuple[float, int]] = {}
_dirs: dict[tuple, Path] = {}
_lock = threading.Lock()


def forget_cached_keys() -> None:
    """Drop every cached key (tests that swap key folders; an operator's restored folder)."""
    with _lock:
        _keys.clear()
        _current.clear()


def keys_dir() -> Path:
    configured, var_dir = os.environ.get("CANCUOC_KEYS_DIR"), settings.VAR_DIR
    folder = _dirs.get((configured, var_dir))
    if folder is None:  # building the Path costs more than the encryption it serves: once per setting
        folder = _dirs[(configured, var_dir)] = Path(configured or Path(var_dir) / "keys")
    return folder


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
    cache_key = (path.parent, name, version)
    cached = _keys.get(cache_key)
    if cached is not None:
        return cached
    secret = path.read_bytes()
    if len(secret) != KEY_BYTES:
        raise KeyMissing(f"{name}.{version} (damaged: {len(secret)} bytes)", path.parent)
    key = Key(name, version, secret)
    with _lock:
        _keys[cache_key] = key
    return key


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
    key = Key(name, version, secret)
    with _lock:
        _keys[(folder, name, version)] = key
        _current[(folder, name)] = (time.monotonic(), version)
    return key


def current(name: str) -> Key:
    folder = keys_dir()
    seen = _current.get((folder, name))
    if seen is not None and time.monotonic() - seen[0] < CURRENT_RECHECK_SECONDS:
        key = _keys.get((folder, name, seen[1]))
        if key is not None:
            return key
    versions = _versions(name)
    if not versions:
        if not _may_create():
            raise KeyMissing(name, keys_dir())
        try:
            return create_version(name)
        except FileExistsError:  # another process created it at the same moment
            versions = _versions(name)
    version = max(versions)
    key = _read(name, version, versions[version])
    with _lock:
        _current[(folder, name)] = (time.monotonic(), version)
    return key


def version(name: str, number: int) -> Key:
    cached = _keys.get((keys_dir(), name, number))
    if cached is not None:
        return cached
    path = _versions(name).get(number)
    if path is None:
        raise KeyMissing(f"{name}.{number}", keys_dir())
    return _read(name, number, path)
