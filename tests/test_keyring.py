"""cancuoc.keyring: versioned secrets outside the database, cached per process."""

from pathlib import Path

import pytest

from cancuoc import keyring


@pytest.fixture
def keys(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCUOC_KEYS_DIR", str(tmp_path / "keys"))
    keyring.forget_cached_keys()
    yield tmp_path / "keys"
    keyring.forget_cached_keys()


def test_a_missing_key_is_created_owner_only_and_versions_count_up(keys):
    first = keyring.current("test-key")
    assert first.version == 1 and len(first.secret) == keyring.KEY_BYTES
    assert (keys / "test-key.1.key").read_bytes() == first.secret
    assert (keys / "test-key.1.key").stat().st_mode & 0o777 == 0o600 and keys.stat().st_mode & 0o777 == 0o700
    second = keyring.create_version("test-key")
    assert second.version == 2 and keyring.current("test-key") == second
    assert keyring.version("test-key", 1) == first and first.secret != second.secret


def test_keys_are_read_from_disk_once_per_process(keys, monkeypatch):
    keyring.current("test-key")
    keyring.forget_cached_keys()
    reads = []
    original = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or original(self))
    for _ in range(100):
        keyring.current("test-key")
        keyring.version("test-key", 1)
    assert reads == ["test-key.1.key"]


def test_a_rotation_by_another_process_is_seen_after_the_recheck_time(keys, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(keyring.time, "monotonic", lambda: clock[0])
    keyring.current("test-key")
    (keys / "test-key.2.key").write_bytes(b"\x01" * keyring.KEY_BYTES)  # written by another process
    assert keyring.current("test-key").version == 1
    clock[0] += keyring.CURRENT_RECHECK_SECONDS + 1
    assert keyring.current("test-key").version == 2


def test_production_never_creates_a_missing_key(keys, monkeypatch):
    monkeypatch.setenv("CANCUOC_ENV", "production")
    with pytest.raises(keyring.KeyMissing, match="test-key"):
        keyring.current("test-key")
    assert not keys.exists()


def test_a_damaged_key_file_is_refused(keys):
    keys.mkdir(mode=0o700)
    (keys / "test-key.1.key").write_bytes(b"short")
    with pytest.raises(keyring.KeyMissing, match="damaged"):
        keyring.current("test-key")


def test_each_keys_folder_has_its_own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCUOC_KEYS_DIR", str(tmp_path / "a"))
    in_a = keyring.current("test-key")
    monkeypatch.setenv("CANCUOC_KEYS_DIR", str(tmp_path / "b"))
    in_b = keyring.current("test-key")
    assert in_a.secret != in_b.secret
    keyring.forget_cached_keys()
