"""The commands the acceptance checks call, with their exact JSON shapes, and clean errors."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from cancuoc.campaigns.models import UnitCount

from .conftest import apply, card_for


def run(*args) -> dict:
    out = io.StringIO()
    call_command("campaign", *args, stdout=out)
    return json.loads(out.getvalue())


def test_coverage_json(campaign, officers, world):
    approved = apply(campaign["an"], officers["thai_thuy"], world.thai_thuy, stage="ready_for_production")
    card_for(approved, officers["admin"])
    tree = run("coverage", "--unit", "12730", "--json")  # folds first: no separate step needed
    assert tree == {"unit": "12730", "target": 6, "applications": 1, "approved": 1, "produced": 1, "handed_over": 1,
                    "valid_cards": 1, "coverage": round(1 / 6, 4), "children": []}  # fmt: skip
    province = run("coverage", "--unit", "33", "--json", "--on", "01/01/2020")
    assert province["applications"] == 0 and [c["unit"] for c in province["children"]] == ["12730", "12731"]
    assert set(province["children"][0]) == set(tree)
    country = run("coverage", "--unit", "VN", "--json")
    assert country["target"] == 9 and {c["unit"] for c in country["children"]} == {"33", "01"}


def test_outstanding_json(campaign, officers, world):
    apply(campaign["an"], officers["thai_thuy"], world.thai_thuy)
    rows = run("outstanding", "--unit", "12730", "--json")["rows"]
    by_number = {row["id_number"]: row for row in rows}
    assert campaign["an"].id_number not in by_number
    assert by_number[campaign["elder"].id_number] == {"id_number": campaign["elder"].id_number, "reason": "elderly",
                                                      "action": "home_visit"}  # fmt: skip
    assert by_number[campaign["away"].id_number]["action"] == "hand_to_station"
    assert by_number[campaign["soon"].id_number]["action"] == "invite"
    assert campaign["foreigner"].id_number not in by_number and campaign["dead"].id_number not in by_number


def test_simulate_json_is_reproducible_and_3_minutes_serve_more():
    args = [
        "simulate",
        "--officers",
        "3",
        "--arrivals-per-hour",
        "50",
        "--hours",
        "8",
        "--seed",
        "11",
        "--json",
    ]
    five = run(*args, "--minutes-per-application", "5")
    assert set(five) == {"served", "waiting_p90_minutes", "utilisation"}
    assert five == run(*args, "--minutes-per-application", "5")
    three = run(*args, "--minutes-per-application", "3")
    assert three["served"] > five["served"] and three["waiting_p90_minutes"] < five["waiting_p90_minutes"]
    assert 0 < five["utilisation"] <= 1


def test_rebuild_and_forecast(campaign, officers, world):
    apply(campaign["an"], officers["thai_thuy"], world.thai_thuy)
    call_command("campaign", "rebuild", stdout=io.StringIO())
    assert UnitCount.objects.get(path=world.thai_thuy.path).applications == 1
    answer = run("forecast", "--unit", "12730", "--by", "31/12/2099", "--json")
    assert answer["plans"]["3_minutes"]["officers_per_shift"] >= 1


@pytest.mark.parametrize("args", [
    ["coverage", "--unit", "99999", "--json"], ["coverage", "--unit", "12730", "--on", "31/02/2026"],
    ["simulate", "--officers", "0", "--minutes-per-application", "5", "--arrivals-per-hour", "5", "--hours", "8"],
    ["simulate", "--officers", "2", "--minutes-per-application", "nan", "--arrivals-per-hour", "5", "--hours", "8"],
    ["outstanding", "--unit", "'; drop table x"],
])  # fmt: skip
def test_bad_input_is_a_clean_bilingual_error(db, world, args):
    with pytest.raises(CommandError) as refused:
        call_command("campaign", *args, stdout=io.StringIO())
    assert " / " in str(refused.value)


def test_simulate_refuses_a_day_of_360000_arrivals():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="20000"):
        call_command("campaign", "simulate", "--officers", "1", "--minutes-per-application", "3",
                     "--arrivals-per-hour", "5000", "--hours", "72", "--seed", "1", "--json")  # fmt: skip
