"""Duplicate detection stays pure: importing every module of ``cancuoc.dedup`` loads no Django."""

import json
import os
import pkgutil
import subprocess
import sys

import cancuoc.dedup


def test_every_module_of_the_package_imports_without_django():
    modules = sorted(f"cancuoc.dedup.{info.name}" for info in pkgutil.iter_modules(cancuoc.dedup.__path__))
    assert "cancuoc.dedup.index" in modules and "cancuoc.dedup.batch" in modules
    program = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(name for name in sys.modules if name == 'django' or name.startswith('django.'))))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", program], env=environment, capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert json.loads(done.stdout) == []
