"""Test settings: tasks run inline, files go to a temporary folder. The pre-2025 unit list is read from the
checkout's var/data, where `make install` put it (tests download nothing)."""

import os
import tempfile

os.environ.setdefault("CANCUOC_VAR_DIR", tempfile.mkdtemp(prefix="cancuoc-test-"))

from cancuoc.settings import *  # noqa: E402,F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
