"""Files the application creates are readable by their owner only."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from cancuoc import keyring
from cancuoc.imports import services as imports

ROOT = Path(__file__).resolve().parents[2]


def run_cancuoc(var_dir: Path, code: str) -> None:
    env = {**os.environ, "CANCUOC_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "cancuoc.settings"}
    env.pop("DATABASE_URL", None)  # the embedded SQLite database in var_dir
    # started with the usual umask 022: the entry point itself must make files owner-only
    subprocess.run(
        [sys.executable, "-c", f"import os, sys; os.umask(0o022); from cancuoc.cli import main; main({['cancuoc', 'shell', '-c', code]!r})"],
        env=env, cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def test_a_new_sqlite_database_is_owner_only(tmp_path):
    run_cancuoc(tmp_path, "from django.db import connection; connection.ensure_connection()")
    database = tmp_path / "cancuoc.sqlite3"
    assert database.exists() and database.stat().st_mode & 0o777 == 0o600


def test_an_existing_world_readable_database_is_made_owner_only(tmp_path):
    database = tmp_path / "cancuoc.sqlite3"
    database.touch()
    database.chmod(0o644)
    run_cancuoc(tmp_path, "from django.db import connection; connection.ensure_connection()")
    assert database.stat().st_mode & 0o777 == 0o600


def test_a_key_file_and_its_folder_are_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCUOC_KEYS_DIR", str(tmp_path / "keys"))
    old = os.umask(0o022)
    try:
        keyring.create_version("test-only")
    finally:
        os.umask(old)
        keyring.forget_cached_keys()
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "keys" / "test-only.1.key").stat().st_mode & 0o777 == 0o600


def test_an_upload_is_stored_encrypted_and_owner_only(officers):
    content = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã thường trú\n"
    content += "034090000001,Nguyễn Văn An,15/03/1990,Nam,Tày,12730\n"
    old = os.umask(0o022)
    try:
        job = imports.create_job(
            officers["thai_thuy"], SimpleUploadedFile("a.csv", content.encode()), "a.csv"
        )
    finally:
        os.umask(old)
    stored = Path(job.stored_path)
    assert stored.stat().st_mode & 0o777 == 0o600
    raw = stored.read_bytes()
    assert b"034090000001" not in raw and "Nguyễn".encode() not in raw
