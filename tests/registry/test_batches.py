"""Bulk writes (imports, the demo) go through registry.actions.batches: same rules, rows locked, versions
checked, so an import never undoes an officer's edit."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from cancuoc.audit.models import AuditEntry
from cancuoc.demo import services as demo
from cancuoc.imports import services
from cancuoc.imports.models import ImportSeenVersion
from cancuoc.registry import actions
from cancuoc.registry.actions import batches
from cancuoc.registry.actions.batches import CitizenRow
from cancuoc.registry.models import Citizen, Household
from cancuoc.registry.validation import clean_citizen
from tests.factories import CitizenFactory, today

HEADER = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã thường trú,Địa chỉ thường trú\n"


def checked_job(tmp_path, officer, lines, name="dan-cu.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return services.validate_job(services.create_job(officer, path, name))


def row_for(citizen_values: dict, units: dict, *, line=2, seen_version=batches.NOT_SEEN) -> CitizenRow:
    cleaned = clean_citizen(citizen_values, today=today())
    assert cleaned.ok, cleaned.problems
    return CitizenRow(line, cleaned.values, units, seen_version=seen_version)


def test_an_officers_edit_after_the_check_is_not_undone_by_applying(tmp_path, world, officers):
    citizen = CitizenFactory(id_number="034090000001", family_name="Nguyễn", middle_name="Văn", given_name="An",
                             permanent_unit=world.thai_thuy, ethnicity="Kinh", permanent_address="Thôn 1")  # fmt: skip
    birth = citizen.birth_date.strftime("%d/%m/%Y")
    job = checked_job(tmp_path, officers["thai_thuy"], [
        f"034090000001,Nguyễn Văn An,{birth},Nam,Kinh,12730,Thôn 9",  # the file moves him to Thôn 9
        f"034090000002,Trần Văn Bình,{birth},Nam,Kinh,12730,Thôn 2",
    ])  # fmt: skip
    assert (job.updated_count, job.created_count) == (1, 1)
    assert ImportSeenVersion.objects.filter(job=job).count() == 1
    # between the check and the confirmation an officer corrects the ethnicity
    actions.update_citizen(officers["thai_thuy"], citizen, {"ethnicity": "Tày"}, reason="officer's correction")
    job = services.apply_job(job)
    citizen.refresh_from_db()
    assert citizen.ethnicity == "Tày", "the officer's edit must survive the import"
    assert citizen.permanent_address == "Thôn 1", "the stale row is refused, not half-applied"
    assert (job.created_count, job.updated_count, job.rejected_rows) == (1, 0, 1)
    assert [(e.line, e.code) for e in job.row_errors.all()] == [(2, "changed_since_check")]
    assert not ImportSeenVersion.objects.filter(job=job).exists()


def test_a_record_created_after_the_check_is_not_overwritten(tmp_path, world, officers):
    job = checked_job(tmp_path, officers["thai_thuy"], ["034090000001,Nguyễn Văn An,15/03/1990,Nam,Kinh,12730,Thôn 9"])
    assert job.created_count == 1
    CitizenFactory(id_number="034090000001", given_name="An", permanent_unit=world.thai_thuy, permanent_address="Thôn 1")
    job = services.apply_job(job)
    assert Citizen.objects.get(id_number="034090000001").permanent_address == "Thôn 1"
    assert [(e.line, e.code) for e in job.row_errors.all()] == [(2, "changed_since_check")]


def test_the_bulk_action_checks_area_and_owned_fields_itself(world, officers):
    elsewhere = CitizenFactory(id_number="001090000004", permanent_unit=world.ba_dinh)
    staying = CitizenFactory(id_number="034090000005", permanent_unit=world.ba_dinh, temporary_unit=world.thai_thuy)
    out_of_area = row_for({"id_number": "001090000004", "given_name": "X", "birth_date": elsewhere.birth_date,
                           "sex": "M"}, {"permanent_unit": world.ba_dinh}, seen_version=elsewhere.version)  # fmt: skip
    identity = row_for({"id_number": "034090000005", "given_name": "Khác", "birth_date": staying.birth_date,
                        "sex": staying.sex}, {"permanent_unit": world.ba_dinh, "temporary_unit": world.thai_thuy},
                       line=3, seen_version=staying.version)  # fmt: skip
    outcome = batches.write_citizens(officers["thai_thuy"], [out_of_area, identity], reason="test")
    assert [r.line for r in outcome.refused] == [2, 3]
    assert [p.code for p in out_of_area.problems] == ["id_unavailable"]  # says nothing about the record
    assert "field_not_yours" in [p.code for p in identity.problems]
    assert not outcome.created and not outcome.updated
    staying.refresh_from_db()
    assert staying.given_name != "Khác"


def test_bulk_creation_registers_numbers_and_audits_each_citizen_and_household(world, officers):
    rows = [
        row_for({"id_number": f"03409000001{i}", "given_name": "An", "family_name": "Lê", "birth_date": "1990-01-01",
                 "sex": "M", "household_number": "HK9", "relation_to_head": "head" if i == 0 else "child",
                 "permanent_address": "Thôn 1"}, {"permanent_unit": world.thai_thuy}, line=i + 2)
        for i in range(3)
    ]  # fmt: skip
    with transaction.atomic():
        outcome = batches.write_citizens(officers["thai_thuy"], rows, reason="test import")
    assert len(outcome.created) == 3
    household = Household.objects.get(number="HK9")
    assert household.head.id_number == "034090000010"
    assert AuditEntry.objects.filter(event="citizen_created").count() == 3
    created = AuditEntry.objects.get(event="household_created", object_id=str(household.pk))
    assert created.changes["after"]["head"] == "034090000010"  # one entry: the household with its head
    assert not AuditEntry.objects.filter(event="household_head_changed").exists()
    # an existing household without a head gets one from the next batch, audited as a change
    household.head = None
    household.save()
    late = row_for({"id_number": "034090000019", "given_name": "Bình", "family_name": "Lê", "birth_date": "1960-01-01",
                    "sex": "M", "household_number": "HK9", "relation_to_head": "head"}, {"permanent_unit": world.thai_thuy})  # fmt: skip
    with transaction.atomic():
        batches.write_citizens(officers["thai_thuy"], [late], reason="test import")
    household.refresh_from_db()
    assert household.head.id_number == "034090000019"
    changed = AuditEntry.objects.get(event="household_head_changed", object_id=str(household.pk))
    assert changed.changes == {"before": {"head": None}, "after": {"head": "034090000019"}}


def test_the_demo_writes_through_the_action_layer_with_an_entry_per_citizen(world):
    result = demo.generate_population(province_code=world.hung_yen.code, citizens=60, seed=7, today=today())
    assert AuditEntry.objects.filter(event="citizen_created").count() == result.citizens
    assert AuditEntry.objects.filter(event="household_created").count() == result.households
    assert Household.objects.filter(head__isnull=True).count() == 0


# --- two connections on PostgreSQL ------------------------------------------------------------------


def moved_to_thon_9(citizen, world, seen: int) -> CitizenRow:
    """The import's row for ``citizen``: the same person, now at Thôn 9, as checked at version ``seen``."""
    return row_for({"id_number": citizen.id_number, "given_name": citizen.given_name,
                    "family_name": citizen.family_name, "middle_name": citizen.middle_name,
                    "birth_date": citizen.birth_date, "sex": citizen.sex, "permanent_address": "Thôn 9"},
                   {"permanent_unit": world.thai_thuy}, seen_version=seen)  # fmt: skip


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as error:  # the test asserts on it
            results[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_postgresql_an_officer_editing_while_an_import_holds_the_row_waits_and_is_told_it_changed(
    flushable_audit_log, world, officers
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    citizen = CitizenFactory(id_number="034090000001", permanent_unit=world.thai_thuy, permanent_address="Thôn 1",
                             ethnicity="Kinh")  # fmt: skip
    seen = citizen.version
    locked, release, results = threading.Event(), threading.Event(), {}

    def bulk():
        with transaction.atomic():
            row = moved_to_thon_9(citizen, world, seen)
            outcome = batches.write_citizens(officers["thai_thuy"], [row], reason="import")
            locked.set()
            release.wait(10)  # the import goes on with other batches while holding the row
            return outcome

    def officer():
        try:
            actions.update_citizen(officers["thai_thuy"], Citizen.objects.get(pk=citizen.pk), {"ethnicity": "Tày"},
                                   reason="correction", expected_version=seen)  # fmt: skip
        except actions.RegistryError as error:
            return [p.code for p in error.problems]
        return "saved"

    importer = _in_thread(bulk, results, "bulk")
    assert locked.wait(10)
    editor = _in_thread(officer, results, "officer")
    time.sleep(0.5)
    assert editor.is_alive(), "the officer's write must wait for the import's row lock"
    release.set()
    importer.join(10)
    editor.join(10)
    assert len(results["bulk"].updated) == 1
    assert results["officer"] == ["stale"], "told to reload, never silently written over"
    citizen.refresh_from_db()
    assert (citizen.permanent_address, citizen.ethnicity, citizen.version) == ("Thôn 9", "Kinh", seen + 1)


@pytest.mark.django_db(transaction=True)
def test_postgresql_an_edit_committed_while_the_import_waits_for_the_row_is_kept(
    flushable_audit_log, world, officers
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    citizen = CitizenFactory(id_number="034090000001", permanent_unit=world.thai_thuy, permanent_address="Thôn 1",
                             ethnicity="Kinh")  # fmt: skip
    seen = citizen.version
    locked, release, results = threading.Event(), threading.Event(), {}

    def officer():
        with transaction.atomic():
            actions.update_citizen(officers["thai_thuy"], Citizen.objects.get(pk=citizen.pk), {"ethnicity": "Tày"},
                                   reason="correction", expected_version=seen)  # fmt: skip
            locked.set()
            release.wait(10)
        return "saved"

    def bulk():
        with transaction.atomic():
            row = moved_to_thon_9(citizen, world, seen)
            return batches.write_citizens(officers["thai_thuy"], [row], reason="import")

    editor = _in_thread(officer, results, "officer")
    assert locked.wait(10)
    importer = _in_thread(bulk, results, "bulk")
    time.sleep(0.5)
    assert importer.is_alive(), "the import must wait for the officer's row lock"
    release.set()
    editor.join(10)
    importer.join(10)
    assert results["officer"] == "saved"
    outcome = results["bulk"]
    assert not outcome.updated and [p.code for p in outcome.refused[0].problems] == ["changed_since_check"]
    citizen.refresh_from_db()
    assert (citizen.permanent_address, citizen.ethnicity) == ("Thôn 1", "Tày")


def test_a_merged_record_is_changed_by_nobody_neither_by_hand_nor_by_import(client, world, officers):
    kept = CitizenFactory(id_number="034090000001", permanent_unit=world.thai_thuy)
    merged = CitizenFactory(id_number="034090000002", permanent_unit=world.thai_thuy, merged_into=kept)
    with pytest.raises(actions.RegistryError) as refused:
        actions.update_citizen(officers["thai_thuy"], merged, {"permanent_address": "Thôn 5"}, reason="fix")
    assert [p.code for p in refused.value.problems] == ["already_merged"]
    row = row_for({"id_number": merged.id_number, "given_name": merged.given_name, "birth_date": merged.birth_date,
                   "sex": merged.sex, "permanent_address": "Thôn 5"}, {"permanent_unit": world.thai_thuy},
                  seen_version=merged.version)  # fmt: skip
    outcome = batches.write_citizens(officers["thai_thuy"], [row], reason="import")
    assert [p.code for p in outcome.refused[0].problems] == ["already_merged"]
    client.force_login(officers["hung_yen"])
    page = client.get(f"/citizens/{merged.id_number}/").content.decode()
    assert 'name="reason"' not in page and "/residence/" not in page and "cancel/?number=" not in page
    assert 'name="reason"' in client.get(f"/citizens/{kept.id_number}/").content.decode()


def test_a_suspected_duplicate_is_flagged_on_both_records(world, officers):
    raw = {"family_name": "Trần", "middle_name": "Minh", "given_name": "An", "birth_date": "01/11/2026", "sex": "Nam",
           "permanent_unit_code": world.thai_thuy.code}  # fmt: skip
    first = actions.create_citizen(officers["thai_thuy"], {**raw, "id_number": "034226000001"}, reason="khai sinh")
    second = actions.create_citizen(officers["thai_thuy"], {**raw, "id_number": "034226000002"}, reason="khai sinh")
    assert first.quality_flags.filter(code="duplicate").exists()
    assert second.quality_flags.filter(code="duplicate").exists()


def test_a_record_whose_number_was_cancelled_says_so_and_re_imports_as_itself(tmp_path, client, world, officers):
    from cancuoc.registry.models import AllocatedIdNumber

    citizen = CitizenFactory(id_number="034090000041", family_name="Lê", middle_name="Văn", given_name="An",
                             permanent_unit=world.thai_thuy, permanent_address="Thôn 1", ethnicity="Kinh")  # fmt: skip
    AllocatedIdNumber.objects.create(number=citizen.id_number)
    actions.cancel_id_number(officers["hung_yen"], citizen.id_number, reason="cấp trùng")
    client.force_login(officers["hung_yen"])
    page = client.get(f"/citizens/{citizen.id_number}/").content.decode()
    assert "đã bị hủy" in page and "cancel/?number=" not in page
    assert "Hủy số định danh" in page or "cấp trùng" in page  # the cancellation is in the record's history
    birth = citizen.birth_date.strftime("%d/%m/%Y")
    job = checked_job(tmp_path, officers["thai_thuy"], [f"034090000041,Lê Văn An,{birth},Nam,Kinh,12730,Thôn 1"])
    assert (job.rejected_rows, job.unchanged_count) == (0, 1)


def test_a_correction_never_moves_a_person_between_households(world, officers):
    citizen = CitizenFactory(id_number="034090000051", permanent_unit=world.thai_thuy)
    with pytest.raises(actions.RegistryError) as refused:
        actions.update_citizen(officers["thai_thuy"], citizen, {"household_number": "HK1", "relation_to_head": "head"},
                               reason="x")  # fmt: skip
    assert {p.code for p in refused.value.problems} == {"household_by_its_actions"}
