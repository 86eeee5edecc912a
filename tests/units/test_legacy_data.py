"""The pre-2025 unit list is read from what `make install` fetched; loading never downloads it."""

import subprocess

import pytest
from django.core.management import CommandError, call_command

from cancuoc.units import loading
from cancuoc.units.models import AdministrativeUnit


@pytest.fixture
def no_legacy_wheel(tmp_path, monkeypatch):
    monkeypatch.setenv("CANCUOC_LEGACY_DATA_DIR", str(tmp_path))

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started while loading units: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)
    return tmp_path


def test_a_missing_wheel_is_named_with_the_install_step_and_nothing_is_fetched(no_legacy_wheel):
    with pytest.raises(loading.LegacyUnitsMissing) as raised:
        loading.legacy_data_path()
    assert "make install" in str(raised.value) and str(no_legacy_wheel) in str(raised.value)
    assert list(no_legacy_wheel.iterdir()) == []


@pytest.mark.django_db
def test_units_load_without_the_wheel_fails_clearly_and_loads_nothing(no_legacy_wheel):
    with pytest.raises(CommandError, match="make install"):
        call_command("units", "load")
    assert not AdministrativeUnit.objects.exists()


def test_the_wheel_is_read_from_the_checkout_not_the_var_folder(settings, monkeypatch):
    monkeypatch.delenv("CANCUOC_LEGACY_DATA_DIR", raising=False)
    assert loading.legacy_data_folder() == settings.BASE_DIR / "var" / "data"
    assert loading.legacy_data_path().is_file()
