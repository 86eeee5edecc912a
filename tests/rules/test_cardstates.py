"""The card's state machine, every pair of states, and the serial."""

from datetime import date
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.rules import cardstates as cs
from cancuoc.rules.cardstates import CardState as S

EXPECTED = {
    (S.ORDERED, S.PERSONALISED), (S.ORDERED, S.SPOILED),
    (S.PERSONALISED, S.DISPATCHED), (S.PERSONALISED, S.SPOILED),
    (S.DISPATCHED, S.RECEIVED), (S.DISPATCHED, S.LOST), (S.DISPATCHED, S.SPOILED),
    (S.RECEIVED, S.ACTIVE), (S.RECEIVED, S.LOST), (S.RECEIVED, S.SPOILED), (S.RECEIVED, S.REVOKED),
    (S.ACTIVE, S.SUSPENDED), (S.ACTIVE, S.LOST), (S.ACTIVE, S.REVOKED), (S.ACTIVE, S.EXPIRED), (S.ACTIVE, S.REPLACED),
    (S.SUSPENDED, S.ACTIVE), (S.SUSPENDED, S.LOST), (S.SUSPENDED, S.REVOKED), (S.SUSPENDED, S.EXPIRED),
    (S.SUSPENDED, S.REPLACED),
}  # fmt: skip


@pytest.mark.parametrize(("source", "target"), list(product(S, S)))
def test_every_pair_of_states(source, target):
    if (source, target) in EXPECTED:
        assert cs.check_transition(source, target) is target
    else:
        with pytest.raises(cs.TransitionRefused):
            cs.check_transition(source, target)
        assert not cs.allowed(source.value, target.value)


def test_final_states_and_the_way_there():
    assert cs.FINAL == {S.SPOILED, S.LOST, S.REVOKED, S.EXPIRED, S.REPLACED}
    # every state is reachable from ordered, and every path ends in a final state (no cycle but suspend/resume)
    seen, todo = {S.ORDERED}, [S.ORDERED]
    while todo:
        for target in cs.TRANSITIONS[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(S)
    assert all(cs.FINAL & _reachable(state) or state in cs.FINAL for state in S)


def _reachable(start):
    seen, todo = set(), [start]
    while todo:
        for target in cs.TRANSITIONS[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_unknown_states_are_refused_not_crashed():
    assert not cs.allowed("active", "stolen")
    assert not cs.allowed("nonsense", "active")
    with pytest.raises(cs.TransitionRefused):
        cs.check_transition("", "active")


def test_status_told_to_a_relying_party():
    assert {cs.status_of(state) for state in S} == set(cs.Status)
    assert cs.status_of(S.ACTIVE) is cs.Status.VALID
    assert cs.status_of(S.LOST) is cs.Status.REVOKED
    assert cs.status_of(S.RECEIVED) is cs.Status.SUSPENDED  # not in force yet; "revoked" would be final
    assert cs.status_of(S.SPOILED) is cs.Status.REVOKED
    # a status once final stays final along every transition (a relying party may cache "revoked")
    final = {cs.Status.REVOKED, cs.Status.EXPIRED, cs.Status.REPLACED}
    for source, targets in cs.TRANSITIONS.items():
        if cs.status_of(source) in final:
            assert all(cs.status_of(target) in final for target in targets), source
    # past its expiry the card is expired even before the nightly job has moved it
    assert cs.status_of(S.ACTIVE, expiry=date(2030, 3, 15), on=date(2030, 3, 15)) is cs.Status.EXPIRED
    assert cs.status_of(S.ACTIVE, expiry=date(2030, 3, 15), on=date(2030, 3, 14)) is cs.Status.VALID
    assert cs.status_of(S.ACTIVE, expiry=None, on=date(2090, 1, 1)) is cs.Status.VALID  # no expiry
    assert cs.status_of(S.REVOKED, expiry=date(2020, 1, 1), on=date(2030, 1, 1)) is cs.Status.REVOKED


def test_serial_format_and_check_digit():
    serial = cs.make_serial(2026, 1234)
    assert serial == "C26000012344" and len(serial) == cs.SERIAL_LENGTH
    assert cs.is_serial(serial)
    assert not cs.is_serial("C26000012345")  # wrong check digit
    assert not cs.is_serial("c26000012344")
    assert not cs.is_serial("C2600001234")
    assert not cs.is_serial(None) and not cs.is_serial("Ｃ26000012344")
    with pytest.raises(ValueError):
        cs.make_serial(2026, 10**8)


@given(st.integers(2000, 2099), st.integers(0, 10**8 - 1), st.integers(0, 11), st.sampled_from("0123456789"))
def test_a_single_changed_digit_is_caught(year, number, position, digit):
    serial = cs.make_serial(year, number)
    assert cs.is_serial(serial)
    if position == 0:
        return
    changed = serial[:position] + digit + serial[position + 1 :]
    assert cs.is_serial(changed) == (changed == serial)
