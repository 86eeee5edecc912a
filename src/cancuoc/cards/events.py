"""Typed audit events of cards and the national PKI."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record, record_many


def card_personalised(actor, citizen, *, unit_path: str, ds_serial: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "citizen", citizen.id_number, unit_path, "card personalisation",
                             {"ds_serial": ds_serial}, event=Event.CARD_PERSONALISED))  # fmt: skip


def pki_initialised(actor, *, csca_serial: str, backend: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "pki", csca_serial, "", "pki init", {"backend": backend},
                             event=Event.PKI_INITIALISED))  # fmt: skip


def ds_key_rotated(actor, *, ds_serial: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "pki", ds_serial, "", "pki rotate-ds", event=Event.DS_KEY_ROTATED))


def ds_key_revoked(actor, *, ds_serial: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "pki", ds_serial, "", "pki revoke-ds", event=Event.DS_KEY_REVOKED))


def crl_issued(actor, *, destination: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "pki", "crl", "", f"pki crl → {destination}", event=Event.CRL_ISSUED))


def csca_exported(actor, *, destination: str) -> None:
    record(actor, AuditEvent(Action.EXPORT, "pki", "csca", "", f"pki export → {destination}",
                             event=Event.CSCA_EXPORTED))  # fmt: skip


# --- the card's life: one kind of event per state a card enters (cards.lifecycle) ---------------------------
_ENTERED = {
    "ordered": Event.CARD_ORDERED, "personalised": Event.CARD_PERSONALISED, "spoiled": Event.CARD_SPOILED,
    "dispatched": Event.CARD_DISPATCHED, "received": Event.CARD_RECEIVED, "active": Event.CARD_HANDED_OVER,
    "suspended": Event.CARD_SUSPENDED, "lost": Event.CARD_LOST, "revoked": Event.CARD_REVOKED,
    "expired": Event.CARD_EXPIRED, "replaced": Event.CARD_REPLACED,
}  # fmt: skip


def cards_changed(actor, cards, *, source: str, target: str, reason: str) -> None:
    """Cards moved from ``source`` to ``target``: one entry per card (``card_ordered``, ``card_handed_over``,
    ``card_suspended`` … by the state entered; ``card_reinstated`` for suspended → active)."""
    event = Event.CARD_REINSTATED if (source, target) == ("suspended", "active") else _ENTERED[str(target)]
    record_many(actor, [
        AuditEvent(Action.UPDATE if source else Action.CREATE, "card", card.serial, card.unit_path, reason,
                   {"id_number": card.citizen.id_number, "from": source, "to": str(target)}, event=event)
        for card in cards
    ])  # fmt: skip


def card_viewed(actor, card, *, where: str) -> None:
    record(actor, AuditEvent(Action.READ, "card", card.serial, card.unit_path, where,
                             {"id_number": card.citizen.id_number}, event=Event.CARD_VIEWED))  # fmt: skip


def cards_listed(actor, *, unit_path: str, what: str, count: int) -> None:
    record(actor, AuditEvent(Action.SEARCH, "card", "", unit_path, what, {"count": count},
                             event=Event.CARDS_LISTED))  # fmt: skip
