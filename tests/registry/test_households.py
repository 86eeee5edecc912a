"""Households: create one, move a member, change the head (actions, pages, API), with their audit entries,
area checks, row locks under concurrency, stale forms and the household page's query count."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cancuoc.accounts.permissions import NotFound
from cancuoc.accounts.permissions import PermissionDenied as Forbidden
from cancuoc.audit.models import AuditEntry
from cancuoc.registry.actions import RegistryError
from cancuoc.registry.actions import households as actions
from cancuoc.registry.models import Citizen, Household
from cancuoc.units.selectors import invalidate_unit_index
from tests.factories import CitizenFactory, HouseholdFactory

REASON = "đăng ký thường trú"


@pytest.fixture(autouse=True)
def _forget_the_unit_index():
    yield
    invalidate_unit_index()


def codes(error):
    return [p.code for p in error.value.problems]


def family(unit, *, number="HK00000001", members=("spouse", "child")):
    """A household in ``unit`` with a head and members of the given relations."""
    household = HouseholdFactory(number=number, unit=unit)
    head = CitizenFactory(permanent_unit=unit, household=household, relation_to_head="head")
    household.head = head
    household.save()
    people = [CitizenFactory(permanent_unit=unit, household=household, relation_to_head=r) for r in members]
    return household, head, people


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def household_changes_audited() -> bool:
    return AuditEntry.objects.filter(event__startswith="household_").exclude(action="read").exists()


def entries(event):
    return list(AuditEntry.objects.filter(event=event).order_by("sequence"))


# --- create -------------------------------------------------------------------------------------------


def test_create_allocates_the_next_number_and_the_head_joins_audited(world, officers):
    alone = CitizenFactory(permanent_unit=world.thai_thuy)
    other = CitizenFactory(permanent_unit=world.thai_thuy)
    first = actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="  Thôn  Đông ",
                                     head=alone, reason=REASON)  # fmt: skip
    second = actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn Tây",
                                      head=other, reason=REASON)  # fmt: skip
    assert (first.number, second.number) == ("12730-000001", "12730-000002")
    assert first.address == "Thôn Đông" and first.head_id == alone.pk
    alone = fresh(alone)
    assert alone.household_id == first.pk and alone.relation_to_head == "head" and alone.version == 2
    created = entries("household_created")
    assert [e.object_id for e in created] == [str(first.pk), str(second.pk)]
    assert created[0].changes["after"] == {"number": "12730-000001", "unit_id": world.thai_thuy.pk,
                                           "address": "Thôn Đông", "head": alone.id_number}  # fmt: skip
    assert created[0].reason == REASON and created[0].actor_username == "officer_thai_thuy"
    assert created[0].unit_path == world.thai_thuy.path
    moved = AuditEntry.objects.get(event="household_member_moved", object_id=alone.id_number)
    assert moved.changes["fields"] == {"household_id": [None, first.pk], "relation_to_head": ["", "head"]}
    assert moved.changes["to"] == "12730-000001"


def test_create_skips_a_number_taken_by_an_import(world, officers):
    HouseholdFactory(number="12730-000001", unit=world.thai_thuy)
    HouseholdFactory(number="12730-ABCDEF", unit=world.thai_thuy)  # free-form numbers are not sequences
    household = actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn 1",
                                         head=CitizenFactory(permanent_unit=world.thai_thuy), reason=REASON)  # fmt: skip
    assert household.number == "12730-000002"


def test_create_retries_when_the_number_was_taken_after_it_was_read(world, officers, monkeypatch):
    HouseholdFactory(number="12730-000001", unit=world.thai_thuy)
    monkeypatch.setattr(actions, "_next_sequence", lambda unit: 1)  # as if read before the other insert
    household = actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn 1",
                                         head=CitizenFactory(permanent_unit=world.thai_thuy), reason=REASON)  # fmt: skip
    assert household.number == "12730-000002"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("address", "", "bad_address"),
    ("address", "x" * 201, "bad_address"),
    ("address", "Thôn\x00 1", "bad_address"),
    ("reason", " ", "reason_required"),
    ("unit", "province", "not_a_commune"),
    ("unit", "old_commune", "not_a_commune"),
    ("unit", "ba_dinh", "outside_area"),
])  # fmt: skip
def test_create_refuses_bad_input_and_writes_nothing(world, officers, field, value, code):
    head = CitizenFactory(permanent_unit=world.thai_thuy)
    units = {"province": world.hung_yen, "old_commune": world.old_diem_dien, "ba_dinh": world.ba_dinh}
    arguments = {"unit": world.thai_thuy, "address": "Thôn 1", "reason": REASON}
    arguments[field] = units.get(value, value) if field == "unit" else value
    with pytest.raises(RegistryError) as error:
        actions.create_household(officers["thai_thuy"], head=head, **arguments)
    assert code in codes(error)
    assert all(p.message_vi and p.message_en for p in error.value.problems)
    assert not Household.objects.exists() and fresh(head).version == 1
    assert not household_changes_audited()


def test_create_with_a_head_from_another_area_is_not_found(world, officers):
    stranger = CitizenFactory(permanent_unit=world.ba_dinh)
    with pytest.raises(NotFound):
        actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn 1", head=stranger,
                                 reason=REASON)  # fmt: skip
    assert not Household.objects.exists()


def test_roles_without_the_write_verb_are_refused(world, officers):
    head = CitizenFactory(permanent_unit=world.thai_thuy)
    household, _, (spouse, _child) = family(world.thai_thuy)
    for role in ("auditor", "production"):
        with pytest.raises(Forbidden):
            actions.create_household(officers[role], unit=world.thai_thuy, address="Thôn 1", head=head, reason=REASON)
        with pytest.raises(Forbidden):
            actions.move_member(officers[role], head, household, relation="child", reason=REASON)
        with pytest.raises(Forbidden):
            actions.change_head(officers[role], household, spouse, reason=REASON, old_head_relation="spouse")
    assert Household.objects.count() == 1 and fresh(head).household_id is None


def test_a_supervisor_and_the_national_admin_act_in_their_areas(world, officers):
    head = CitizenFactory(permanent_unit=world.dong_thuy_anh)
    household = actions.create_household(officers["hung_yen"], unit=world.dong_thuy_anh, address="Thôn 2",
                                         head=head, reason=REASON)  # fmt: skip
    assert household.number == "12731-000001"
    far = CitizenFactory(permanent_unit=world.ba_dinh)
    assert actions.create_household(officers["admin"], unit=world.ba_dinh, address="Phố 1", head=far,
                                    reason=REASON).number == "00004-000001"  # fmt: skip


# --- move -----------------------------------------------------------------------------------------------


def test_move_between_households_is_one_audited_change(world, officers):
    source, _, (spouse, child) = family(world.thai_thuy, number="HK1")
    target, target_head, _ = family(world.thai_thuy, number="HK2", members=())
    moved = actions.move_member(officers["thai_thuy"], child, target, relation="grandchild", reason=REASON,
                                expected_version=1)  # fmt: skip
    assert moved.household_id == target.pk and moved.relation_to_head == "grandchild" and moved.version == 2
    assert fresh(child).household_id == target.pk
    assert fresh(source).head_id != child.pk and fresh(target).head_id == target_head.pk
    entry = AuditEntry.objects.get(event="household_member_moved", object_id=child.id_number)
    assert entry.action == "update" and entry.reason == REASON
    assert entry.changes == {"fields": {"household_id": [source.pk, target.pk],
                                        "relation_to_head": ["child", "grandchild"]},
                             "from": "HK1", "to": "HK2"}  # fmt: skip


def test_move_into_a_first_household_and_relation_change_within_one(world, officers):
    household, _, (spouse,) = family(world.thai_thuy, members=("spouse",))
    newcomer = CitizenFactory(permanent_unit=world.thai_thuy)
    actions.move_member(officers["thai_thuy"], newcomer, household, relation="parent", reason=REASON)
    assert fresh(newcomer).household_id == household.pk
    actions.move_member(officers["thai_thuy"], spouse, household, relation="other", reason=REASON)
    spouse = fresh(spouse)
    assert spouse.relation_to_head == "other" and spouse.version == 2
    entry = AuditEntry.objects.get(event="household_member_moved", object_id=spouse.id_number)
    assert entry.changes["fields"] == {"relation_to_head": ["spouse", "other"]}


def test_a_head_cannot_leave_a_household_that_still_has_members(world, officers):
    source, head, _ = family(world.thai_thuy, number="HK1")
    target, _, _ = family(world.thai_thuy, number="HK2", members=())
    with pytest.raises(RegistryError) as error:
        actions.move_member(officers["thai_thuy"], head, target, relation="sibling", reason=REASON)
    assert codes(error) == ["head_has_members"]
    with pytest.raises(RegistryError) as error:  # nor stop being head inside it
        actions.move_member(officers["thai_thuy"], head, source, relation="child", reason=REASON)
    assert codes(error) == ["head_has_members"]
    with pytest.raises(RegistryError) as error:  # nor found a new household
        actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn 9", head=head,
                                 reason=REASON)  # fmt: skip
    assert codes(error) == ["head_has_members"]
    head = fresh(head)
    assert head.household_id == source.pk and head.relation_to_head == "head" and head.version == 1
    assert fresh(source).head_id == head.pk and Household.objects.count() == 2
    assert not household_changes_audited()


def test_a_head_alone_may_leave_and_the_household_is_left_without_a_head(world, officers):
    source, head, _ = family(world.thai_thuy, number="HK1", members=())
    target, _, _ = family(world.thai_thuy, number="HK2", members=())
    actions.move_member(officers["thai_thuy"], head, target, relation="sibling", reason=REASON)
    assert fresh(source).head_id is None and fresh(head).household_id == target.pk
    newcomer = CitizenFactory(permanent_unit=world.thai_thuy)
    with pytest.raises(RegistryError) as error:  # the first member of an empty household is its head
        actions.move_member(officers["thai_thuy"], newcomer, source, relation="child", reason=REASON)
    assert codes(error) == ["head_required"]
    actions.move_member(officers["thai_thuy"], newcomer, source, relation="head", reason=REASON)
    assert fresh(source).head_id == newcomer.pk


def test_move_refusals(world, officers):
    household, head, (spouse, _child) = family(world.thai_thuy)
    newcomer = CitizenFactory(permanent_unit=world.thai_thuy)
    cases = [
        ({"citizen": newcomer, "relation": "head"}, "head_exists"),
        ({"citizen": newcomer, "relation": "king"}, "bad_relation"),
        ({"citizen": spouse, "relation": "spouse"}, "already_in_household"),
        ({"citizen": newcomer, "relation": "child", "reason": ""}, "reason_required"),
        ({"citizen": spouse, "relation": "child", "expected_version": 7}, "stale"),
    ]
    for overrides, code in cases:
        arguments = {"reason": REASON, **overrides}
        with pytest.raises(RegistryError) as error:
            actions.move_member(officers["thai_thuy"], household=household, **arguments)
        assert codes(error) == [code], overrides
    assert fresh(newcomer).household_id is None and fresh(spouse).version == 1
    assert not household_changes_audited()


def test_out_of_area_household_or_citizen_is_not_found(world, officers):
    ours, _, (spouse, _child) = family(world.thai_thuy, number="HK1")
    theirs, their_head, (their_spouse,) = family(world.ba_dinh, number="HK2", members=("spouse",))
    officer = officers["thai_thuy"]
    with pytest.raises(NotFound):
        actions.move_member(officer, spouse, theirs, relation="child", reason=REASON)
    with pytest.raises(NotFound):
        actions.move_member(officer, their_spouse, ours, relation="child", reason=REASON)
    with pytest.raises(NotFound):
        actions.change_head(officer, theirs, their_spouse, reason=REASON, old_head_relation="spouse")
    missing = Household(pk=999_999, number="X", unit=world.thai_thuy)
    with pytest.raises(NotFound):
        actions.move_member(officer, spouse, missing, relation="child", reason=REASON)
    assert fresh(spouse).household_id == ours.pk and fresh(their_spouse).household_id == theirs.pk
    assert fresh(theirs).head_id == their_head.pk


def test_a_citizen_only_staying_in_the_area_cannot_be_moved_here(world, officers):
    """Household and relation belong to the commune of permanent residence, as in update_citizen."""
    household, _, _ = family(world.thai_thuy, members=())
    visitor = CitizenFactory(permanent_unit=world.ba_dinh, temporary_unit=world.thai_thuy)
    with pytest.raises(RegistryError) as error:
        actions.move_member(officers["thai_thuy"], visitor, household, relation="other", reason=REASON)
    assert codes(error) == ["field_not_yours"]
    assert fresh(visitor).household_id is None


# --- change head ------------------------------------------------------------------------------------------


def test_change_head_updates_relations_versions_and_audits(world, officers):
    household, head, (spouse, child) = family(world.thai_thuy)
    actions.change_head(officers["thai_thuy"], household, spouse, reason="chủ hộ mất", old_head_relation="spouse",
                        expected_head=head.id_number)  # fmt: skip
    assert fresh(household).head_id == spouse.pk
    head, spouse, child = fresh(head), fresh(spouse), fresh(child)
    assert (head.relation_to_head, head.version) == ("spouse", 2)
    assert (spouse.relation_to_head, spouse.version) == ("head", 2)
    assert (child.relation_to_head, child.version) == ("child", 1)
    changed = entries("household_head_changed")
    assert {(e.object_type, e.object_id) for e in changed} == {
        ("household", str(household.pk)), ("citizen", head.id_number), ("citizen", spouse.id_number)}
    on_household = next(e for e in changed if e.object_type == "household")
    assert on_household.changes == {"before": {"head": head.id_number},
                                    "after": {"head": spouse.id_number, "old_head_relation": "spouse"}}  # fmt: skip
    on_spouse = next(e for e in changed if e.object_id == spouse.id_number)
    assert on_spouse.changes["fields"] == {"relation_to_head": ["spouse", "head"]}


def test_change_head_refusals(world, officers):
    household, head, (spouse, _child) = family(world.thai_thuy, number="HK1")
    _, _, (outsider,) = family(world.thai_thuy, number="HK2", members=("child",))
    cases = [
        ((spouse,), {"old_head_relation": "head"}, "bad_relation"),
        ((outsider,), {}, "not_a_member"),
        ((head,), {}, "already_head"),
        ((spouse,), {"expected_head": spouse.id_number}, "stale"),
        ((spouse,), {"reason": ""}, "reason_required"),
    ]
    for (new_head,), overrides, code in cases:
        arguments = {"reason": REASON, "old_head_relation": "spouse", **overrides}
        with pytest.raises(RegistryError) as error:
            actions.change_head(officers["thai_thuy"], household, new_head, **arguments)
        assert codes(error) == [code], overrides
    assert fresh(household).head_id == head.pk and fresh(head).version == 1
    assert not household_changes_audited()


def test_after_a_change_of_head_the_old_head_may_leave(world, officers):
    household, head, (spouse, _child) = family(world.thai_thuy, number="HK1")
    target, _, _ = family(world.thai_thuy, number="HK2", members=())
    actions.change_head(officers["thai_thuy"], household, spouse, reason=REASON, old_head_relation="spouse")
    actions.move_member(officers["thai_thuy"], head, target, relation="parent", reason=REASON)
    assert fresh(head).household_id == target.pk and fresh(household).head_id == spouse.pk


def test_an_action_and_its_audit_entry_share_one_transaction(world, officers, monkeypatch):
    """The audit append fails: the change is rolled back with it."""
    from cancuoc.registry import events

    household, head, (spouse, child) = family(world.thai_thuy)

    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    for name in ("household_created", "household_member_moved", "household_head_changed"):
        monkeypatch.setattr(events, name, broken)
    newcomer = CitizenFactory(permanent_unit=world.thai_thuy)
    with pytest.raises(RuntimeError):
        actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn 1", head=newcomer,
                                 reason=REASON)  # fmt: skip
    with pytest.raises(RuntimeError):
        actions.move_member(officers["thai_thuy"], child, household, relation="grandchild", reason=REASON)
    with pytest.raises(RuntimeError):
        actions.change_head(officers["thai_thuy"], household, spouse, reason=REASON, old_head_relation="spouse")
    assert Household.objects.count() == 1 and fresh(household).head_id == head.pk
    assert fresh(newcomer).household_id is None and fresh(child).relation_to_head == "child"
    assert fresh(spouse).relation_to_head == "spouse" and fresh(spouse).version == 1


# --- concurrency (PostgreSQL) -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_lose_nothing_and_do_not_deadlock(flushable_audit_log, world, officers):
    """Two officers, each on their own connection, move members in opposite directions between the same two
    households at the same moment: every move lands, every version counts every change, nothing deadlocks."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (IMMEDIATE transactions): row locks are PostgreSQL's")
    east, _, east_members = family(world.thai_thuy, number="HK-E", members=("child",) * 6)
    west, _, west_members = family(world.thai_thuy, number="HK-W", members=("child",) * 6)
    officer = officers["thai_thuy"]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def officer_moves(people, target):
        try:
            barrier.wait(timeout=10)
            for person in people:
                # each move takes a little time inside its transaction, so the two overlap
                with transaction.atomic():
                    actions.move_member(officer, person, target, relation="grandchild", reason=REASON)
                    actions.move_member(officer, person, target, relation="other", reason=REASON)
        except BaseException as error:  # noqa: BLE001 (reported below, in the test's thread)
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=officer_moves, args=(east_members, west)),
               threading.Thread(target=officer_moves, args=(west_members, east))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a move is stuck"
    assert failures == []
    for person in east_members:
        person = fresh(person)
        assert (person.household_id, person.relation_to_head, person.version) == (west.pk, "other", 3)
    for person in west_members:
        person = fresh(person)
        assert (person.household_id, person.relation_to_head, person.version) == (east.pk, "other", 3)
    assert Citizen.objects.filter(household=east).count() == Citizen.objects.filter(household=west).count() == 7
    assert AuditEntry.objects.filter(event="household_member_moved").count() == 24


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_in_one_commune_get_distinct_numbers(flushable_audit_log, world, officers):
    """Two officers create households in the same commune at once: the unique index decides, the loser takes
    the next number; nobody gets an error and no number is given twice."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (IMMEDIATE transactions): row locks are PostgreSQL's")
    heads = [CitizenFactory(permanent_unit=world.thai_thuy) for _ in range(10)]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def officer_creates(people):
        try:
            barrier.wait(timeout=10)
            for person in people:
                actions.create_household(officers["thai_thuy"], unit=world.thai_thuy, address="Thôn 1", head=person,
                                         reason=REASON)  # fmt: skip
        except BaseException as error:  # noqa: BLE001 (reported below, in the test's thread)
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=officer_creates, args=(heads[:5],)),
               threading.Thread(target=officer_creates, args=(heads[5:],))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    numbers = sorted(Household.objects.values_list("number", flat=True))
    assert numbers == [f"12730-{n:06d}" for n in range(1, 11)]
    assert all(fresh(person).relation_to_head == "head" for person in heads)


@pytest.mark.django_db(transaction=True)
def test_a_head_leaving_while_someone_moves_in_never_leaves_members_without_a_head(flushable_audit_log, world,
                                                                                  officers):  # fmt: skip
    """The head of a household with no other member leaves it while another officer moves a person in: the
    household lock orders the two, so either the head stays (refused) or the newcomer arrives after."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (IMMEDIATE transactions): row locks are PostgreSQL's")
    officer = officers["thai_thuy"]
    for round_ in range(5):
        home, head, _ = family(world.thai_thuy, number=f"HK-A{round_}", members=())
        elsewhere, _, _ = family(world.thai_thuy, number=f"HK-B{round_}", members=())
        newcomer = CitizenFactory(permanent_unit=world.thai_thuy)
        barrier = threading.Barrier(2)
        outcomes: list = []

        def attempt(person, target, relation, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                actions.move_member(officer, person, target, relation=relation, reason=REASON)
                outcomes.append("moved")
            except RegistryError as error:
                outcomes.append(error.problems[0].code)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=attempt, args=(head, elsewhere, "sibling")),
                   threading.Thread(target=attempt, args=(newcomer, home, "child"))]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        home = fresh(home)
        members = list(Citizen.objects.filter(household=home))
        assert not members or home.head_id in [m.pk for m in members], (round_, outcomes)


# --- pages ------------------------------------------------------------------------------------------------


def test_the_create_page_finds_the_head_while_typing_and_creates(client, world, officers):
    head = CitizenFactory(permanent_unit=world.thai_thuy, family_name="Lê", middle_name="Thị", given_name="Hòa",
                          sex="F")  # fmt: skip
    CitizenFactory(permanent_unit=world.ba_dinh, family_name="Lê", middle_name="Thị", given_name="Hòa", sex="F",
                   id_number="001190000001")  # fmt: skip
    client.force_login(officers["thai_thuy"])
    page = client.get(reverse("household-create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="q"' in html and "autofocus" in html and "Xã Thái Thụy" in html
    picked = client.get(reverse("household-create"), {"q": "le thi hoa"}, headers={"HX-Request": "true"})
    fragment = picked.content.decode()
    assert f'value="{head.id_number}" checked' in fragment and "001190000001" not in fragment
    assert f'name="version-{head.id_number}" value="1"' in fragment
    assert AuditEntry.objects.filter(event="citizens_searched").exists()
    form = {"citizen": head.id_number, f"version-{head.id_number}": "1", "unit": str(world.thai_thuy.pk),
            "address": "Số 5, thôn Đông", "reason": REASON}  # fmt: skip
    response = client.post(reverse("household-create"), form)
    household = Household.objects.get()
    assert response.status_code == 302 and response.url == reverse("household-detail", args=[household.pk])
    assert fresh(head).household_id == household.pk
    again = client.post(reverse("household-create"), form)  # a second click of the same form
    assert again.status_code == 302 and Household.objects.count() == 1


def test_a_refused_form_shows_again_with_what_was_typed(client, world, officers):
    household, _, (spouse,) = family(world.thai_thuy, members=("spouse",))
    client.force_login(officers["thai_thuy"])
    response = client.post(reverse("household-create"), {
        "citizen": spouse.id_number, "unit": str(world.thai_thuy.pk), "address": "Thôn <Bắc>", "reason": "",
        "q": "nguyen van", f"version-{spouse.id_number}": "1",
    })  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert "Phải ghi lý do thay đổi" in html and 'value="Thôn &lt;Bắc&gt;"' in html and 'value="nguyen van"' in html
    assert Household.objects.count() == 1


def test_the_move_page_refuses_a_stale_form(client, world, officers):
    source, _, (child,) = family(world.thai_thuy, number="HK1", members=("child",))
    target, _, _ = family(world.thai_thuy, number="HK2", members=())
    client.force_login(officers["thai_thuy"])
    page = client.get(reverse("household-move-member", args=[target.pk]))
    assert page.status_code == 200 and 'value="head"' not in page.content.decode()  # the household has a head
    # another officer changes the citizen after the form was shown (version 1 → 2)
    actions.move_member(officers["hung_yen"], child, source, relation="grandchild", reason=REASON)
    form = {"citizen": child.id_number, f"version-{child.id_number}": "1", "relation": "child", "reason": REASON,
            "q": child.id_number}  # fmt: skip
    response = client.post(reverse("household-move-member", args=[target.pk]), form)
    assert response.status_code == 422
    assert "Hồ sơ đã được người khác sửa" in response.content.decode()
    assert fresh(child).household_id == source.pk
    form[f"version-{child.id_number}"] = "2"
    response = client.post(reverse("household-move-member", args=[target.pk]), form)
    assert response.status_code == 302 and fresh(child).household_id == target.pk
    again = client.post(reverse("household-move-member", args=[target.pk]), form)  # double submit: done already
    assert again.status_code == 302 and fresh(child).version == 3


def test_the_change_head_page(client, world, officers):
    household, head, (spouse, child) = family(world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    page = client.get(reverse("household-change-head", args=[household.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and f'name="expected_head" value="{head.id_number}"' in html
    assert f'value="{spouse.id_number}" checked' in html and f'value="{head.id_number}" checked' not in html
    viewed = AuditEntry.objects.get(event="household_viewed", reason="household head form")
    assert viewed.changes["members"] == [head.id_number, spouse.id_number, child.id_number]
    form = {"citizen": spouse.id_number, "old_head_relation": "spouse", "reason": REASON,
            "expected_head": head.id_number}  # fmt: skip
    assert client.post(reverse("household-change-head", args=[household.pk]), form).status_code == 302
    assert fresh(household).head_id == spouse.pk and fresh(head).relation_to_head == "spouse"
    assert client.post(reverse("household-change-head", args=[household.pk]), form).status_code == 302  # again
    stale = client.post(reverse("household-change-head", args=[household.pk]), {**form, "citizen": child.id_number})
    assert stale.status_code == 422 and fresh(household).head_id == spouse.pk
    not_member = client.post(reverse("household-change-head", args=[household.pk]),
                             {**form, "citizen": "034090999999"})  # fmt: skip
    assert not_member.status_code == 422 and "Hãy tìm và chọn một công dân" in not_member.content.decode()


@pytest.mark.parametrize("url_name", ["household-move-member", "household-change-head", "household-detail"])
def test_pages_of_another_areas_household_or_a_missing_one_are_404(client, world, officers, url_name):
    theirs, _, _ = family(world.ba_dinh)
    client.force_login(officers["thai_thuy"])
    assert client.get(reverse(url_name, args=[theirs.pk])).status_code == 404
    assert client.get(reverse(url_name, args=[999_999])).status_code == 404
    assert client.post(reverse(url_name, args=[theirs.pk]), {"reason": REASON}).status_code in (404, 405)
    assert client.get(f"/citizens/households/{theirs.pk}x/move/").status_code == 404


def test_a_citizen_of_another_area_cannot_be_picked_or_posted(client, world, officers):
    ours, _, _ = family(world.thai_thuy)
    stranger = CitizenFactory(permanent_unit=world.ba_dinh, id_number="001190000009")
    client.force_login(officers["thai_thuy"])
    picked = client.get(reverse("household-move-member", args=[ours.pk]), {"q": stranger.id_number},
                        headers={"HX-Request": "true"})  # fmt: skip
    assert stranger.id_number not in picked.content.decode()
    response = client.post(reverse("household-move-member", args=[ours.pk]), {
        "citizen": stranger.id_number, "relation": "child", "reason": REASON})  # fmt: skip
    assert response.status_code == 422 and "Không tìm thấy công dân này trong địa bàn" in response.content.decode()
    assert fresh(stranger).household_id is None


def test_roles_without_the_verb_get_403_and_no_action_links(client, world, officers):
    household, _, _ = family(world.thai_thuy)
    client.force_login(officers["auditor"])
    assert client.get(reverse("household-create")).status_code == 403
    assert client.post(reverse("household-move-member", args=[household.pk])).status_code == 403
    client.force_login(officers["thai_thuy"])
    html = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert reverse("household-move-member", args=[household.pk]) in html
    assert reverse("household-change-head", args=[household.pk]) in html


def test_the_household_page_shows_members_head_first_with_relations_in_words(client, world, officers):
    household, head, (child, spouse) = family(world.thai_thuy, members=("child", "spouse"))
    client.force_login(officers["thai_thuy"])
    html = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    rows = html.split("<tbody>")[1]
    assert rows.index(head.id_number) < rows.index(spouse.id_number) < rows.index(child.id_number)
    assert ">Chủ hộ<" in rows and ">Vợ/chồng<" in rows and ">Con<" in rows
    assert ">head<" not in rows and ">spouse<" not in rows


def test_the_household_page_runs_the_same_queries_for_two_members_or_twelve(client, world, officers):
    small, _, _ = family(world.thai_thuy, number="HK1", members=("child",))
    large, _, _ = family(world.thai_thuy, number="HK2", members=("child",) * 11)
    client.force_login(officers["thai_thuy"])
    client.get(reverse("household-detail", args=[small.pk]))  # warm the per-process caches

    def queries(household):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("household-detail", args=[household.pk])).status_code == 200
        return len(captured)

    assert queries(small) == queries(large) <= 12


def test_the_move_page_runs_the_same_queries_for_few_or_many_matches(client, world, officers):
    household, _, _ = family(world.thai_thuy, members=())
    client.force_login(officers["thai_thuy"])
    url = reverse("household-move-member", args=[household.pk])
    CitizenFactory(permanent_unit=world.thai_thuy, given_name="Bình", relation_to_head="head",
                   household=HouseholdFactory(number="HK8", unit=world.thai_thuy))  # fmt: skip
    client.get(url, {"q": "binh"}, headers={"HX-Request": "true"})

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"q": "binh"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        return len(captured), response.content.decode().count('type="radio"')

    few = queries()
    other = HouseholdFactory(number="HK9", unit=world.thai_thuy)
    for _ in range(6):
        CitizenFactory(permanent_unit=world.thai_thuy, given_name="Bình", household=other, relation_to_head="child")
    many = queries()
    assert (few[1], many[1]) == (1, 7) and few[0] == many[0]


# --- API ------------------------------------------------------------------------------------------------


def test_the_api_creates_moves_and_changes_the_head(client, world, officers):
    head = CitizenFactory(permanent_unit=world.thai_thuy)
    spouse = CitizenFactory(permanent_unit=world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    created = client.post("/api/v1/households", {"reason": REASON, "unit_code": "12730", "address": "Thôn 1",
                                                 "head_id_number": head.id_number}, content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"] == "12730-000001" and body["head_id_number"] == head.id_number
    assert body["members"][0]["relation_to_head"] == "head"
    url = f"/api/v1/households/{body['id']}"
    moved = client.post(f"{url}/members", {"reason": REASON, "id_number": spouse.id_number, "relation": "spouse",
                                           "expected_version": 1}, content_type="application/json")  # fmt: skip
    assert moved.status_code == 200 and [m["id_number"] for m in moved.json()["members"]] == [
        head.id_number, spouse.id_number]
    changed = client.post(f"{url}/head", {"reason": REASON, "id_number": spouse.id_number, "old_head_relation": "spouse",
                                          "expected_head_id_number": head.id_number}, content_type="application/json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["head_id_number"] == spouse.id_number
    refused = client.post(f"{url}/members", {"reason": REASON, "id_number": head.id_number, "relation": "other"},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 200  # the old head may change relation now
    stale = client.post(f"{url}/head", {"reason": REASON, "id_number": head.id_number, "old_head_relation": "spouse",
                                        "expected_head_id_number": head.id_number}, content_type="application/json")  # fmt: skip
    assert stale.status_code == 422 and stale.json()["problems"][0]["code"] == "stale"


def test_the_api_answers_404_outside_the_area_and_403_without_the_verb(client, world, officers):
    theirs, their_head, (their_spouse,) = family(world.ba_dinh, members=("spouse",))
    ours, _, (spouse,) = family(world.thai_thuy, number="HK2", members=("spouse",))
    client.force_login(officers["thai_thuy"])
    post = lambda url, body: client.post(url, body, content_type="application/json")  # noqa: E731
    move = {"reason": REASON, "id_number": spouse.id_number, "relation": "child"}
    assert post(f"/api/v1/households/{theirs.pk}/members", move).status_code == 404
    assert post("/api/v1/households/999999/members", move).status_code == 404
    assert post(f"/api/v1/households/{ours.pk}/members", {**move, "id_number": their_spouse.id_number}).status_code == 404
    assert post(f"/api/v1/households/{theirs.pk}/head", {"reason": REASON, "id_number": their_spouse.id_number,
                                                        "old_head_relation": "spouse"}).status_code == 404  # fmt: skip
    assert post("/api/v1/households", {"reason": REASON, "unit_code": "12730", "address": "Thôn 1",
                                       "head_id_number": their_spouse.id_number}).status_code == 404  # fmt: skip
    outside = post("/api/v1/households", {"reason": REASON, "unit_code": "00004", "address": "Phố 1",
                                          "head_id_number": spouse.id_number})  # fmt: skip
    assert outside.status_code == 422 and outside.json()["problems"][0]["code"] == "outside_area"
    client.force_login(officers["auditor"])
    assert post(f"/api/v1/households/{ours.pk}/members", move).status_code == 403
    assert fresh(spouse).household_id == ours.pk and fresh(theirs).head_id == their_head.pk


@pytest.mark.parametrize("garbage", ["\x00", "0" * 5000, "'; DROP TABLE registry_household; --", "１２３４５６７８９０１２"])
def test_hostile_form_input_is_refused_without_a_server_error(client, world, officers, garbage):
    household, head, _ = family(world.thai_thuy)
    client.force_login(officers["thai_thuy"])
    for url, form in [
        (reverse("household-create"), {"citizen": garbage, "unit": garbage, "address": garbage, "reason": garbage,
                                        "q": garbage, f"version-{garbage[:40]}": garbage}),
        (reverse("household-move-member", args=[household.pk]), {"citizen": garbage, "relation": garbage,
                                                                 "reason": garbage, "q": garbage}),
        (reverse("household-change-head", args=[household.pk]), {"citizen": garbage, "old_head_relation": garbage,
                                                                 "reason": garbage, "expected_head": garbage}),
    ]:  # fmt: skip
        assert client.post(url, form).status_code == 422, url
        assert client.get(url, {"q": garbage}, headers={"HX-Request": "true"}).status_code == 200
    assert Household.objects.count() == 1 and fresh(head).version == 1
    assert not household_changes_audited()


def test_the_create_page_offers_a_supervisor_their_communes_and_the_national_admin_a_code(client, world, officers,
                                                                                          monkeypatch):  # fmt: skip
    client.force_login(officers["hung_yen"])
    html = client.get(reverse("household-create")).content.decode()
    assert "<select" in html and "Xã Đông Thụy Anh" in html and "Phường Ba Đình" not in html
    head = CitizenFactory(permanent_unit=world.ba_dinh)
    form = {"citizen": head.id_number, "unit": str(world.ba_dinh.pk), "address": "Phố 1", "reason": REASON}
    assert client.post(reverse("household-create"), form).status_code == 422  # not among the choices
    from cancuoc.registry import views_households

    monkeypatch.setattr(views_households, "MAX_UNIT_CHOICES", 2)  # nationwide: thousands of communes
    client.force_login(officers["admin"])
    html = client.get(reverse("household-create")).content.decode()
    assert '<input id="f-unit" name="unit"' in html
    response = client.post(reverse("household-create"), {**form, "unit": "00004"})
    assert response.status_code == 302 and Household.objects.get().number == "00004-000001"


def test_the_citizen_page_history_shows_the_move_in_words(client, world, officers):
    source, _, (child,) = family(world.thai_thuy, number="HK-CU", members=("child",))
    target, _, _ = family(world.thai_thuy, number="HK-MOI", members=())
    actions.move_member(officers["thai_thuy"], child, target, relation="grandchild", reason="nhập hộ ông bà")
    client.force_login(officers["thai_thuy"])
    html = client.get(reverse("citizen-detail", args=[child.id_number])).content.decode()
    history = html[html.index("nhập hộ ông bà"):]
    assert "<del>HK-CU</del>" in history and "<ins>HK-MOI</ins>" in history
    assert "<del>Con</del>" in history and "<ins>Cháu</ins>" in history
