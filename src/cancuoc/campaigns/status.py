"""Where one citizen stands in the campaign on a date, from the facts of their records: eligible (the
target), applied, approved, card produced, handed over, holding a valid card; and, when not covered, why
(the reason of the outstanding list) and what to do. Pure: no Django import, so the fold, the rebuild and
the "as of a date" answer share one definition and it is tested as plain functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from cancuoc.rules.people import age_on, is_eligible_for_card

ELDERLY_AGE = 80
SOON_DAYS = 60  # "turning 14 soon": within this many days
COUNTED = ("target", "applications", "approved", "produced", "handed_over", "valid_cards", "covered")
NOT_PRODUCED = frozenset({"", "ordered", "spoiled"})


class Reason(StrEnum):
    PENDING_CHANGE = "pending_change"  # a visit reported "dead" or "moved": a supervisor decides
    DATA_ERROR = "data_error"
    AWAY = "away"
    SICK_OR_DISABLED = "sick_or_disabled"
    ELDERLY = "elderly"
    NOT_AT_HOME = "not_at_home"
    REFUSED = "refused"
    NOT_APPLIED = "not_applied"
    TURNING_14 = "turning_14"


class Action(StrEnum):
    WAIT_FOR_DECISION = "wait_for_decision"
    CORRECT_RECORD = "correct_record"
    HAND_TO_STATION = "hand_to_station"
    HOME_VISIT = "home_visit"
    REVISIT = "revisit"
    INVITE = "invite"


ACTION_OF: dict[Reason, Action] = {
    Reason.PENDING_CHANGE: Action.WAIT_FOR_DECISION, Reason.DATA_ERROR: Action.CORRECT_RECORD,
    Reason.AWAY: Action.HAND_TO_STATION, Reason.SICK_OR_DISABLED: Action.HOME_VISIT,
    Reason.ELDERLY: Action.HOME_VISIT, Reason.NOT_AT_HOME: Action.REVISIT, Reason.REFUSED: Action.REVISIT,
    Reason.NOT_APPLIED: Action.INVITE, Reason.TURNING_14: Action.INVITE,
}  # fmt: skip
# kept per unit (the daily report's "outstanding by reason"); turning 14 is not yet in the target
KEPT_REASONS = tuple(reason for reason in Reason if reason is not Reason.TURNING_14)


@dataclass(frozen=True)
class ApplicationFacts:
    submitted: date
    stage_now: str
    changed: date  # when the current stage was reached (for records without history)
    stages: tuple[tuple[date, str], ...] = ()  # (day, stage entered), in order


@dataclass(frozen=True)
class CardFacts:
    for_application: bool
    state_now: str
    expiry: date | None
    changed: date
    states: tuple[tuple[date, str], ...] = ()  # (day, state entered), in order


@dataclass(frozen=True)
class PersonFacts:
    birth_date: date | None
    date_of_death: date | None
    nationality: str
    merged: bool
    resident: bool  # has a permanent, temporary or current residence unit
    away: bool  # temporary residence or whereabouts in another commune than the permanent one
    data_error: bool = False
    sick_or_disabled: bool = False
    last_visit: str = ""  # the latest visit outcome: enrolled, refused, absent, moved, dead
    pending_change: bool = False
    applications: tuple[ApplicationFacts, ...] = ()
    cards: tuple[CardFacts, ...] = ()


@dataclass(frozen=True)
class Standing:
    target: bool = False
    applications: bool = False
    approved: bool = False
    produced: bool = False
    handed_over: bool = False
    valid_cards: bool = False
    covered: bool = False
    reason: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def counted(self) -> dict[str, int]:
        return {name: int(getattr(self, name)) for name in COUNTED}


def _state_on(history: tuple[tuple[date, str], ...], now_state: str, changed: date, on: date) -> str:
    if not history:
        return now_state if changed <= on else ""
    state = ""
    for day, entered in history:
        if day > on:
            break
        state = entered
    return state


def standing(person: PersonFacts, on: date) -> Standing:
    """The citizen's standing at the end of ``on``."""
    alive = person.date_of_death is None or person.date_of_death > on
    eligible = not person.merged and is_eligible_for_card(
        birth_date=person.birth_date, on=on, alive=alive, nationality=person.nationality,
        present_in_unit=person.resident,
    )  # fmt: skip
    if not eligible:
        return Standing()
    applied = approved = produced = handed_over = valid = False
    for application in person.applications:
        if application.submitted > on:
            continue
        stage = (
            _state_on(application.stages, application.stage_now, application.changed, on) or "completeness"
        )
        if stage != "rejected":
            applied = True
        if stage == "ready_for_production":
            approved = True
    for card in person.cards:
        state = _state_on(card.states, card.state_now, card.changed, on)
        if not state:
            continue
        if card.for_application and state not in NOT_PRODUCED:
            produced = True
        if card.for_application and (
            state == "active" or any(s == "active" and d <= on for d, s in card.states)
        ):
            handed_over = True
        if state == "active" and (card.expiry is None or card.expiry >= on):
            valid = True
    covered = applied or valid
    return Standing(target=True, applications=applied, approved=approved, produced=produced,
                    handed_over=handed_over, valid_cards=valid, covered=covered,
                    reason="" if covered else outstanding_reason(person, on))  # fmt: skip


def outstanding_reason(person: PersonFacts, on: date) -> str:
    """Why an eligible citizen has no application yet, the first that applies in the order a team works."""
    if person.pending_change:
        return Reason.PENDING_CHANGE
    if person.data_error:
        return Reason.DATA_ERROR
    if person.away:
        return Reason.AWAY
    if person.sick_or_disabled:
        return Reason.SICK_OR_DISABLED
    if person.birth_date is not None and age_on(person.birth_date, on) >= ELDERLY_AGE:
        return Reason.ELDERLY
    if person.last_visit == "absent":
        return Reason.NOT_AT_HOME
    if person.last_visit == "refused":
        return Reason.REFUSED
    return Reason.NOT_APPLIED


def coverage_ratio(covered: int, target: int) -> float:
    """Covered over target, 0 to 1 (4 decimals); 0 for a unit with no target."""
    return round(covered / target, 4) if target else 0.0


def unit_prefixes(path: str) -> list[str]:
    """ "/3/41/977/" → ["/", "/3/", "/3/41/", "/3/41/977/"]: the country and every unit above and including."""
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/"] + ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def contribution(paths) -> set[str]:
    """The counters a citizen present in units ``paths`` adds one to: each unit and those above, once each
    (someone with permanent and temporary residence in two communes of one province counts once there)."""
    keys: set[str] = set()
    for path in paths:
        if path:
            keys.update(unit_prefixes(path))
    return keys


REASON_WORDS: dict[str, tuple[str, str]] = {
    Reason.PENDING_CHANGE: (
        "Chờ duyệt điều chỉnh (mất/chuyển đi)",
        "Change waiting for approval (dead/moved)",
    ),
    Reason.DATA_ERROR: ("Sai sót dữ liệu", "Data errors"),
    Reason.AWAY: ("Vắng mặt tại địa phương", "Away from the commune"),
    Reason.SICK_OR_DISABLED: ("Ốm đau, khuyết tật", "Sick or disabled"),
    Reason.ELDERLY: ("Người cao tuổi (80+)", "Elderly (80+)"),
    Reason.NOT_AT_HOME: ("Không gặp tại nhà", "Not found at home"),
    Reason.REFUSED: ("Từ chối", "Refused"),
    Reason.NOT_APPLIED: ("Chưa làm thủ tục", "Not yet applied"),
    Reason.TURNING_14: ("Sắp đủ 14 tuổi", "Turning 14 soon"),
}
ACTION_WORDS: dict[str, tuple[str, str]] = {
    Action.WAIT_FOR_DECISION: ("Chờ lãnh đạo duyệt", "Wait for the supervisor's decision"),
    Action.CORRECT_RECORD: ("Điều chỉnh dữ liệu trước", "Correct the record first"),
    Action.HAND_TO_STATION: ("Chuyển điểm thu nhận nơi đang ở", "Hand to the station where they are"),
    Action.HOME_VISIT: ("Thu nhận tại nhà", "Home visit"),
    Action.REVISIT: ("Đến lại", "Revisit"),
    Action.INVITE: ("Mời đến làm thủ tục", "Invite"),
}
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "enrolled": ("Đã thu nhận", "Enrolled"), "refused": ("Từ chối", "Refused"), "absent": ("Vắng nhà", "Not at home"),
    "moved": ("Đã chuyển đi", "Moved away"), "dead": ("Đã mất", "Dead"),
}  # fmt: skip


def vietnamese_number(value: int | float) -> str:
    """20000 → "20.000"; 99.5 → "99,5"."""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{int(value):,}".replace(",", ".")


def percent(ratio: float) -> str:
    """0.9945 → "99,5 %"."""
    return f"{ratio * 100:.1f}".replace(".", ",") + " %"
