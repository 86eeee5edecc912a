"""The forms are versioned, and the package stays pure: importing it loads no Django."""

import json
import os
import pkgutil
import subprocess
import sys

import cancuoc.forms
from cancuoc.forms.versions import CC01_2024, CIRCULAR_2024, FormKind, form_for


def test_each_kind_of_form_has_its_2024_code():
    assert [form_for(kind).code for kind in FormKind] == ["CC01", "CC02", "CC03"]
    assert CC01_2024.label_vi == f"Mẫu CC01 — ban hành theo Thông tư {CIRCULAR_2024}"
    assert CC01_2024.label_en == f"Form CC01 — issued under Circular {CIRCULAR_2024}"


def test_a_form_of_rules_not_defined_is_not_guessed():
    import pytest

    with pytest.raises(KeyError):
        form_for(FormKind.CAPTURE_SHEET, rules="2015")


def test_every_module_of_the_package_imports_without_django():
    modules = sorted(f"cancuoc.forms.{info.name}" for info in pkgutil.iter_modules(cancuoc.forms.__path__))
    assert "cancuoc.forms.cc01" in modules and "cancuoc.forms.layout" in modules
    program = (
        "import importlib, json, sys\n"
        "import cancuoc.rules.workdays\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(name for name in sys.modules if name == 'django' or name.startswith('django.'))))\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", program], env=environment, capture_output=True, text=True,
                          check=True)  # fmt: skip
    assert json.loads(done.stdout) == []
