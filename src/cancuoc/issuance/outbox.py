"""The outbox: messages to citizens (their card is ready, a one-time code, a campaign's announcement),
queued in the transaction of what they tell and sent afterwards by the worker through a pluggable sender.

- ``queue(key, ...)`` is idempotent by ``key``: queueing the same key twice gives back the first message.
- A message with no phone number is kept as ``no_channel`` and listed for a call or a visit.
- ``deliver_due()`` claims each due message (one UPDATE from ``queued`` to ``sending`` with a token) before
  it calls the sender, so two workers never send the same message; the sender receives the key and passes
  it to the provider as its idempotency key. A failure is retried with exponential back-off up to
  ``CANCUOC_OUTBOX_MAX_ATTEMPTS``; a message left ``sending`` by a crashed worker is settled by asking the
  sender whether it went out (``was_sent``), and is never sent again blindly (docs/outbox.md).

The sender is the class named by ``CANCUOC_OUTBOX_SENDER`` (dotted path; default ``LogSender``, which writes
to ``VAR_DIR/outbox/messages.log``). An SMS or Zalo gateway is another subclass of ``Sender``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from . import events
from .errors import IssuanceError
from .errors import IssuanceErrorCode as Code
from .models import Channel, OutboxMessage

logger = logging.getLogger(__name__)
State = OutboxMessage.State
DEFAULT_SENDER = "cancuoc.issuance.outbox.LogSender"
KEY_LIMIT = 120
BODY_LIMIT = 1000
BACKOFF_BASE_SECONDS = 60
BACKOFF_CAP_SECONDS = 6 * 3600
REDACTED = ("(nội dung đã xóa sau khi gửi)", "(text removed once sent)")
_KEY_CHARACTERS = frozenset(string.ascii_letters + string.digits + string.punctuation)


# -- the sender's side ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outgoing:
    """What a sender gets: ``key`` is the idempotency key to hand to the provider."""

    key: str
    recipient: str
    channel: str
    body_vi: str
    body_en: str


class SendFailed(Exception):
    """The provider refused or could not be reached; ``retry=False`` when trying again cannot help
    (a number the network does not know)."""

    def __init__(self, detail: str, *, retry: bool = True):
        super().__init__(detail)
        self.detail, self.retry = detail, retry


class Sender:
    """Delivers one message. ``send`` returns the provider's reference or raises ``SendFailed``;
    ``was_sent`` answers, after a crash, whether a key went out (None: the provider cannot tell)."""

    name = "sender"

    def send(self, message: Outgoing) -> str:
        raise NotImplementedError

    def was_sent(self, key: str) -> bool | None:
        return None


class LogSender(Sender):
    """The default: one JSON line per message in ``VAR_DIR/outbox/messages.log`` (owner-only), the number
    masked but for its last three digits. Nothing leaves the machine."""

    name = "log"

    def __init__(self, path: Path | None = None):
        self.path = Path(path or Path(settings.VAR_DIR) / "outbox" / "messages.log")

    def send(self, message: Outgoing) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"key": message.key, "at": timezone.now().isoformat(), "channel": message.channel,
                           "to": "•" * max(len(message.recipient) - 3, 0) + message.recipient[-3:],
                           "body_vi": message.body_vi, "body_en": message.body_en}, ensure_ascii=False)  # fmt: skip
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.write(line + "\n")
        return message.key

    def was_sent(self, key: str) -> bool | None:
        try:
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    try:
                        if json.loads(line).get("key") == key:
                            return True
                    except ValueError:
                        continue  # a line cut short by a crash mid-write: that message did not go out
        except FileNotFoundError:
            return False
        return False


@cache
def _sender_class(path: str) -> type[Sender]:
    try:
        sender_class = import_string(path)
    except ImportError:
        raise IssuanceError(Code.SENDER_UNKNOWN, path=path[:200]) from None
    if not (isinstance(sender_class, type) and issubclass(sender_class, Sender)):
        raise IssuanceError(Code.SENDER_UNKNOWN, path=path[:200])
    return sender_class


def get_sender() -> Sender:
    return _sender_class(getattr(settings, "CANCUOC_OUTBOX_SENDER", DEFAULT_SENDER))()


def max_attempts() -> int:
    return int(getattr(settings, "CANCUOC_OUTBOX_MAX_ATTEMPTS", 8))


def lease_seconds() -> int:
    return int(getattr(settings, "CANCUOC_OUTBOX_LEASE_SECONDS", 300))


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after ``attempts`` failed ones: 1, 2, 4 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)


# -- queueing -------------------------------------------------------------------------------------------------
def _clean_key(key) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= KEY_LIMIT or not set(key) <= _KEY_CHARACTERS:
        raise IssuanceError(Code.KEY_INVALID)
    return key


def _clean_body(text) -> str:
    text = "" if text is None else str(text).strip()
    if not 1 <= len(text) <= BODY_LIMIT or "\x00" in text:
        raise IssuanceError(Code.BODY_INVALID)
    return text


def _kick_worker() -> None:
    from .tasks import send_outbox

    try:
        send_outbox.enqueue()
    except Exception:  # the worker's next round sends it anyway
        logger.warning("outbox: could not enqueue the sending task", exc_info=True)


def _kick_after_commit() -> None:
    """Enqueue the sending task once the transaction commits, once per transaction however many messages
    it queued (a campaign's announcement queues one per household head)."""
    if any(entry[1] is _kick_worker for entry in connection.run_on_commit):
        return
    transaction.on_commit(_kick_worker, robust=True)


def queue(key: str, *, recipient: str, channel: str, body_vi: str, body_en: str, citizen=None, actor=None,
          unit_path: str | None = None, kick: bool = True, sensitive: bool = False) -> OutboxMessage:  # fmt: skip
    """Queue one message (idempotent by ``key``: the same key gives back the first message, unchanged).
    Call inside the transaction of what it tells; it is sent after that commits. With no recipient or
    channel the message is kept as ``no_channel`` for the officers to call or visit. A ``sensitive``
    message (a one-time code) has its text blanked once it is sent or given up."""
    key, body_vi, body_en = _clean_key(key), _clean_body(body_vi), _clean_body(body_en)
    recipient = "" if recipient is None else str(recipient).strip()[:40]
    channel = "" if channel is None else str(channel).strip()
    if channel and channel not in Channel.values:
        raise IssuanceError(Code.CHANNEL_UNKNOWN)
    existing = OutboxMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if unit_path is None:
        unit = getattr(citizen, "permanent_unit", None) if citizen is not None else None
        unit_path = unit.path if unit is not None else ""
    reachable = bool(recipient and channel)
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    key=key, citizen=citizen, unit_path=unit_path[:64], recipient=recipient if reachable else "",
                    channel=channel if reachable else "", body_vi=body_vi, body_en=body_en,
                    state=State.QUEUED if reachable else State.NO_CHANNEL, next_attempt_at=timezone.now(),
                    sensitive=sensitive,
                )  # fmt: skip
        except IntegrityError:  # queued by another transaction at the same moment
            return OutboxMessage.objects.get(key=key)
        events.message_queued(actor, message)
        if reachable and kick:
            _kick_after_commit()
    return message


# -- sending --------------------------------------------------------------------------------------------------
def _settle(message: OutboxMessage, held: str, outcome: str, sender: Sender, /, **fields) -> bool:
    """Write what happened to a claimed message, only while the claim is still ours; audited."""
    if message.sensitive and fields.get("state") in (State.SENT, State.FAILED, State.UNCERTAIN):
        fields.update(body_vi=REDACTED[0], body_en=REDACTED[1])
    with transaction.atomic():
        done = OutboxMessage.objects.filter(pk=message.pk, claim=held, state=State.SENDING).update(**fields)
        if done:
            for name, value in fields.items():
                setattr(message, name, value)
            events.message_sent(message, outcome=outcome, sender=sender.name)
    return bool(done)


def _failed(message: OutboxMessage, claim: str, sender: Sender, detail: str, *, retry: bool, now: datetime) -> str:
    attempts = message.attempts
    if retry and attempts < max_attempts():
        _settle(message, claim, "retry", sender, state=State.QUEUED, claim="", last_error=detail[:300],
                next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts)))  # fmt: skip
        return "retry"
    _settle(message, claim, "failed", sender, state=State.FAILED, claim="", last_error=detail[:300])
    return "failed"


def recover_stale(*, now: datetime | None = None, sender: Sender | None = None) -> int:
    """Messages left ``sending`` longer than the lease (their worker died between the claim and the mark):
    the sender says whether each went out — sent, queued again, or ``uncertain`` for a person to check."""
    now, sender = now or timezone.now(), sender or get_sender()
    stale = list(OutboxMessage.objects.filter(state=State.SENDING,
                                              claimed_at__lt=now - timedelta(seconds=lease_seconds())))  # fmt: skip
    for message in stale:
        went = sender.was_sent(message.key)
        if went is True:
            _settle(message, message.claim, "sent", sender, state=State.SENT, claim="", sent_at=now)
        elif went is False:
            _settle(message, message.claim, "retry", sender, state=State.QUEUED, claim="", next_attempt_at=now,
                    last_error="worker stopped before sending")  # fmt: skip
        else:
            _settle(message, message.claim, "uncertain", sender, state=State.UNCERTAIN, claim="",
                    last_error="worker stopped mid-send; the provider cannot tell")  # fmt: skip
    return len(stale)


def deliver_due(*, limit: int = 200, now: datetime | None = None, sender: Sender | None = None) -> dict[str, int]:
    """Send the messages that are due, each claimed first; returns counts by outcome."""
    now, sender = now or timezone.now(), sender or get_sender()
    counts = {"sent": 0, "retry": 0, "failed": 0, "recovered": recover_stale(now=now, sender=sender)}
    due = list(OutboxMessage.objects.filter(state=State.QUEUED, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])  # fmt: skip
    for pk in due:
        claim = secrets.token_hex(8)
        if not OutboxMessage.objects.filter(pk=pk, state=State.QUEUED).update(
            state=State.SENDING, claim=claim, claimed_at=now, attempts=F("attempts") + 1
        ):
            continue  # another worker claimed it first
        message = OutboxMessage.objects.get(pk=pk)
        outgoing = Outgoing(message.key, message.recipient, message.channel, message.body_vi, message.body_en)
        try:
            reference = sender.send(outgoing)
        except SendFailed as failure:
            counts[_failed(message, claim, sender, failure.detail, retry=failure.retry, now=now)] += 1
            continue
        except Exception as error:  # a sender's bug or a network error it did not wrap: retried
            logger.warning("outbox: sender %s failed on %s", sender.name, message.key, exc_info=True)
            counts[_failed(message, claim, sender, type(error).__name__, retry=True, now=now)] += 1
            continue
        if _settle(message, claim, "sent", sender, state=State.SENT, claim="", sent_at=timezone.now(),
                   provider_reference=str(reference or "")[:120], last_error=""):  # fmt: skip
            counts["sent"] += 1
    return counts


def next_due_at() -> datetime | None:
    return (OutboxMessage.objects.filter(state=State.QUEUED).order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True).first())  # fmt: skip


# -- what the card's life tells the citizen ------------------------------------------------------------------
def _card_ready_texts(card, station_name: str) -> tuple[str, str]:
    return (f"Thẻ căn cước (số sê-ri {card.serial}) của bạn đã có tại {station_name}. "
            "Mời bạn mang giấy hẹn đến nhận thẻ.",
            f"Your identity card (serial {card.serial}) is ready at {station_name}. "
            "Bring your appointment slip to collect it.")  # fmt: skip


def on_card_moved(sender, *, cards, source, target, actor, reason, **kwargs) -> None:
    """``cards.lifecycle.card_moved``: cards received at the station → "your card is ready" queued in the same
    transaction; a card handed over → the holder's open re-issue requests are closed by it."""
    if target == "received":
        _queue_card_ready(cards, actor)
    elif target == "active" and source == "received":
        from .models import ReissueRequest

        now = timezone.now()
        for card in cards:
            ReissueRequest.objects.filter(citizen_id=card.citizen_id, closed_at__isnull=True).exclude(
                lost_card=card).update(closed_at=now, closed_by_card=card)  # fmt: skip


def _queue_card_ready(cards, actor) -> None:
    """One "your card is ready" per card, in bulk (a station may confirm a whole parcel at once): a fixed
    number of queries whatever the number of cards."""
    from cancuoc.cards.models import Card

    from .models import CitizenContact

    if not cards:
        return
    keys = {card.pk: f"card-ready:{card.serial}" for card in cards}
    existing = set(OutboxMessage.objects.filter(key__in=list(keys.values())).values_list("key", flat=True))
    wanted = [card for card in cards if keys[card.pk] not in existing]
    if not wanted:
        return
    stations = dict(Card.objects.filter(pk__in=[c.pk for c in wanted], application__isnull=False)
                    .values_list("pk", "application__station__name"))  # fmt: skip
    contacts = {contact.citizen_id: contact
                for contact in CitizenContact.objects.filter(citizen_id__in={c.citizen_id for c in wanted})}  # fmt: skip
    now, messages = timezone.now(), []
    for card in wanted:
        contact = contacts.get(card.citizen_id)
        body_vi, body_en = _card_ready_texts(card, stations.get(card.pk) or "điểm trả thẻ")
        reachable = contact is not None
        messages.append(OutboxMessage(
            key=keys[card.pk], citizen_id=card.citizen_id, unit_path=card.unit_path,
            recipient=contact.phone if reachable else "", channel=contact.channel if reachable else "",
            body_vi=body_vi, body_en=body_en, state=State.QUEUED if reachable else State.NO_CHANNEL,
            next_attempt_at=now,
        ))  # fmt: skip
    # a card is received once (the lifecycle locks it and refuses a second receipt), so no key races here
    OutboxMessage.objects.bulk_create(messages)
    events.messages_queued(actor, messages)
    if any(message.state == State.QUEUED for message in messages):
        _kick_after_commit()
