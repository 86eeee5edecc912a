"""Creating and running a batch: the cards, the production file, the sealed chip keys, and a run killed
half-way that resumes without issuing a serial or a chip key twice and without losing a card."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cancuoc.audit.models import AuditEntry, Event
from cancuoc.cards.models import Card, SerialCounter
from cancuoc.icao import biometrics
from cancuoc.icao.personalisation import active_authentication
from cancuoc.production import actions, fileformat, running
from cancuoc.production.errors import ProductionError
from cancuoc.production.errors import ProductionErrorCode as Code
from cancuoc.production.models import BatchItem, ProductionBatch
from tests.cardworld import chip_jpeg

from .conftest import make_ready

pytestmark = pytest.mark.django_db


def _file_cards(batch: ProductionBatch) -> dict[str, dict[str, bytes]]:
    return {json.loads(entries["card.json"])["serial"]: entries
            for _folder, entries in fileformat.iter_cards(Path(batch.file_path))}  # fmt: skip


def test_a_batch_takes_the_provinces_approved_applications_most_urgent_first(production):
    normal = make_ready(production, "thai_thuy", 2)
    urgent = make_ready(production, "dong_thuy_anh", 1, kind="reissue")
    make_ready(production, "ba_dinh", 1)  # Hà Nội: another province
    operator = production["officers"]["production"]
    batch = actions.create_batch(operator, "33")
    items = list(batch.items.select_related("application", "card").order_by("position"))
    assert [item.application for item in items] == [urgent[0], *normal]
    assert batch.priority == ProductionBatch.Priority.URGENT and batch.card_count == 3
    assert {item.card.state for item in items} == {"ordered"}
    assert len({item.card.serial for item in items}) == 3
    assert AuditEntry.objects.filter(event=Event.PRODUCTION_BATCH_CREATED, object_id=batch.code).count() == 1
    # the same applications are not taken again while their cards are in the making
    with pytest.raises(ProductionError) as refused:
        actions.create_batch(operator, "33")
    assert refused.value.code == Code.NOTHING_TO_PRODUCE


def test_commune_officers_cannot_create_batches_and_bad_input_is_refused(production):
    from cancuoc.accounts.permissions import PermissionDenied

    make_ready(production, "thai_thuy", 1)
    with pytest.raises(PermissionDenied):
        actions.create_batch(production["officers"]["thai_thuy"], "33")
    for code, expected in (("99", Code.PROVINCE_UNKNOWN), ("'; drop", Code.PROVINCE_UNKNOWN), ("", Code.PROVINCE_UNKNOWN)):
        with pytest.raises(ProductionError) as error:
            actions.create_batch(None, code)
        assert error.value.code == expected
    with pytest.raises(ProductionError) as error:
        actions.create_batch(None, "33", limit=0)
    assert error.value.code == Code.LIMIT_INVALID
    assert not ProductionBatch.objects.exists() and not Card.objects.exists()


def test_a_run_personalises_every_card_and_writes_one_production_file(production):
    applications = make_ready(production, "thai_thuy", 3)
    batch = actions.create_batch(None, "33")
    seen = []
    batch = running.run_batch(batch.pk, progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert batch.state == ProductionBatch.State.PRODUCED and batch.personalised_count == 3
    assert ("personalising", 3, 3) in seen
    check = fileformat.check_production_file(Path(batch.file_path))
    assert check.ok and check.cards == 3 and check.manifest_sha256 == batch.manifest_sha256
    sidecar = json.loads(Path(batch.file_path + ".manifest.json").read_text())
    assert sidecar["file_sha256"] == batch.file_sha256
    cards = {card.serial: card for card in Card.objects.filter(production_item__batch=batch)}
    in_file = _file_cards(batch)
    assert set(in_file) == set(cards)
    portrait = chip_jpeg()
    for serial, entries in in_file.items():
        card = cards[serial]
        assert card.state == "personalised" and card.issue_date and card.printed_residence_unit_id
        assert fileformat.CHIP_KEY_ENTRY in entries and "chip/chip_aa_private_key.der" not in entries
        # the enrolled portrait is in DG2; the faces are PNG
        assert biometrics.parse_dg2(entries["chip/DG2.bin"]).data == portrait
        assert entries["front.png"][:8] == b"\x89PNG\r\n\x1a\n"
        meta = json.loads(entries["card.json"])
        assert meta["sod_sha256"] == card.sod_sha256
        # the machine opens the key; it answers the chip's Active Authentication against DG15
        key = fileformat.open_chip_key(entries[fileformat.CHIP_KEY_ENTRY], production["machine_key"],
                                       associated=fileformat.chip_key_associated_data(batch.code, serial))  # fmt: skip
        assert active_authentication(entries["chip/DG15.bin"], key, b"challenge")
        # sealed to this card: moved to another card, it does not open
        with pytest.raises(fileformat.EnvelopeError):
            fileformat.open_chip_key(entries[fileformat.CHIP_KEY_ENTRY], production["machine_key"],
                                     associated=fileformat.chip_key_associated_data(batch.code, "C26999999999"))  # fmt: skip
    # the spool (sealed keys while the batch ran) is gone: the production file is the only copy
    assert not running.spool_folder(batch).exists()
    assert AuditEntry.objects.filter(event=Event.PRODUCTION_BATCH_FINISHED, object_id=batch.code).count() == 1
    assert AuditEntry.objects.filter(event=Event.CARD_PERSONALISED, object_type="card").count() == 3
    assert {a.pk for a in applications} == set(batch.items.values_list("application", flat=True))


def test_a_run_killed_half_way_resumes_without_a_second_serial_or_key_and_loses_no_card(production, monkeypatch):
    make_ready(production, "thai_thuy", 5)
    batch = actions.create_batch(None, "33")
    counter_before = SerialCounter.objects.get().next_number
    real = running.make_card
    calls = []

    def dies_at_the_third(item, context):
        calls.append(item.card.serial)
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return real(item, context)

    monkeypatch.setattr(running, "make_card", dies_at_the_third)
    with pytest.raises(RuntimeError):
        running.run_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.state == ProductionBatch.State.INTERRUPTED and "power cut" in batch.error_en
    states = list(batch.items.order_by("position").values_list("card__state", flat=True))
    assert states == ["personalised", "personalised", "ordered", "ordered", "ordered"]
    first_two = {item.card.serial: item.card.sod_sha256 for item in batch.items.select_related("card")[:2]}
    monkeypatch.setattr(running, "make_card", real)
    batch = running.run_batch(batch.pk)
    assert batch.state == ProductionBatch.State.PRODUCED
    # no serial allocated by the resume, each card made once, none lost
    assert SerialCounter.objects.get().next_number == counter_before
    assert Card.objects.count() == 5 and set(Card.objects.values_list("state", flat=True)) == {"personalised"}
    in_file = _file_cards(batch)
    assert set(in_file) == set(Card.objects.values_list("serial", flat=True))
    for serial, sod in first_two.items():  # the cards of the first run were not made again
        assert Card.objects.get(serial=serial).sod_sha256 == sod == json.loads(in_file[serial]["card.json"])["sod_sha256"]
    assert AuditEntry.objects.filter(event=Event.CARD_PERSONALISED, object_type="card").count() == 5


def test_a_card_made_but_not_committed_is_made_again_and_its_first_key_never_leaves(production, monkeypatch):
    """Killed after the card's entry was written, before its transaction committed: the card is still
    ordered, the next run makes it again (a new chip key) and its entry replaces the first one."""
    make_ready(production, "thai_thuy", 2)
    batch = actions.create_batch(None, "33")
    from cancuoc.cards import lifecycle

    real_transition = lifecycle.transition
    first_envelopes = {}

    def commit_fails(actor, card, target, **fields):
        entry = next(running.spool_folder(batch).glob(f"{card.serial}.entry.*.tmp"))
        first_envelopes[card.serial] = fileformat.read_zip(entry.read_bytes())[fileformat.CHIP_KEY_ENTRY]
        raise OSError("disk full")

    monkeypatch.setattr(lifecycle, "transition", commit_fails)
    with pytest.raises(OSError):
        running.run_batch(batch.pk)
    monkeypatch.setattr(lifecycle, "transition", real_transition)
    assert set(Card.objects.values_list("state", flat=True)) == {"ordered"}
    batch = running.run_batch(batch.pk)
    (serial, first_envelope), = first_envelopes.items()
    entries = _file_cards(batch)[serial]
    assert entries[fileformat.CHIP_KEY_ENTRY] != first_envelope
    key = fileformat.open_chip_key(entries[fileformat.CHIP_KEY_ENTRY], production["machine_key"],
                                   associated=fileformat.chip_key_associated_data(batch.code, serial))  # fmt: skip
    assert active_authentication(entries["chip/DG15.bin"], key, b"challenge")
    old_key = fileformat.open_chip_key(first_envelope, production["machine_key"],
                                       associated=fileformat.chip_key_associated_data(batch.code, serial))  # fmt: skip
    assert not active_authentication(entries["chip/DG15.bin"], old_key, b"challenge")


def test_a_batch_held_by_a_live_run_is_not_taken_but_a_dead_one_is(production):
    make_ready(production, "thai_thuy", 1)
    batch = actions.create_batch(None, "33")
    claimed, token = running.claim(batch.pk)  # this process: alive
    with pytest.raises(ProductionError) as busy:
        running.run_batch(batch.pk)
    assert busy.value.code == Code.BATCH_BUSY
    # its process is gone (a pid that cannot exist): taken over at once
    ProductionBatch.objects.filter(pk=batch.pk).update(runner=claimed.runner.replace(f":{os.getpid()}:", ":999999999:"))
    batch = running.run_batch(batch.pk)
    assert batch.state == ProductionBatch.State.PRODUCED
    with pytest.raises(ProductionError) as done:
        running.run_batch(batch.pk)
    assert done.value.code == Code.BATCH_NOT_RUNNABLE


def test_a_run_whose_batch_was_taken_over_stops_without_writing(production, monkeypatch):
    make_ready(production, "thai_thuy", 2)
    batch = actions.create_batch(None, "33")
    real = running.make_card

    def taken_over(item, context):
        ProductionBatch.objects.filter(pk=batch.pk).update(runner="elsewhere:1:x")
        return real(item, context)

    monkeypatch.setattr(running, "make_card", taken_over)
    with pytest.raises(ProductionError) as stopped:
        running.run_batch(batch.pk)
    assert stopped.value.code == Code.RUN_TAKEN_OVER
    assert set(Card.objects.values_list("state", flat=True)) == {"ordered"}
    assert not list(running.spool_folder(batch).glob("*.entry"))
    batch.refresh_from_db()
    assert batch.runner == "elsewhere:1:x"  # the other run's hold is left alone


def test_without_a_machine_key_nothing_is_signed_and_the_batch_says_why(production, settings):
    settings.PRODUCTION = True  # outside production a demo key would be made (next test)
    make_ready(production, "thai_thuy", 1)
    batch = actions.create_batch(None, "33")
    running.machine_public_key_path().unlink()
    with pytest.raises(ProductionError) as error:
        running.run_batch(batch.pk)
    assert error.value.code == Code.MACHINE_KEY_MISSING
    batch.refresh_from_db()
    assert batch.state == ProductionBatch.State.INTERRUPTED and "machine" in batch.error_en
    assert set(Card.objects.values_list("state", flat=True)) == {"ordered"}


def test_a_personalised_card_whose_spool_entry_was_lost_is_spoiled_and_made_again(production, monkeypatch):
    make_ready(production, "thai_thuy", 2)
    batch = actions.create_batch(None, "33")
    real = running.make_card
    calls = []

    def dies_at_the_second(item, context):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(item, context)

    monkeypatch.setattr(running, "make_card", dies_at_the_second)
    with pytest.raises(RuntimeError):
        running.run_batch(batch.pk)
    monkeypatch.setattr(running, "make_card", real)
    for entry in running.spool_folder(batch).glob("*.entry"):
        entry.unlink()  # someone cleaned the spool
    batch = running.run_batch(batch.pk)
    assert batch.personalised_count == 1 and batch.spoiled_count == 1
    lost = Card.objects.get(state="spoiled")
    follow_up = ProductionBatch.objects.get(remakes=batch)
    remade = follow_up.items.get().card
    assert remade.replaces == lost and remade.state == "ordered" and remade.serial != lost.serial
    assert not BatchItem.objects.get(card=lost).in_production
    assert set(_file_cards(batch)) == {c.serial for c in Card.objects.filter(production_item__batch=batch, state="personalised")}


def test_a_deceased_citizens_application_is_not_put_into_a_batch(production):
    from datetime import date

    alive, dead = make_ready(production, "thai_thuy", 2)
    dead.citizen.date_of_death = date(2026, 11, 30)
    dead.citizen.save(update_fields=["date_of_death"])
    batch = actions.create_batch(None, "33")
    assert list(batch.items.values_list("application", flat=True)) == [alive.pk]


def test_housekeeping_marks_a_batch_whose_run_is_gone_interrupted(production):
    from cancuoc.production import tasks

    make_ready(production, "thai_thuy", 1)
    batch = actions.create_batch(None, "33")
    claimed, _token = running.claim(batch.pk)
    assert tasks.housekeeping() == []  # its process (this one) is alive and beating
    ProductionBatch.objects.filter(pk=batch.pk).update(runner="some-host:1:x")  # another machine, silent
    assert tasks.housekeeping() == []  # silent for less than CANCUOC_PRODUCTION_STALE_AFTER_SECONDS
    from datetime import timedelta

    ProductionBatch.objects.filter(pk=batch.pk).update(heartbeat_at=claimed.heartbeat_at - timedelta(hours=1))
    assert tasks.housekeeping() == [batch.code]
    batch.refresh_from_db()
    assert batch.state == ProductionBatch.State.INTERRUPTED and batch.runner == ""
    assert running.run_batch(batch.pk).state == ProductionBatch.State.PRODUCED


def test_a_run_stopped_dead_leaves_the_batch_running_and_another_run_takes_it_over_once_silent(production, monkeypatch):
    """A kill that no handler sees (SIGKILL, power): the batch stays ``running`` under the dead run."""
    from datetime import timedelta

    make_ready(production, "thai_thuy", 3)
    batch = actions.create_batch(None, "33")
    real = running.make_card
    calls = []

    def killed(item, context):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(item, context)

    monkeypatch.setattr(running, "make_card", killed)
    with pytest.raises(KeyboardInterrupt):
        running.run_batch(batch.pk)
    monkeypatch.setattr(running, "make_card", real)
    batch.refresh_from_db()
    assert batch.state == ProductionBatch.State.RUNNING and batch.personalised_count == 1
    with pytest.raises(ProductionError) as busy:  # its heartbeat is fresh and its process (this one) alive
        running.run_batch(batch.pk)
    assert busy.value.code == Code.BATCH_BUSY
    ProductionBatch.objects.filter(pk=batch.pk).update(heartbeat_at=batch.heartbeat_at - timedelta(minutes=10))
    batch = running.run_batch(batch.pk)
    assert batch.state == ProductionBatch.State.PRODUCED and Card.objects.filter(state="personalised").count() == 3
    assert len(_file_cards(batch)) == 3


def test_a_card_its_own_data_cannot_make_is_withdrawn_and_the_batch_goes_on(production):
    good, bad, last = make_ready(production, "thai_thuy", 3)
    bad.capture = None
    bad.save(update_fields=["capture"])
    batch = running.run_batch(actions.create_batch(None, "33").pk)
    assert batch.state == ProductionBatch.State.PRODUCED and batch.personalised_count == 2 and batch.withdrawn_count == 1
    withdrawn = BatchItem.objects.get(application=bad)
    assert withdrawn.card.state == "spoiled" and not withdrawn.in_production and "no enrolled portrait" in withdrawn.qc_reason
    assert set(_file_cards(batch)) == {good.cards.get().serial, last.cards.get().serial}
    # not taken again until the application changes
    with pytest.raises(ProductionError) as nothing:
        actions.create_batch(None, "33")
    assert nothing.value.code == Code.NOTHING_TO_PRODUCE
    bad.capture = good.capture
    bad.save(update_fields=["capture", "updated_at"])
    again = actions.create_batch(None, "33")
    assert list(again.items.values_list("application", flat=True)) == [bad.pk]


def test_outside_production_a_demo_machine_key_is_made_when_none_is_configured(production):
    make_ready(production, "thai_thuy", 1)
    running.machine_public_key_path().unlink()
    batch = running.run_batch(actions.create_batch(None, "33").pk)
    private = running.demo_machine_private_key_path()
    assert private.stat().st_mode & 0o077 == 0
    key = fileformat.load_private_key(private.read_bytes())
    ((serial, entries),) = _file_cards(batch).items()
    opened = fileformat.open_chip_key(entries[fileformat.CHIP_KEY_ENTRY], key,
                                      associated=fileformat.chip_key_associated_data(batch.code, serial))  # fmt: skip
    assert active_authentication(entries["chip/DG15.bin"], opened, b"challenge")


def test_the_task_started_twice_leaves_the_batch_to_the_first(production):
    from cancuoc.production import tasks

    make_ready(production, "thai_thuy", 1)
    batch = actions.create_batch(None, "33")
    running.claim(batch.pk)  # another run holds it
    assert tasks.run_production_batch.call(batch.pk) == 0
    ProductionBatch.objects.filter(pk=batch.pk).update(state=ProductionBatch.State.ORDERED, runner="")
    assert tasks.run_production_batch.call(batch.pk, production["officers"]["production"].pk) == 1
    assert tasks.run_production_batch.call(batch.pk) == 0  # done: nothing left
    assert Card.objects.get().state == "personalised"
