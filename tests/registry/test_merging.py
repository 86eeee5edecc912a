"""Suspected duplicates: merging two records of one person, and deciding that two records are two people."""

from datetime import date

import pytest

from cancuoc.accounts.permissions import NotFound
from cancuoc.accounts.permissions import PermissionDenied as Forbidden
from cancuoc.audit.models import AuditEntry
from cancuoc.protection.snapshots import reveal_changes
from cancuoc.registry import actions, quality, selectors
from cancuoc.registry.actions import RegistryError
from cancuoc.registry.actions.merging import dismiss_duplicate, merge_citizens
from cancuoc.registry.models import AllocatedIdNumber, Citizen, NotDuplicatePair, QualityFlag
from tests.factories import CitizenFactory, HouseholdFactory

Code = QualityFlag.Code


@pytest.fixture
def twins(world):
    """Two records of one man (same name and birth date), both in Xã Thái Thụy, both flagged."""
    household = HouseholdFactory(unit=world.thai_thuy)
    keep = CitizenFactory(id_number="034090900001", permanent_unit=world.thai_thuy, ethnicity="Kinh",
                          religion="", old_id_number="")  # fmt: skip
    merged = CitizenFactory(id_number="034090900002", permanent_unit=world.thai_thuy, ethnicity="Tày",
                            religion="Phật giáo", old_id_number="151234567", household=household,
                            relation_to_head="head")  # fmt: skip
    household.head = merged
    household.save()
    AllocatedIdNumber.objects.create(number=keep.id_number)
    AllocatedIdNumber.objects.create(number=merged.id_number)
    quality.flag_duplicates()
    return keep, merged


def versions(*citizens):
    return {c.pk: c.version for c in citizens}


def test_a_supervisor_merges_choosing_fields_and_both_records_stay(officers, twins):
    keep, merged = twins
    child = CitizenFactory(given_name="Bình", permanent_unit=keep.permanent_unit, father=merged, father_name="Nguyễn Văn An")
    result = merge_citizens(officers["hung_yen"], keep, merged, reason="cùng một người (giấy khai sinh)",
                            expected_versions=versions(keep, merged), take_from_merged=["ethnicity"])  # fmt: skip
    keep.refresh_from_db()
    merged.refresh_from_db()
    assert result.pk == keep.pk
    # the chosen value is taken; empty values are filled from the merged record; the kept number stays
    assert keep.ethnicity == "Tày" and keep.religion == "Phật giáo" and keep.old_id_number == "151234567"
    assert keep.id_number == "034090900001" and keep.version == 2
    # household membership and headship move to the kept record
    assert keep.household_id == merged.household_id and keep.relation_to_head == "head"
    assert keep.household.head_id == keep.pk
    # the merged record is kept, marked, its number cancelled, its flags gone
    assert Citizen.objects.filter(pk=merged.pk).exists()
    assert merged.merged_into_id == keep.pk and merged.merged_at is not None and merged.version == 2
    assert merged.ethnicity == "Tày" and merged.id_number == "034090900002"  # left as it was
    assert AllocatedIdNumber.objects.get(number=merged.id_number).status == "cancelled"
    assert AllocatedIdNumber.objects.get(number=keep.id_number).status == "active"
    assert not QualityFlag.objects.filter(citizen=merged).exists()
    assert not QualityFlag.objects.filter(citizen=keep, code=Code.SUSPECTED_DUPLICATE).exists()
    # links of other records follow
    child.refresh_from_db()
    assert child.father_id == keep.pk and child.version == 2
    # audited on both records, the child's change and the cancelled number too
    merged_entries = AuditEntry.objects.filter(event="citizens_merged")
    assert {e.object_id for e in merged_entries} == {keep.id_number, merged.id_number}
    on_keep = merged_entries.get(object_id=keep.id_number)
    assert on_keep.changes["merged"] == merged.id_number and on_keep.actor_username == "supervisor_hung_yen"
    assert reveal_changes(on_keep.changes["fields"])["ethnicity"] == ["Kinh", "Tày"]
    assert merged_entries.get(object_id=merged.id_number).changes["merged_into"] == keep.id_number
    assert AuditEntry.objects.filter(event="citizen_changed", object_id=child.id_number).exists()
    assert AuditEntry.objects.filter(event="id_number_cancelled", object_id=merged.id_number).exists()


def test_a_merged_record_leaves_search_lists_and_households_but_opens_by_number(officers, twins):
    keep, merged = twins
    keep = merge_citizens(officers["hung_yen"], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    officer = officers["thai_thuy"]
    found = selectors.search_citizens(officer, "nguyen van an").citizens
    assert [c.pk for c in found] == [keep.pk]
    assert merged.pk not in selectors.scoped(officer).values_list("pk", flat=True)
    assert [m.pk for m in selectors.get_household_members(keep.household, user=None)] == [keep.pk]
    from cancuoc.registry.access import access_citizen_by_id_number

    assert access_citizen_by_id_number(officer, merged.id_number).merged_into_id == keep.pk


def test_the_merge_is_not_raised_again_as_a_duplicate(officers, twins):
    keep, merged = twins
    merge_citizens(officers["hung_yen"], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    assert quality.flag_duplicates() == 0
    keep.refresh_from_db()
    assert Code.SUSPECTED_DUPLICATE not in quality.detect_flags(keep)


@pytest.mark.parametrize("who", ["thai_thuy", "ba_dinh", "auditor"])
def test_only_supervisors_and_national_admins_merge_and_nothing_is_written_otherwise(officers, twins, who):
    keep, merged = twins
    with pytest.raises(Forbidden):
        merge_citizens(officers[who], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    _assert_nothing_merged(keep, merged)


def test_a_supervisor_of_another_province_gets_not_found(officers, twins, world):
    from cancuoc.accounts.models import Role
    from tests.factories import UserFactory

    keep, merged = twins
    other = UserFactory(role=Role.SUPERVISOR, unit=world.ha_noi)
    with pytest.raises(NotFound):
        merge_citizens(other, keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    _assert_nothing_merged(keep, merged)


def test_a_national_admin_merges(officers, twins):
    keep, merged = twins
    merge_citizens(officers["admin"], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    assert Citizen.objects.get(pk=merged.pk).merged_into_id == keep.pk


def _assert_nothing_merged(keep, merged):
    assert not Citizen.objects.filter(merged_into__isnull=False).exists()
    assert Citizen.objects.get(pk=keep.pk).version == 1 and Citizen.objects.get(pk=merged.pk).version == 1
    assert AllocatedIdNumber.objects.get(number=merged.id_number).status == "active"
    assert not AuditEntry.objects.filter(event="citizens_merged").exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reason": ""}, "reason_required"),
        ({"expected_versions": "stale"}, "stale"),
        ({"expected_versions": "missing"}, "stale"),
        ({"take_from_merged": ["id_number"]}, "not_mergeable_field"),
        ({"take_from_merged": ["version"]}, "not_mergeable_field"),
    ],
)
def test_refused_merges_write_nothing(officers, twins, change, code):
    keep, merged = twins
    arguments = {"reason": "trùng", "expected_versions": versions(keep, merged), "take_from_merged": ()}
    if change.get("expected_versions") == "stale":
        actions.update_citizen(officers["thai_thuy"], merged, {"religion": "Công giáo"}, reason="sửa")
        change = {}
    elif change.get("expected_versions") == "missing":
        change = {"expected_versions": {keep.pk: 1}}
    arguments.update(change)
    with pytest.raises(RegistryError) as error:
        merge_citizens(officers["hung_yen"], keep, merged, **arguments)
    assert code in [p.code for p in error.value.problems]
    assert all(p.message_vi and p.message_en for p in error.value.problems)
    assert not Citizen.objects.filter(merged_into__isnull=False).exists()
    assert AllocatedIdNumber.objects.get(number=merged.id_number).status == "active"
    assert not AuditEntry.objects.filter(event="citizens_merged").exists()


def test_a_record_cannot_be_merged_into_itself_nor_twice(officers, twins):
    keep, merged = twins
    with pytest.raises(RegistryError) as error:
        merge_citizens(officers["hung_yen"], keep, keep, reason="trùng", expected_versions=versions(keep))
    assert [p.code for p in error.value.problems] == ["merge_same_record"]
    merge_citizens(officers["hung_yen"], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    keep.refresh_from_db()
    merged.refresh_from_db()
    third = CitizenFactory(permanent_unit=keep.permanent_unit)
    with pytest.raises(RegistryError) as error:  # a double submit of the same merge
        merge_citizens(officers["hung_yen"], third, merged, reason="trùng", expected_versions=versions(third, merged))
    assert [p.code for p in error.value.problems] == ["already_merged"]
    assert Citizen.objects.get(pk=merged.pk).merged_into_id == keep.pk


def test_a_number_without_an_allocation_row_is_recorded_cancelled(officers, twins):
    keep, merged = twins
    AllocatedIdNumber.objects.filter(number=merged.id_number).delete()
    merge_citizens(officers["hung_yen"], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    assert AllocatedIdNumber.objects.get(number=merged.id_number).status == "cancelled"


def test_choosing_the_birth_date_takes_its_precision_with_it(officers, world):
    keep = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=date(1990, 1, 1), birth_date_precision="year")
    merged = CitizenFactory(permanent_unit=world.thai_thuy, birth_date=date(1990, 3, 15))
    merge_citizens(officers["hung_yen"], keep, merged, reason="trùng", expected_versions=versions(keep, merged),
                   take_from_merged=["birth_date"])  # fmt: skip
    keep.refresh_from_db()
    assert keep.birth_date == date(1990, 3, 15) and keep.birth_date_precision == "day"


def test_not_a_duplicate_clears_the_flag_for_good(officers, twins):
    keep, merged = twins
    dismiss_duplicate(officers["hung_yen"], keep, merged, reason="hai người khác nhau (cha con cùng tên)")
    assert not QualityFlag.objects.filter(code=Code.SUSPECTED_DUPLICATE).exists()
    assert NotDuplicatePair.objects.get().first_id == min(keep.pk, merged.pk)
    assert AuditEntry.objects.filter(event="duplicate_dismissed").count() == 2
    # neither the bulk pass nor a change of the record raises it again for this pair
    assert quality.flag_duplicates() == 0
    actions.update_citizen(officers["thai_thuy"], keep, {"religion": "Công giáo"}, reason="sửa")
    assert not QualityFlag.objects.filter(code=Code.SUSPECTED_DUPLICATE).exists()
    # a third record with the same name and birth date is a new suspicion, for both
    third = CitizenFactory(permanent_unit=keep.permanent_unit)
    quality.flag_duplicates()
    assert set(QualityFlag.objects.filter(code=Code.SUSPECTED_DUPLICATE).values_list("citizen", flat=True)) == {
        keep.pk, merged.pk, third.pk}
    # deciding twice is harmless and audited once
    dismiss_duplicate(officers["hung_yen"], merged, keep, reason="lại")
    assert NotDuplicatePair.objects.count() == 1 and AuditEntry.objects.filter(event="duplicate_dismissed").count() == 2


def test_a_commune_officer_may_not_decide_not_a_duplicate(officers, twins):
    keep, merged = twins
    with pytest.raises(Forbidden):
        dismiss_duplicate(officers["thai_thuy"], keep, merged, reason="khác")
    assert not NotDuplicatePair.objects.exists() and QualityFlag.objects.filter(code=Code.SUSPECTED_DUPLICATE).count() == 2


@pytest.mark.django_db(transaction=True)
def test_crossed_merges_at_the_same_moment_merge_once_and_do_not_deadlock(flushable_audit_log, world, officers):
    """Two supervisors, each on their own connection, merge the same pair in opposite directions at the same
    moment, while a child links to both: the key-ordered locks let one win, the other is refused, nothing
    deadlocks and no link is lost."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (IMMEDIATE transactions): row locks are PostgreSQL's")
    from cancuoc.accounts.models import Role
    from tests.factories import UserFactory

    second_supervisor = UserFactory(role=Role.SUPERVISOR, unit=world.hung_yen)
    for round_ in range(4):
        a = CitizenFactory(permanent_unit=world.thai_thuy, given_name=f"Hai{round_}")
        b = CitizenFactory(permanent_unit=world.thai_thuy, given_name=f"Hai{round_}")
        child = CitizenFactory(permanent_unit=world.thai_thuy, father=a, mother=b)
        barrier = threading.Barrier(2)
        outcomes: list = []

        def attempt(user, keep, merged, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                merge_citizens(user, keep, merged, reason="trùng", expected_versions={keep.pk: 1, merged.pk: 1})
                outcomes.append("merged")
            except RegistryError as error:
                outcomes.append(error.problems[0].code)
            except BaseException as error:  # noqa: BLE001 (reported below, in the test's thread)
                outcomes.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt, args=(officers["hung_yen"], a, b)),
                   threading.Thread(target=attempt, args=(second_supervisor, b, a))]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads), "a merge is stuck"
        assert sorted(outcomes) in (["merged", "stale"], ["already_merged", "merged"]), outcomes
        a, b, child = (Citizen.objects.get(pk=c.pk) for c in (a, b, child))
        kept = a if b.merged_into_id == a.pk else b
        gone = b if kept is a else a
        assert gone.merged_into_id == kept.pk and kept.merged_into_id is None
        assert child.father_id == kept.pk or child.mother_id == kept.pk
        assert gone.pk not in (child.father_id, child.mother_id)


def test_the_kept_record_in_the_household_the_merged_one_headed_becomes_its_head(officers, world):
    household = HouseholdFactory(unit=world.thai_thuy)
    merged = CitizenFactory(permanent_unit=world.thai_thuy, household=household, relation_to_head="head")
    keep = CitizenFactory(permanent_unit=world.thai_thuy, household=household, relation_to_head="child")
    household.head = merged
    household.save()
    merge_citizens(officers["hung_yen"], keep, merged, reason="trùng", expected_versions=versions(keep, merged))
    keep.refresh_from_db()
    household.refresh_from_db()
    assert household.head_id == keep.pk and keep.relation_to_head == "head"
    assert [m.pk for m in selectors.get_household_members(household, user=None)] == [keep.pk]
