"""The commands the acceptance checks call: `production batch --province CODE` and `production resume`, and
the quality-control, dispatch, machine-key, check-file and export subcommands; bad input is a bilingual
CommandError, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.cards.models import Card
from cancuoc.production import fileformat, running
from cancuoc.production.models import ProductionBatch

from .conftest import make_ready

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("production", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_batch_creates_and_runs_then_resume_has_nothing_left(production):
    make_ready(production, "thai_thuy", 2)
    make_ready(production, "ba_dinh", 1)
    out = run("batch", "--province", "33", "--user", "production")
    batch = ProductionBatch.objects.get()
    assert batch.code in out and "2 thẻ / cards" in out and batch.state == ProductionBatch.State.PRODUCED
    assert batch.file_sha256 in out
    assert "no unfinished batch" in run("resume")
    with pytest.raises(CommandError, match="nothing left to run"):
        run("resume", batch.code)


def test_resume_without_a_name_takes_up_every_unfinished_batch(production, monkeypatch):
    make_ready(production, "thai_thuy", 2)
    make_ready(production, "ba_dinh", 2)
    real = running.make_card

    def dies(item, context):
        raise RuntimeError("killed")

    monkeypatch.setattr(running, "make_card", dies)
    with pytest.raises(CommandError, match="stopped at card .*: RuntimeError: killed. Run `cancuoc production resume"):
        run("batch", "--province", "33")
    run("batch", "--province", "01", "--no-run")
    monkeypatch.setattr(running, "make_card", real)
    out = run("resume")
    assert set(ProductionBatch.objects.values_list("state", flat=True)) == {"produced"}
    assert all(batch.code in out for batch in ProductionBatch.objects.all())
    assert set(Card.objects.values_list("state", flat=True)) == {"personalised"}


@pytest.mark.parametrize("args, words", [
    (("batch", "--province", "99"), "no province with code «99»"),
    (("batch", "--province", "33"), "no application of Tỉnh Hưng Yên"),
    (("batch", "--province", "33", "--user", "nobody"), "no such user nobody"),
    (("batch", "--province", "33", "--user", "officer_thai_thuy"), "may not do this"),
    (("batch", "--province", "33", "--limit", "-4"), "between 1 and"),
    (("batch", "--province", "33", "--priority", "soon"), "no priority «soon»"),
    (("resume", "SX99-nothing"), "production batch «SX99-nothing» not found"),
    (("qc", "nope", "--pass-rest"), "not found"),
    (("dispatch", "x" * 300), "not found"),
    (("check-file", "missing-batch"), "not found"),
    (("machine-key", "--public", "/nonexistent.pem"), "not configured"),
])  # fmt: skip
def test_bad_input_is_a_bilingual_command_error(production, args, words):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert words in str(error.value) and " / " in str(error.value)


def test_machine_key_creates_a_pair_and_refuses_to_replace_it_silently(production, tmp_path):
    private = tmp_path / "machine.pem"
    with pytest.raises(CommandError, match="already configured"):
        run("machine-key", "--private-out", str(private))  # the fixture configured one
    out = run("machine-key", "--private-out", str(private), "--force")
    assert "id" in out and private.stat().st_mode & 0o077 == 0
    key = fileformat.load_private_key(private.read_bytes())
    assert fileformat.machine_key_id(key.public_key()) == fileformat.machine_key_id(running.load_machine_key())
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(CommandError, match="not a valid X25519 key"):
        run("machine-key", "--public", str(garbage), "--force")
    # the one installation is audited; the refusals changed nothing and left no entry
    installed = AuditEntry.objects.filter(event="machine_key_installed")
    assert [(e.object_id, e.changes["generated_here"]) for e in installed] == [
        (fileformat.machine_key_id(key.public_key()), True)
    ]
    public = tmp_path / "public.pem"
    public.write_bytes(running.machine_public_key_path().read_bytes())
    run("machine-key", "--public", str(public), "--force")
    installed = AuditEntry.objects.filter(event="machine_key_installed").order_by("pk")
    assert [e.changes["generated_here"] for e in installed] == [True, False]


def test_qc_dispatch_check_and_export(production, tmp_path):
    make_ready(production, "thai_thuy", 2)
    make_ready(production, "dong_thuy_anh", 1)
    run("batch", "--province", "33")
    batch = ProductionBatch.objects.get()
    serials = list(batch.items.order_by("position").values_list("card__serial", flat=True))
    with pytest.raises(CommandError, match="a reason is required"):
        run("qc", batch.code, "--spoil", serials[0])
    out = run("qc", batch.code, "--spoil", serials[0], "--reason", "vết xước / scratched", "--pass-rest",
              "--user", "production")  # fmt: skip
    assert "2 đạt / passed, 1 hỏng / spoiled" in out
    batch.refresh_from_db()
    assert (batch.passed_count, batch.spoiled_count) == (2, 1)
    assert ProductionBatch.objects.get(remakes=batch).card_count == 1
    lists = tmp_path / "lists"
    out = run("dispatch", batch.code, "--lists", str(lists), "--user", "production")
    pdfs = sorted(lists.glob("*.pdf"))
    assert len(pdfs) == 2 and all(p.read_bytes()[:5] == b"%PDF-" for p in pdfs)
    assert "VALID" in run("check-file", batch.code)
    out = run("export", batch.code, "--out", str(tmp_path / "printer"), "--user", "production")
    copied = Path(out.strip())
    assert copied.read_bytes() == Path(batch.file_path).read_bytes()
    assert AuditEntry.objects.filter(event=Event.PRODUCTION_FILE_EXPORTED, object_id=batch.code).exists()
    # a damaged file is reported NOT VALID with the entry that differs
    damaged = tmp_path / "damaged.zip"
    data = bytearray(copied.read_bytes())
    at = data.find(b"\x89PNG") + 100
    data[at] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with pytest.raises(SystemExit):
        run("check-file", str(damaged))
