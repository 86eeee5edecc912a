"""`cancuoc abis insert/identify/delete` through the queue and the reference engine, on synthetic prints:
the second impression of an enrolled person's fingers finds that person; a stranger matches nobody."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.biometrics.models import AbisGalleryEntry, AbisRequest

pytestmark = pytest.mark.django_db


def identify(folder, capsys, *extra):
    call_command("abis", "identify", str(folder), "--json", *extra)
    return json.loads(capsys.readouterr().out)


def test_insert_identify_delete(finger_folders, capsys):
    call_command("abis", "insert", "APP-1", str(finger_folders[(1, 1)]))
    call_command("abis", "insert", "APP-2", str(finger_folders[(2, 1)]))
    assert "APP-2" in capsys.readouterr().out
    found = identify(finger_folders[(1, 2)], capsys)["candidates"]
    assert found[0]["reference"] == "APP-1" and found[0]["match"] is True
    assert all(not c["match"] for c in found[1:])
    assert [c["score"] for c in found] == sorted((c["score"] for c in found), reverse=True)
    stranger = identify(finger_folders[(3, 2)], capsys)["candidates"]
    assert not any(c["match"] for c in stranger)
    call_command("abis", "delete", "APP-1")
    assert "APP-1" in capsys.readouterr().out
    after = identify(finger_folders[(1, 2)], capsys)["candidates"]
    assert not any(c["reference"] == "APP-1" for c in after)
    assert AuditEntry.objects.filter(event=Event.ABIS_REQUEST_COMPLETED).count() == 6


def test_the_gallery_holds_only_ciphertext(finger_folders):
    call_command("abis", "insert", "APP-9", str(finger_folders[(1, 1)]))
    stored = bytes(AbisGalleryEntry.objects.get(reference="APP-9").templates)
    assert stored.startswith(b"E1") and b"FMR\x00" not in stored


def test_identify_by_enrolled_reference_finds_the_other_enrolment_of_the_same_person(finger_folders, capsys):
    call_command("abis", "insert", "FIRST", str(finger_folders[(1, 1)]))
    call_command("abis", "insert", "AGAIN", str(finger_folders[(1, 2)]))  # the same person enrolled twice
    call_command("abis", "insert", "OTHER", str(finger_folders[(2, 1)]))
    capsys.readouterr()
    call_command("abis", "identify", "--reference", "AGAIN", "--json")
    found = json.loads(capsys.readouterr().out)["candidates"]
    assert found[0]["reference"] == "FIRST" and found[0]["match"]
    assert "AGAIN" not in [c["reference"] for c in found]


def test_a_repeated_request_id_is_answered_once(finger_folders, capsys):
    call_command("abis", "insert", "APP-1", str(finger_folders[(1, 1)]), "--request-id", "req-1")
    call_command("abis", "insert", "APP-1", str(finger_folders[(1, 1)]), "--request-id", "req-1")
    assert AbisRequest.objects.filter(request_id="req-1").count() == 1
    with pytest.raises(CommandError, match="req-1"):
        call_command("abis", "insert", "APP-1", str(finger_folders[(2, 1)]), "--request-id", "req-1")


@pytest.mark.parametrize("setup", ["missing", "empty", "garbage", "bad-name"])
def test_bad_folders_give_a_clean_bilingual_error(tmp_path, setup):
    folder = tmp_path / "f"
    if setup != "missing":
        folder.mkdir()
    if setup == "garbage":
        (folder / "1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    if setup == "bad-name":
        (folder / "11.png").write_bytes(b"x")
    with pytest.raises(CommandError) as error:
        call_command("abis", "insert", "APP-1", str(folder))
    assert " / " in str(error.value)  # Vietnamese / English
    assert not AbisGalleryEntry.objects.exists() and not AbisRequest.objects.exists()


def test_unknown_reference_and_unknown_user(finger_folders):
    with pytest.raises(CommandError, match="NOPE"):
        call_command("abis", "identify", "--reference", "NOPE")
    with pytest.raises(CommandError, match="no such user"):
        call_command("abis", "delete", "X", "--user", "nobody")
