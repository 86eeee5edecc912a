"""Test settings: tasks run inline, files go to a temporary folder, the legacy unit data is shared."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("CANCUOC_VAR_DIR", tempfile.mkdtemp(prefix="cancuoc-test-"))
os.environ.setdefault("CANCUOC_LEGACY_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "data"))

from cancuoc.settings import *  # noqa: E402,F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
