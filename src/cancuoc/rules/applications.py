"""Applications for a card, pure: the kinds and their reasons (domain.md), who may apply for what, and the
processing stages as a state machine. No Django import.

Stages: completeness → demographic_check → biometric_check → approval → ready_for_production, with
adjudication entered from either duplicate check when candidates are found, and rejected reachable from
every stage that is not final. Nothing else moves an application."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from .people import CARD_MANDATORY_AGE, age_on

BIOMETRICS_MIN_AGE = 6
RENEWAL_AGES = (14, 25, 40, 60)


class Kind(StrEnum):
    FIRST = "first"
    RENEWAL = "renewal"
    REPLACEMENT = "replacement"
    REISSUE = "reissue"


class Reason(StrEnum):
    # first card
    MANDATORY_AGE = "mandatory_age"  # 14 or over
    ON_REQUEST = "on_request"  # under 14, on the request of the citizen or representative
    # renewal (cấp đổi at a renewal age)
    RENEWAL_AGE = "renewal_age"
    # replacement (cấp đổi)
    NAME_OR_BIRTH_DATE_CHANGED = "name_or_birth_date_changed"
    IDENTITY_FEATURES_CHANGED = "identity_features_changed"  # features, sex
    PRINTED_DATA_WRONG = "printed_data_wrong"
    UNIT_REARRANGEMENT = "unit_rearrangement"  # the printed address names a unit that was rearranged
    ID_NUMBER_REESTABLISHED = "id_number_reestablished"
    REPLACEMENT_ON_REQUEST = "replacement_on_request"
    # re-issue (cấp lại)
    LOST = "lost"
    DAMAGED = "damaged"
    NATIONALITY_REGAINED = "nationality_regained"


REASONS: dict[Kind, tuple[Reason, ...]] = {
    Kind.FIRST: (Reason.MANDATORY_AGE, Reason.ON_REQUEST),
    Kind.RENEWAL: (Reason.RENEWAL_AGE,),
    Kind.REPLACEMENT: (Reason.NAME_OR_BIRTH_DATE_CHANGED, Reason.IDENTITY_FEATURES_CHANGED,
                       Reason.PRINTED_DATA_WRONG, Reason.UNIT_REARRANGEMENT, Reason.ID_NUMBER_REESTABLISHED,
                       Reason.REPLACEMENT_ON_REQUEST),
    Kind.REISSUE: (Reason.LOST, Reason.DAMAGED, Reason.NATIONALITY_REGAINED),
}  # fmt: skip


class Refusal(StrEnum):
    UNKNOWN_KIND = "unknown_kind"
    REASON_NOT_FOR_KIND = "reason_not_for_kind"
    DEAD = "dead"
    NOT_VIETNAMESE = "not_vietnamese"
    HAS_CARD = "has_card"  # a first card for someone who already has one
    NO_CARD = "no_card"  # renewal, replacement or re-issue without a card
    NOT_RENEWAL_AGE = "not_renewal_age"
    UNDER_14_NOT_REQUESTED = "under_14_not_requested"


def default_reason(kind: Kind, age: int) -> Reason:
    if kind is Kind.FIRST:
        return Reason.MANDATORY_AGE if age >= CARD_MANDATORY_AGE else Reason.ON_REQUEST
    if kind is Kind.REPLACEMENT:
        return Reason.REPLACEMENT_ON_REQUEST  # the officer picks the specific cause when there is one
    return REASONS[kind][0]


def refusal(kind: str, reason: str, *, birth_date: date, on: date, alive: bool, nationality: str,
            has_card: bool) -> Refusal | None:  # fmt: skip
    """Why this application may not be taken, or None. ``has_card``: the citizen holds (or is being
    made) a card already."""
    try:
        kind = Kind(kind)
    except ValueError:
        return Refusal.UNKNOWN_KIND
    if reason not in REASONS[kind]:
        return Refusal.REASON_NOT_FOR_KIND
    if not alive:
        return Refusal.DEAD
    if nationality != "VNM":
        return Refusal.NOT_VIETNAMESE
    age = age_on(birth_date, on)
    if kind is Kind.FIRST:
        if has_card:
            return Refusal.HAS_CARD
        if age < CARD_MANDATORY_AGE and reason != Reason.ON_REQUEST:
            return Refusal.UNDER_14_NOT_REQUESTED
        if age >= CARD_MANDATORY_AGE and reason == Reason.ON_REQUEST:
            return Refusal.REASON_NOT_FOR_KIND  # from 14 a card is compulsory, not on request
        return None
    if not has_card:
        return Refusal.NO_CARD
    if kind is Kind.RENEWAL and not renewal_due(birth_date, on):
        return Refusal.NOT_RENEWAL_AGE
    return None


def renewal_due(birth_date: date, on: date, window_years: int = 2) -> bool:
    """Renewal at a renewal age: from two years before it (a card issued then stays valid until the next
    renewal age, domain.md) until the year after it. Until cards are records of their own, the citizen's
    age is what tells."""
    age = age_on(birth_date, on)
    return any(renewal_age - window_years <= age <= renewal_age for renewal_age in RENEWAL_AGES)


def takes_biometrics(birth_date: date, on: date) -> bool:
    """Portrait and fingerprints from 6 years old; under 6 only the portrait."""
    return age_on(birth_date, on) >= BIOMETRICS_MIN_AGE


# -- processing stages --------------------------------------------------------------------------------
class Stage(StrEnum):
    COMPLETENESS = "completeness"
    DEMOGRAPHIC_CHECK = "demographic_check"
    BIOMETRIC_CHECK = "biometric_check"
    ADJUDICATION = "adjudication"
    APPROVAL = "approval"
    READY_FOR_PRODUCTION = "ready_for_production"
    REJECTED = "rejected"


FINAL = frozenset({Stage.READY_FOR_PRODUCTION, Stage.REJECTED})
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.COMPLETENESS: frozenset({Stage.DEMOGRAPHIC_CHECK, Stage.REJECTED}),
    Stage.DEMOGRAPHIC_CHECK: frozenset({Stage.BIOMETRIC_CHECK, Stage.ADJUDICATION, Stage.REJECTED}),
    Stage.BIOMETRIC_CHECK: frozenset({Stage.APPROVAL, Stage.ADJUDICATION, Stage.REJECTED}),
    # after adjudication the checks go on where they stopped: a cleared demographic candidate still
    # needs the biometric check
    Stage.ADJUDICATION: frozenset({Stage.BIOMETRIC_CHECK, Stage.APPROVAL, Stage.REJECTED}),
    Stage.APPROVAL: frozenset({Stage.READY_FOR_PRODUCTION, Stage.REJECTED}),
    Stage.READY_FOR_PRODUCTION: frozenset(),
    Stage.REJECTED: frozenset(),
}
# stages a worker carries out; the others wait for a person
AUTOMATIC = frozenset({Stage.COMPLETENESS, Stage.DEMOGRAPHIC_CHECK, Stage.BIOMETRIC_CHECK})


class IllegalTransition(ValueError):
    def __init__(self, source: str, target: str):
        super().__init__(f"{source} → {target}")
        self.source, self.target = source, target


def check_transition(source: str, target: str) -> Stage:
    source_stage, target_stage = Stage(source), Stage(target)
    if target_stage not in TRANSITIONS[source_stage]:
        raise IllegalTransition(source, target)
    return target_stage


def is_open(stage: str) -> bool:
    """Open until rejected: an application ready for production stays open until its card is handed over,
    so that a citizen never has two cards in the making."""
    return Stage(stage) is not Stage.REJECTED
