"""The application rules and the stage machine, exhaustively: every pair of stages is either a declared
transition or refused; the final stages lead nowhere; who may apply for what."""

from datetime import date
from itertools import product

import pytest

from cancuoc.rules import applications as rules
from cancuoc.rules.applications import Kind, Reason, Refusal, Stage

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("source, target", list(product(Stage, Stage)))
def test_every_pair_of_stages_is_allowed_exactly_when_declared(source, target):
    if target in rules.TRANSITIONS[source]:
        assert rules.check_transition(source, target) is target
    else:
        with pytest.raises(rules.IllegalTransition):
            rules.check_transition(source, target)


def test_the_machine_is_a_path_from_completeness_to_the_end():
    reachable, frontier = {Stage.COMPLETENESS}, [Stage.COMPLETENESS]
    while frontier:
        for target in rules.TRANSITIONS[frontier.pop()]:
            if target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(Stage)
    assert all(not rules.TRANSITIONS[final] for final in rules.FINAL)
    assert all(Stage.REJECTED in rules.TRANSITIONS[stage] for stage in Stage if stage not in rules.FINAL)
    assert rules.is_open(Stage.READY_FOR_PRODUCTION) and not rules.is_open(Stage.REJECTED)


def born(years_ago: int, months: int = 0) -> date:
    return date(TODAY.year - years_ago, max(1, TODAY.month - months), 1)


@pytest.mark.parametrize("kind, reason, birth, has_card, expected", [
    (Kind.FIRST, Reason.MANDATORY_AGE, born(20), False, None),
    (Kind.FIRST, Reason.MANDATORY_AGE, born(10), False, Refusal.UNDER_14_NOT_REQUESTED),
    (Kind.FIRST, Reason.ON_REQUEST, born(10), False, None),
    (Kind.FIRST, Reason.MANDATORY_AGE, born(20), True, Refusal.HAS_CARD),
    (Kind.FIRST, Reason.LOST, born(20), False, Refusal.REASON_NOT_FOR_KIND),
    (Kind.REISSUE, Reason.LOST, born(30), True, None),
    (Kind.REISSUE, Reason.LOST, born(30), False, Refusal.NO_CARD),
    (Kind.RENEWAL, Reason.RENEWAL_AGE, born(24), True, None),  # within two years before 25
    (Kind.RENEWAL, Reason.RENEWAL_AGE, born(30), True, Refusal.NOT_RENEWAL_AGE),
    (Kind.REPLACEMENT, Reason.UNIT_REARRANGEMENT, born(45), True, None),
    ("nonsense", Reason.LOST, born(45), True, Refusal.UNKNOWN_KIND),
])  # fmt: skip
def test_who_may_apply_for_what(kind, reason, birth, has_card, expected):
    assert rules.refusal(kind, reason, birth_date=birth, on=TODAY, alive=True, nationality="VNM",
                         has_card=has_card) == expected  # fmt: skip


def test_dead_and_foreign_are_refused():
    common = {"birth_date": born(30), "on": TODAY, "has_card": False}
    assert (
        rules.refusal(Kind.FIRST, Reason.MANDATORY_AGE, alive=False, nationality="VNM", **common)
        is Refusal.DEAD
    )
    assert (
        rules.refusal(Kind.FIRST, Reason.MANDATORY_AGE, alive=True, nationality="LAO", **common)
        is Refusal.NOT_VIETNAMESE
    )


def test_biometrics_from_six():
    assert not rules.takes_biometrics(date(2021, 12, 2), TODAY)  # 4 years old
    assert not rules.takes_biometrics(date(2020, 12, 2), TODAY)  # 5 years old
    assert rules.takes_biometrics(date(2020, 12, 1), TODAY)  # 6 today


def test_default_reasons():
    assert rules.default_reason(Kind.FIRST, 30) is Reason.MANDATORY_AGE
    assert rules.default_reason(Kind.FIRST, 12) is Reason.ON_REQUEST
    assert rules.default_reason(Kind.REPLACEMENT, 30) is Reason.REPLACEMENT_ON_REQUEST
    for kind in Kind:
        assert rules.default_reason(kind, 30) in rules.REASONS[kind]


def test_no_django():
    import subprocess
    import sys

    code = "import sys, cancuoc.rules.applications; assert 'django' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_on_request_is_for_children_only():
    assert rules.refusal(Kind.FIRST, Reason.ON_REQUEST, birth_date=born(44), on=TODAY, alive=True, nationality="VNM",
                         has_card=False) is Refusal.REASON_NOT_FOR_KIND  # fmt: skip
