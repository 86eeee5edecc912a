"""Loaded before Django is set up: tests run tasks inline and keep their files in a temporary folder."""

import os
import tempfile

os.environ.setdefault("CANCUOC_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("CANCUOC_VAR_DIR", tempfile.mkdtemp(prefix="cancuoc-test-"))
os.environ.setdefault("CANCUOC_LEGACY_DATA_DIR", os.path.join(os.path.dirname(__file__), "var", "data"))
