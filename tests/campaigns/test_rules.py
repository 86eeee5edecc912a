"""The pure parts: a citizen's standing on a day, outstanding reasons, roll-up keys, forecast, charts,
the simulation's plan."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cancuoc.campaigns import charts, forecast, simulation
from cancuoc.campaigns.status import (
    ApplicationFacts,
    CardFacts,
    PersonFacts,
    contribution,
    coverage_ratio,
    percent,
    standing,
    unit_prefixes,
    vietnamese_number,
)  # fmt: skip

ON = date(2026, 12, 1)


def adult(**fields) -> PersonFacts:
    values = dict(birth_date=date(1990, 1, 1), date_of_death=None, nationality="VNM", merged=False, resident=True,
                  away=False)  # fmt: skip
    values.update(fields)
    return PersonFacts(**values)


def test_standing_follows_the_history_of_applications_and_cards():
    application = ApplicationFacts(date(2026, 11, 1), "ready_for_production", date(2026, 11, 5),
                                   ((date(2026, 11, 1), "completeness"), (date(2026, 11, 5), "ready_for_production")))  # fmt: skip
    card = CardFacts(True, "active", date(2036, 11, 20), date(2026, 11, 20),
                     ((date(2026, 11, 10), "ordered"), (date(2026, 11, 12), "personalised"),
                      (date(2026, 11, 20), "active")))  # fmt: skip
    person = adult(applications=(application,), cards=(card,))
    assert standing(person, date(2026, 10, 31)).covered is False
    on_3rd = standing(person, date(2026, 11, 3))
    assert on_3rd.applications and not on_3rd.approved
    on_15th = standing(person, date(2026, 11, 15))
    assert on_15th.approved and on_15th.produced and not on_15th.handed_over
    assert standing(person, ON).counted() == {"target": 1, "applications": 1, "approved": 1, "produced": 1,
                                              "handed_over": 1, "valid_cards": 1, "covered": 1}  # fmt: skip


def test_a_rejected_application_does_not_cover_and_an_old_valid_card_does():
    rejected = ApplicationFacts(date(2026, 11, 1), "rejected", date(2026, 11, 2),
                                ((date(2026, 11, 1), "completeness"), (date(2026, 11, 2), "rejected")))  # fmt: skip
    assert standing(adult(applications=(rejected,)), ON).reason == "not_applied"
    old_card = CardFacts(False, "active", date(2030, 1, 1), date(2021, 1, 1))
    kept = standing(adult(cards=(old_card,)), ON)
    assert kept.covered and kept.valid_cards and not kept.applications
    expired = CardFacts(False, "active", date(2026, 11, 30), date(2021, 1, 1))
    assert not standing(adult(cards=(expired,)), ON).covered


def test_who_is_in_the_target():
    assert not standing(adult(nationality="LAO"), ON).target
    assert not standing(adult(date_of_death=date(2026, 1, 1)), ON).target
    assert standing(adult(date_of_death=date(2026, 12, 2)), ON).target  # died after the day asked for
    assert not standing(adult(merged=True), ON).target
    assert not standing(adult(resident=False), ON).target
    assert not standing(adult(birth_date=date(2012, 12, 2)), ON).target
    assert standing(adult(birth_date=date(2012, 12, 1)), ON).target


def test_reasons_in_the_order_a_team_works():
    assert standing(adult(birth_date=date(1940, 1, 1)), ON).reason == "elderly"
    assert standing(adult(birth_date=date(1940, 1, 1), away=True), ON).reason == "away"
    assert standing(adult(away=True, data_error=True), ON).reason == "data_error"
    assert standing(adult(data_error=True, pending_change=True), ON).reason == "pending_change"
    assert standing(adult(sick_or_disabled=True, last_visit="absent"), ON).reason == "sick_or_disabled"
    assert standing(adult(last_visit="absent"), ON).reason == "not_at_home"
    assert standing(adult(last_visit="refused"), ON).reason == "refused"


def test_roll_up_keys_count_a_citizen_once_per_unit():
    assert unit_prefixes("/3/41/977/") == ["/", "/3/", "/3/41/", "/3/41/977/"]
    assert contribution(["/3/41/", "/3/42/", None]) == {"/", "/3/", "/3/41/", "/3/42/"}


@given(st.integers(0, 10**8), st.integers(0, 10**8))
def test_coverage_is_a_ratio(covered, target):
    ratio = coverage_ratio(min(covered, target), target)
    assert 0 <= ratio <= 1


def test_vietnamese_numbers():
    assert (
        vietnamese_number(20000) == "20.000"
        and vietnamese_number(99.5) == "99,5"
        and percent(0.9945) == "99,5 %"
    )


def test_forecast_from_the_pace():
    series = [(ON - timedelta(days=14 - i), 100 + 10 * i) for i in range(15)]
    assert forecast.pace_per_day(series) == 10
    assert forecast.completion_date(target=300, covered=240, pace=10, today=ON) == ON + timedelta(days=6)
    assert forecast.completion_date(target=300, covered=300, pace=0, today=ON) == ON
    assert forecast.completion_date(target=300, covered=10, pace=0, today=ON) is None


def test_charts_escape_their_labels():
    svg = charts.bar_chart([("<script>", 3)], title="a & b", top_label="3")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and svg.startswith("<svg")
    line = charts.line_chart([("01/12", 5), ("02/12", 7)], title="t", top=10, top_label="10", target=10)
    assert "polyline" in line and "stroke-dasharray" in line


def test_officers_needed_falls_with_a_shorter_capture():
    five = simulation.officers_needed(
        outstanding=3000, days=10, minutes_per_application=5, shifts=2, shift_hours=4
    )
    three = simulation.officers_needed(
        outstanding=3000, days=10, minutes_per_application=3, shifts=2, shift_hours=4
    )
    assert three.officers < five.officers and five.served_per_shift >= 150
    assert simulation.officers_needed(outstanding=10, days=0, minutes_per_application=5) is None
