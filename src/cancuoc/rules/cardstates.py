"""The life of one card, pure: its states, the transitions allowed between them, what a relying party is
told in each, and the card serial. No Django import.

A card is ordered when its application is put into a production batch, personalised when its chip image
and faces are made, then either spoiled (failed quality control, lost in production) or dispatched to the
receiving station, received there (scanned card by card), and active from the hand-over. An active card
may be suspended (reported lost: at once), then lost (the loss confirmed) or active again (found before
confirmation); revoked by an officer; expired at its expiry date; replaced when the holder's next card is
handed over. ``spoiled``, ``lost``, ``revoked``, ``expired`` and ``replaced`` are final: a card never
comes back from them, and its serial is never given to another card.
"""

from __future__ import annotations

from enum import StrEnum


class CardState(StrEnum):
    ORDERED = "ordered"
    PERSONALISED = "personalised"
    SPOILED = "spoiled"
    DISPATCHED = "dispatched"
    RECEIVED = "received"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LOST = "lost"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REPLACED = "replaced"


S = CardState
TRANSITIONS: dict[CardState, frozenset[CardState]] = {
    S.ORDERED: frozenset({S.PERSONALISED, S.SPOILED}),
    S.PERSONALISED: frozenset({S.DISPATCHED, S.SPOILED}),
    # in transit or at the station: lost on the way, damaged, or never collected and withdrawn
    S.DISPATCHED: frozenset({S.RECEIVED, S.LOST, S.SPOILED}),
    S.RECEIVED: frozenset({S.ACTIVE, S.LOST, S.SPOILED, S.REVOKED}),
    S.ACTIVE: frozenset({S.SUSPENDED, S.LOST, S.REVOKED, S.EXPIRED, S.REPLACED}),
    S.SUSPENDED: frozenset({S.ACTIVE, S.LOST, S.REVOKED, S.EXPIRED, S.REPLACED}),
    S.SPOILED: frozenset(),
    S.LOST: frozenset(),
    S.REVOKED: frozenset(),
    S.EXPIRED: frozenset(),
    S.REPLACED: frozenset(),
}
FINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)
# the card exists physically at the production centre, on the way or at the station, not yet the holder's
BEFORE_HANDOVER = frozenset({S.ORDERED, S.PERSONALISED, S.DISPATCHED, S.RECEIVED})


class Status(StrEnum):
    """What an online status query answers (``POST /api/v1/status``)."""

    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REPLACED = "replaced"


# A card not yet handed over is not valid yet: "suspended" (not in force), never "revoked", which a relying
# party rightly takes as final — the same card becomes valid at the hand-over. A spoiled or lost card is
# revoked for good.
STATUS_OF: dict[CardState, Status] = {
    S.ORDERED: Status.SUSPENDED,
    S.PERSONALISED: Status.SUSPENDED,
    S.SPOILED: Status.REVOKED,
    S.DISPATCHED: Status.SUSPENDED,
    S.RECEIVED: Status.SUSPENDED,
    S.ACTIVE: Status.VALID,
    S.SUSPENDED: Status.SUSPENDED,
    S.LOST: Status.REVOKED,
    S.REVOKED: Status.REVOKED,
    S.EXPIRED: Status.EXPIRED,
    S.REPLACED: Status.REPLACED,
}


class TransitionRefused(ValueError):
    def __init__(self, source: str, target: str):
        super().__init__(f"{source} → {target}")
        self.source, self.target = source, target


def allowed(source: str, target: str) -> bool:
    try:
        return CardState(target) in TRANSITIONS[CardState(source)]
    except ValueError:
        return False


def check_transition(source: str, target: str) -> CardState:
    """``target`` as a state when a card in ``source`` may move there; TransitionRefused otherwise."""
    if not allowed(source, target):
        raise TransitionRefused(source, target)
    return CardState(target)


def status_of(state: str, *, expiry=None, on=None) -> Status:
    """The status a relying party is told: an active card past its expiry date is expired even before the
    nightly job has moved it (``expiry`` is the last day of validity's next day, as printed)."""
    status = STATUS_OF[CardState(state)]
    if status in (Status.VALID, Status.SUSPENDED) and expiry is not None and on is not None and on >= expiry:
        return Status.EXPIRED
    return status


# -- the card serial ------------------------------------------------------------------------------------------
# ``C`` + the two digits of the production year + an 8-digit running number + an ICAO 7-3-1 check digit,
# 12 characters (``C26000012344``). The running number comes from a counter that only grows, so a serial (a
# spoiled card's too) is never issued twice.
SERIAL_PREFIX = "C"
SERIAL_LENGTH = 12
_WEIGHTS = (7, 3, 1)


def _value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - 55
    raise ValueError(char)


def check_digit(text: str) -> str:
    return str(sum(_value(char) * _WEIGHTS[i % 3] for i, char in enumerate(text)) % 10)


def make_serial(year: int, number: int) -> str:
    if not 0 <= number < 10**8:
        raise ValueError("the running number of a card serial has at most 8 digits")
    body = f"{SERIAL_PREFIX}{year % 100:02d}{number:08d}"
    return body + check_digit(body)


def is_serial(text) -> bool:
    """A well-formed serial (letters upper-case, check digit right); says nothing of whether it exists."""
    if not isinstance(text, str) or len(text) != SERIAL_LENGTH or not text.isascii():
        return False
    body, check = text[:-1], text[-1]
    return body[0] == SERIAL_PREFIX and body[1:].isdigit() and check.isdigit() and check_digit(body) == check
