"""Key rotation: a new version is current at once, old values stay readable, rekey moves them over."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cancuoc import keyring
from cancuoc.accounts.permissions import PermissionDenied
from cancuoc.audit.models import AuditEntry
from cancuoc.protection import crypto, files, services
from cancuoc.registry import actions
from cancuoc.registry.models import Citizen

from .conftest import SENSITIVE, new_citizen


def stored_versions() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(SENSITIVE)} FROM registry_citizen")
        return {crypto.key_version_of(value) for row in cursor.fetchall() for value in row}


def test_rotate_then_rekey(officers, own_keys, settings, tmp_path):
    officer, admin = officers["thai_thuy"], officers["admin"]
    old = new_citizen(officer)
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.UPLOAD_ROOT.mkdir()
    with files.open_encrypted_write(settings.UPLOAD_ROOT / "a.upload") as out:
        out.write(b"an upload under version 1")
    assert stored_versions() == {1}

    key = services.rotate_data_key(admin)
    assert key.version == 2 and crypto.current_version() == 2
    assert AuditEntry.objects.filter(event="data_key_rotated", actor_username="admin").exists()
    # before any rekey: old rows still read, new writes use the new version
    assert Citizen.objects.get(pk=old.pk).religion == SENSITIVE["religion"]
    new = new_citizen(officer, id_number="034190000400", religion="Tin lành")
    assert stored_versions() == {1, 2}
    assert services.count_by_version() == {1: len(SENSITIVE), 2: len(SENSITIVE)}

    report = services.rekey(admin, batch_size=1)
    assert (report.rows, report.values, report.skipped, report.files) == (1, len(SENSITIVE), 0, 1)
    assert stored_versions() == {2}
    assert files.key_version_of_file(settings.UPLOAD_ROOT / "a.upload") == 2
    with files.open_encrypted_read(settings.UPLOAD_ROOT / "a.upload") as handle:
        assert handle.read() == b"an upload under version 1"
    assert Citizen.objects.get(pk=old.pk).religion == SENSITIVE["religion"]
    assert Citizen.objects.get(pk=new.pk).religion == "Tin lành"
    assert Citizen.objects.get(pk=old.pk).version == 1  # re-encryption is no change of the record
    entry = AuditEntry.objects.get(event="personal_data_rekeyed")
    assert entry.changes["values"] == len(SENSITIVE) and entry.actor_username == "admin"


def test_audit_values_sealed_under_an_old_version_still_open(officers, own_keys):
    from cancuoc.protection.snapshots import reveal_changes

    officer = officers["thai_thuy"]
    citizen = new_citizen(officer)
    services.rotate_data_key(officers["admin"])
    actions.update_citizen(officer, citizen, {"religion": "Cao Đài"}, reason="đính chính")
    changed = AuditEntry.objects.get(event="citizen_changed").changes["fields"]["religion"]
    assert [crypto.key_version_of(value["enc"]) for value in changed] == [2, 2]  # sealed when written
    created = AuditEntry.objects.get(event="citizen_created").changes
    assert crypto.key_version_of(created["after"]["religion"]["enc"]) == 1
    assert reveal_changes(created)["after"]["religion"] == SENSITIVE["religion"]


@pytest.mark.parametrize("user", ["thai_thuy", "hung_yen", "auditor", "production"])
def test_only_national_admins_rotate_and_rekey(officers, own_keys, user):
    crypto.current_version()  # version 1 exists
    with pytest.raises(PermissionDenied):
        services.rotate_data_key(officers[user])
    with pytest.raises(PermissionDenied):
        services.rekey(officers[user])
    assert sorted(p.name for p in own_keys.glob("personal-data.*")) == ["personal-data.1.key"]
    assert not AuditEntry.objects.filter(event__in=["data_key_rotated", "personal_data_rekeyed"]).exists()


def test_the_keys_command(officers, own_keys, capsys, settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    new_citizen(officers["thai_thuy"])
    call_command("keys", "rotate", "--user", "admin")
    call_command("keys", "status")
    status = capsys.readouterr().out
    assert "current 2" in status and f"version 1: {len(SENSITIVE)} values" in status
    call_command("keys", "rekey", "--user", "admin", "--batch-size", "10")
    output = capsys.readouterr().out
    assert "1 / 1 rows" in output and f"{len(SENSITIVE)} values in 1 rows re-encrypted" in output
    with pytest.raises(CommandError, match="may not do this"):
        call_command("keys", "rotate", "--user", "officer_thai_thuy")


def test_status_names_a_missing_key_version(officers, own_keys):
    new_citizen(officers["thai_thuy"])
    services.rotate_data_key(officers["admin"])
    (own_keys / "personal-data.1.key").rename(own_keys / "personal-data.1.key.away")
    crypto.forget_cached_keys()
    with pytest.raises(CommandError, match="missing"):
        call_command("keys", "status")


def test_status_finds_a_key_file_that_was_replaced(officers, own_keys, capsys):
    """E.g. the keys folder was lost and the demo made a new key under the old name."""
    import os

    new_citizen(officers["thai_thuy"])
    call_command("keys", "status")
    assert "every key version opens its values" in capsys.readouterr().out
    (own_keys / "personal-data.1.key").write_bytes(os.urandom(32))
    crypto.forget_cached_keys()
    with pytest.raises(CommandError, match=r"key versions \[1\] do not open"):
        call_command("keys", "status")


def test_rekey_never_overwrites_a_row_changed_meanwhile(officers, own_keys, monkeypatch):
    officer, admin = officers["thai_thuy"], officers["admin"]
    citizen = new_citizen(officer)
    services.rotate_data_key(admin)
    original = crypto.open_sealed
    changed = []

    def an_officer_changes_the_row_meanwhile(token, context, **kwargs):
        if not changed:
            changed.append(True)
            actions.update_citizen(officer, Citizen.objects.get(pk=citizen.pk), {"religion": "Cao Đài"},
                                   reason="đính chính")  # fmt: skip
        return original(token, context, **kwargs)

    monkeypatch.setattr(services.crypto, "open_sealed", an_officer_changes_the_row_meanwhile)
    first = services.rekey(admin)
    assert (first.rows, first.skipped) == (0, 1)
    assert Citizen.objects.get(pk=citizen.pk).religion == "Cao Đài"  # the officer's change is kept
    monkeypatch.setattr(services.crypto, "open_sealed", original)
    # the officer's save wrote every field under the new key already: nothing is left to do
    assert stored_versions() == {2}
    second = services.rekey(admin)
    assert (second.rows, second.skipped) == (0, 0)
    assert Citizen.objects.get(pk=citizen.pk).religion == "Cao Đài"


def test_create_makes_the_first_key_in_production_and_never_a_second(own_keys, monkeypatch, capsys):
    monkeypatch.setenv("CANCUOC_ENV", "production")  # where a missing key is an error, never made silently
    with pytest.raises(keyring.KeyMissing):
        crypto.current_version()
    call_command("keys", "create")
    assert crypto.current_version() == 1
    call_command("keys", "create")
    assert "already present" in capsys.readouterr().out
    assert [p.name for p in own_keys.iterdir()] == ["personal-data.1.key"]
