"""The kept counts: folded from the history tables, rolled up the unit tree, equal to a rebuild."""

import pytest
from django.core.management import call_command

from cancuoc.campaigns import counting
from cancuoc.campaigns.models import CitizenStanding, UnitCount, UnitDay
from cancuoc.campaigns.selectors import area_of, coverage_tree, find_area
from cancuoc.registry.models import QualityFlag

from .conftest import apply, card_for

FIELDS = ("target", "applications", "approved", "produced", "handed_over", "valid_cards", "covered",
          "out_pending_change", "out_data_error", "out_away", "out_sick_or_disabled", "out_elderly",
          "out_not_at_home", "out_refused", "out_not_applied")  # fmt: skip


def kept() -> dict:
    return {row["path"]: {k: v for k, v in row.items() if k != "path"}
            for row in UnitCount.objects.values("path", *FIELDS) if any(row[f] for f in FIELDS)}  # fmt: skip


def standings() -> dict:
    return {row.pop("citizen_id"): row for row in CitizenStanding.objects.values()}


@pytest.fixture
def folded(campaign, officers, world):
    counting.fold()
    return campaign


def test_target_counts_eligible_citizens_once_per_unit_and_up_the_tree(folded, world):
    counts = {row.path: row for row in UnitCount.objects.all()}
    # Thái Thụy: an, binh, cuong, dung, elder, away (not the 13-year-old, the foreigner, the dead)
    assert counts[world.thai_thuy.path].target == 6
    assert counts[world.dong_thuy_anh.path].target == 2
    assert counts[world.ba_dinh.path].target == 2  # hanoi + "away" (current whereabouts in Ba Đình)
    assert counts[world.hung_yen.path].target == 8
    assert counts[world.ha_noi.path].target == 2
    assert counts["/"].target == 9  # "away" counted once in the country


def test_fold_follows_applications_and_cards_and_equals_a_rebuild(folded, officers, world):
    officer = officers["thai_thuy"]
    an, binh, cuong, dung = (folded[name] for name in ("an", "binh", "cuong", "dung"))
    apply(an, officer, world.thai_thuy)
    rejected = apply(binh, officer, world.thai_thuy, stage="rejected")
    approved = apply(cuong, officer, world.thai_thuy, stage="ready_for_production")
    card_for(approved, officers["admin"])
    produced = apply(dung, officer, world.thai_thuy, stage="ready_for_production")
    card_for(produced, officers["admin"], until="received")
    QualityFlag.objects.create(citizen=folded["elder"], code="missing_fields")
    counting.fold()
    thai_thuy = UnitCount.objects.get(path=world.thai_thuy.path)
    assert (thai_thuy.applications, thai_thuy.approved, thai_thuy.produced, thai_thuy.handed_over,
            thai_thuy.valid_cards, thai_thuy.covered) == (3, 2, 2, 1, 1, 3)  # fmt: skip
    assert thai_thuy.out_not_applied == 1 and thai_thuy.out_data_error == 1 and thai_thuy.out_away == 1
    assert rejected.stage == "rejected"
    folded_counts, folded_standings = kept(), standings()
    call_command("campaign", "rebuild")
    assert kept() == folded_counts
    assert standings() == folded_standings
    assert UnitDay.objects.filter(path=world.hung_yen.path).exists()


def test_coverage_tree_has_the_acceptance_shape_and_a_ceased_district_goes_through_successions(
    folded, world, officers
):
    apply(folded["dong1"], officers["thai_thuy"], world.dong_thuy_anh)
    counting.fold()
    tree = coverage_tree(find_area("33"))
    assert set(tree) == {"unit", "target", "applications", "approved", "produced", "handed_over", "valid_cards",
                         "coverage", "children"}  # fmt: skip
    assert tree["unit"] == "33" and tree["target"] == 8 and tree["coverage"] == 0.125
    assert {child["unit"]: child["target"] for child in tree["children"]} == {"12730": 6, "12731": 2}
    old = coverage_tree(find_area("cũ:344"))
    assert old["unit"] == "344" and old["target"] == 8 and old["applications"] == 1
    assert sorted(child["unit"] for child in old["children"]) == ["12730", "12731"]


def test_as_of_another_day_is_recomputed_from_the_records(folded, world):
    from datetime import timedelta

    from django.utils import timezone

    later = coverage_tree(area_of(world.thai_thuy), on=timezone.localdate() + timedelta(days=11))
    assert later["target"] == 7  # the 13-year-old has turned 14
    today = coverage_tree(area_of(world.thai_thuy), on=timezone.localdate())
    assert today["target"] == 6


def test_the_fold_rereads_late_rows_without_counting_twice(folded, officers, world):
    apply(folded["an"], officers["thai_thuy"], world.thai_thuy)
    counting.fold()
    counting.fold()
    assert UnitCount.objects.get(path=world.thai_thuy.path).applications == 1
    assert UnitCount.objects.get(path="/").applications == 1


def test_a_death_recorded_in_the_registry_leaves_the_target(folded, world):
    from datetime import date

    from cancuoc.registry.models import Citizen

    Citizen.objects.filter(pk=folded["cuong"].pk).update(date_of_death=date(2026, 1, 1))
    citizen = Citizen.objects.get(pk=folded["cuong"].pk)
    citizen.save()  # updated_at moves, as every registry action does
    counting.fold()
    assert UnitCount.objects.get(path=world.thai_thuy.path).target == 5
    assert not CitizenStanding.objects.filter(citizen=citizen).exists()


def test_a_row_committed_after_a_later_one_is_read_by_the_next_fold(folded, officers, world):
    from cancuoc.campaigns.models import FoldCursor

    counting.fold()
    # the last fold saw rows up to far ahead (a later transaction committed first) ...
    cursor = FoldCursor.objects.get(pk=1)
    FoldCursor.objects.filter(pk=1).update(
        application_event=cursor.application_event + 1000, application=cursor.application + 1000
    )
    # ... and this application's rows, numbered below them, commit only now
    apply(folded["an"], officers["thai_thuy"], world.thai_thuy)
    counting.fold()
    assert UnitCount.objects.get(path=world.thai_thuy.path).applications == 1


def test_a_residence_filed_under_a_ceased_commune_counts_in_todays_commune(folded, world, officers):
    from cancuoc.campaigns.selectors import outstanding

    from .conftest import person

    legacy = person(world.old_diem_dien)  # Diêm Điền went whole into Xã Thái Thụy
    split = person(world.old_thuy_truong)  # Thụy Trường was split between two communes
    counting.fold()
    counts = {row.path: row.target for row in UnitCount.objects.all()}
    assert counts[world.thai_thuy.path] == 7 and counts[world.hung_yen.path] == 9
    assert counts[world.old_diem_dien.path] == 1 and counts[world.old_thai_thuy.path] == 2
    assert counts["/"] == 11
    listed = {row.id_number for row in outstanding(area_of(world.thai_thuy))}
    assert legacy.id_number in listed and split.id_number not in listed
    # the old district through its successions: each resident once (the split commune's from its own counter)
    assert coverage_tree(find_area("cũ:344"))["target"] == 10
    assert coverage_tree(area_of(world.thai_thuy), on=__import__("datetime").date(2030, 1, 1))["target"] >= 7
    before = kept()
    call_command("campaign", "rebuild")
    assert kept() == before
