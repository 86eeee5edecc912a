"""Visits fed back (dead/moved become change requests, never edits), conditions, the team calendar's
database constraint, assignments, announcements through the outbox."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cancuoc.accounts.permissions import NotFound
from cancuoc.audit.models import AuditEntry, Event
from cancuoc.campaigns import actions, counting, selectors
from cancuoc.campaigns.errors import CampaignError, CampaignErrorCode
from cancuoc.campaigns.models import Assignment, CitizenStanding, Team, TeamVisit, Visit
from cancuoc.registry.actions.changes import requested_values
from cancuoc.registry.models import ChangeRequest, Citizen


@pytest.fixture
def folded(campaign):
    counting.fold()
    return campaign


def test_dead_becomes_a_change_request_and_the_record_is_not_edited(folded, officers):
    citizen = folded["cuong"]
    for died_on in (None, date(2999, 1, 1), date(1800, 1, 1)):  # unknown, after the visit, before the birth
        with pytest.raises(CampaignError) as refused:
            actions.record_visit(officers["thai_thuy"], citizen, "dead", note="hàng xóm báo", died_on=died_on)
        assert refused.value.code == CampaignErrorCode.DEATH_DATE_REQUIRED
    visit = actions.record_visit(officers["thai_thuy"], citizen, "dead", note="mất năm 2025, hàng xóm báo",
                                 died_on=date(2025, 3, 2))  # fmt: skip
    change = ChangeRequest.objects.get(pk=visit.change_request_id)
    assert change.status == "pending" and change.fields == ["date_of_death"]
    assert requested_values(change) == {"date_of_death": "02/03/2025"}, "the date given, not the visit's"
    assert change.reason.startswith("Thăm hộ: đã mất")
    assert Citizen.objects.get(pk=citizen.pk).date_of_death is None
    assert CitizenStanding.objects.get(citizen=citizen).reason == "pending_change"
    assert AuditEntry.objects.filter(event=Event.VISIT_RECORDED, object_id=citizen.id_number).exists()


def test_moved_needs_a_place_and_files_the_new_whereabouts(folded, officers):
    citizen = folded["dung"]
    with pytest.raises(CampaignError) as refused:
        actions.record_visit(officers["thai_thuy"], citizen, "moved")
    assert refused.value.code == CampaignErrorCode.MOVED_WHERE_REQUIRED
    assert not Visit.objects.exists()
    visit = actions.record_visit(
        officers["thai_thuy"], citizen, "moved", moved_to="00004", note="đi làm Hà Nội"
    )
    change = ChangeRequest.objects.get(pk=visit.change_request_id)
    assert "current_unit_code" in change.fields
    assert requested_values(change) == {"current_unit_code": "00004", "current_address": ""}, (
        "the note is the visit's, never the new address")
    assert visit.note == "đi làm Hà Nội"
    assert Citizen.objects.get(pk=citizen.pk).current_unit_id is None


def test_absent_means_revisit_and_a_double_submit_records_once(folded, officers):
    citizen = folded["binh"]
    first = actions.record_visit(officers["thai_thuy"], citizen, "absent", idempotency_key="k1")
    again = actions.record_visit(officers["thai_thuy"], citizen, "absent", idempotency_key="k1")
    assert first.pk == again.pk and Visit.objects.count() == 1
    assert CitizenStanding.objects.get(citizen=citizen).reason == "not_at_home"
    actions.record_condition(officers["thai_thuy"], citizen, "sick")
    assert CitizenStanding.objects.get(citizen=citizen).reason == "sick_or_disabled"
    counts_before = {row.path: row.out_sick_or_disabled for row in __import__(
        "cancuoc.campaigns.models", fromlist=["UnitCount"]).UnitCount.objects.all()}  # fmt: skip
    assert max(counts_before.values()) == 1


def test_visits_are_refused_outside_the_area_and_with_bad_input(folded, officers):
    with pytest.raises(NotFound):
        actions.record_visit(officers["ba_dinh"], folded["binh"], "absent")
    with pytest.raises(CampaignError):
        actions.record_visit(officers["thai_thuy"], folded["binh"], "teleported")
    with pytest.raises(CampaignError):
        actions.record_visit(officers["thai_thuy"], folded["binh"], "absent", note="x\u202e" * 3)
    with pytest.raises(CampaignError):
        actions.record_visit(officers["thai_thuy"], folded["binh"], "absent",
                             visited_on=timezone.localdate() + timedelta(days=3))  # fmt: skip
    assert not Visit.objects.exists()


def test_a_team_cannot_be_in_two_places_at_once(folded, officers, world):
    supervisor = officers["hung_yen"]
    team = actions.create_team(supervisor, code="LD-01", name="Tổ lưu động 1", unit=world.hung_yen)
    day = timezone.localdate() + timedelta(days=2)
    actions.plan_visit(supervisor, team, day=day, slot="morning", unit=world.thai_thuy, place_kind="school",
                       place_name="Trường THCS Thái Thụy", expected=120)  # fmt: skip
    with pytest.raises(CampaignError) as busy:
        actions.plan_visit(supervisor, team, day=day, slot="morning", unit=world.dong_thuy_anh, place_kind="village",
                           place_name="Thôn 3")  # fmt: skip
    assert busy.value.code == CampaignErrorCode.TEAM_BUSY
    actions.plan_visit(supervisor, team, day=day, slot="afternoon", unit=world.dong_thuy_anh, place_kind="village",
                       place_name="Thôn 3")  # fmt: skip
    # the database itself refuses it, whatever the path
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamVisit.objects.create(team=team, day=day, slot="morning", unit=world.ba_dinh, unit_path=world.ba_dinh.path,
                                 place_kind="homes", place_name="x", created_by=supervisor)  # fmt: skip
    assert TeamVisit.objects.count() == 2
    with pytest.raises(NotFound):
        actions.plan_visit(supervisor, team, day=day, slot="evening", unit=world.ba_dinh, place_kind="homes",
                           place_name="x")  # fmt: skip
    with pytest.raises(CampaignError):
        actions.plan_visit(supervisor, team, day=day - timedelta(days=5), slot="evening", unit=world.thai_thuy,
                           place_kind="homes", place_name="x")  # fmt: skip
    assert actions.capacity_of(team, "morning") == 2 * 4 * 60 // 5


def test_officers_may_not_plan(folded, officers, world):
    from cancuoc.accounts.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.create_team(officers["thai_thuy"], code="X", name="X", unit=world.thai_thuy)
    assert not Team.objects.exists()


def test_assigning_outstanding_citizens_to_a_team_shows_on_the_list(folded, officers, world):
    team = actions.create_team(officers["hung_yen"], code="LD-02", name="Tổ 2", unit=world.thai_thuy)
    actions.assign(officers["hung_yen"], team, [folded["elder"], folded["binh"]])
    assert Assignment.objects.filter(team=team).count() == 2
    rows = {row.id_number: row.team for row in selectors.outstanding(selectors.area_of(world.thai_thuy))}
    assert rows[folded["elder"].id_number] == "LD-02"
    with pytest.raises(NotFound):
        actions.assign(officers["hung_yen"], team, [folded["hanoi"]])


def test_announcement_goes_through_the_outbox_once(folded, officers, world):
    from cancuoc.issuance.models import OutboxMessage

    announcement = actions.send_announcement(
        officers["hung_yen"], world.thai_thuy, body_vi="Lịch", body_en="Schedule"
    )
    assert announcement.queued == 1  # one household, its head
    assert AuditEntry.objects.filter(event=Event.ANNOUNCEMENT_SENT).count() == 1
    again = actions.send_announcement(officers["hung_yen"], world.thai_thuy, body_vi="Lịch", body_en="Schedule")
    assert again.pk == announcement.pk, "a repeated submit is the same announcement"
    assert OutboxMessage.objects.filter(key__startswith="campaign-announcement-").count() == 1
    other = actions.send_announcement(officers["hung_yen"], world.thai_thuy, body_vi="Lịch mới", body_en="New")
    assert other.pk != announcement.pk
    assert OutboxMessage.objects.filter(key__startswith="campaign-announcement-").count() == 2


@pytest.mark.parametrize("code, count, minutes", [("<x>", 2, 5), ("T 1", 2, 5), ("T1", -3, 5), ("T1", 2, 99999),
                                                  ("T1", 0, 5), ("", 2, 5)])  # fmt: skip
def test_a_team_is_refused_rather_than_quietly_changed(officers, world, code, count, minutes):
    from cancuoc.campaigns.models import Team

    with pytest.raises(CampaignError) as refused:
        actions.create_team(officers["hung_yen"], code=code, name="Tổ 1", unit=world.thai_thuy, officers=count,
                            minutes_per_application=minutes)  # fmt: skip
    assert refused.value.code in (CampaignErrorCode.TEAM_CODE_INVALID, CampaignErrorCode.NUMBER_INVALID)
    assert not Team.objects.exists()


def test_a_team_gets_only_citizens_of_its_commune(officers, world):
    from tests.factories import CitizenFactory

    team = actions.create_team(officers["hung_yen"], code="T1", name="Tổ 1", unit=world.thai_thuy)
    home = CitizenFactory(permanent_unit=world.thai_thuy)
    elsewhere = CitizenFactory(permanent_unit=world.dong_thuy_anh)
    assert actions.assign(officers["hung_yen"], team, [home]) == 1
    with pytest.raises(CampaignError) as refused:
        actions.assign(officers["hung_yen"], team, [elsewhere])
    assert refused.value.code == CampaignErrorCode.CITIZEN_NOT_FOUND
