"""Typed audit events of issuance: the only places here that build an ``AuditEvent``. Card transitions are
audited by ``cards.lifecycle`` itself; reads of cards and lists by ``cards.events``."""

from __future__ import annotations

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record, record_many


def delivery_changed(actor, card, *, state: str, tracking_number: str, reason: str) -> None:
    """A card posted to its holder, delivered, or returned to the station."""
    record(actor, AuditEvent(Action.UPDATE, "card", card.serial, card.unit_path, reason,
                             {"id_number": card.citizen.id_number, "post": state, "tracking": tracking_number},
                             event=Event.CARD_DELIVERY_CHANGED))  # fmt: skip


def contact_changed(actor, citizen, *, channel: str, unit_path: str, where: str) -> None:
    """The phone number a citizen is told things on (the number itself is not written to the log)."""
    record(actor, AuditEvent(Action.UPDATE, "contact", citizen.id_number, unit_path, where,
                             {"channel": channel}, event=Event.CONTACT_CHANGED))  # fmt: skip


def loss_reported(actor, card, *, by_citizen: bool, reason: str) -> None:
    record(actor, AuditEvent(Action.UPDATE, "card", card.serial, card.unit_path, reason,
                             {"id_number": card.citizen.id_number, "by": "citizen" if by_citizen else "officer"},
                             event=Event.CARD_LOSS_REPORTED))  # fmt: skip


def message_queued(actor, message) -> None:
    messages_queued(actor, [message])


def messages_queued(actor, messages) -> None:
    record_many(actor, [AuditEvent(Action.CREATE, "message", message.key[:40], message.unit_path, "outbox",
                                   {"channel": message.channel or "none", "state": message.state},
                                   event=Event.MESSAGE_QUEUED) for message in messages])  # fmt: skip


def message_sent(message, *, outcome: str, sender: str) -> None:
    """Sent, failed for good, or of unknown fate after a crash: what the worker did with a message."""
    record(None, AuditEvent(Action.UPDATE, "message", message.key[:40], message.unit_path, f"outbox: {sender}",
                            {"outcome": outcome, "attempts": message.attempts}, event=Event.MESSAGE_SENT))  # fmt: skip
