"""The portrait package stays pure: importing every module of ``cancuoc.faces`` loads no Django, and importing
the package does not load MediaPipe or dlib (they load on first use)."""

import json
import os
import pkgutil
import subprocess
import sys

import cancuoc.faces


def test_every_module_imports_without_django_and_the_package_without_the_models():
    modules = sorted(f"cancuoc.faces.{info.name}" for info in pkgutil.iter_modules(cancuoc.faces.__path__))
    assert {"cancuoc.faces.quality", "cancuoc.faces.crop", "cancuoc.faces.template"} <= set(modules)
    program = (
        "import importlib, json, sys\n"
        "import cancuoc.faces\n"
        "heavy = sorted(name for name in ('mediapipe', 'dlib') if name in sys.modules)\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "django = sorted(name for name in sys.modules if name == 'django' or name.startswith('django.'))\n"
        "print(json.dumps([django, heavy]))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", program], env=environment, capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert json.loads(done.stdout) == [[], []]
