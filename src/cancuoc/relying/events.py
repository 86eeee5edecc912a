"""Typed audit events of relying parties: registered or changed, each status query (per party), status
lists issued and downloaded. A party is not an officer: its entries carry ``relying-party:<key id>`` as
the actor's name and no user."""

from __future__ import annotations

from dataclasses import dataclass

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record

from . import querylog


@dataclass(frozen=True)
class PartyActor:
    """How a relying party appears in the audit log (``record`` takes the name of an actor without a pk)."""

    username: str


def party_actor(party) -> PartyActor:
    return PartyActor(f"relying-party:{party.key_id}")


def party_changed(actor, party, *, what: str, changes: dict) -> None:
    record(actor, AuditEvent(Action.MANAGE, "relying_party", party.key_id, "", f"{what}: {party.name}",
                             changes, event=Event.RELYING_PARTY_CHANGED))  # fmt: skip


def card_status_queried(party, *, serial: str, unit_path: str, proof: str, answer: str, address: str) -> None:
    """One status query: who asked (the party), about which serial, with which kind of proof, what was
    answered (a status word, or ``unknown`` for an unknown serial or a wrong proof). Never the proof itself."""
    querylog.add(party_actor(party), AuditEvent(
        Action.READ, "card", serial, unit_path, f"status query by {party.name}"[:300],
        {"party": party.key_id, "proof": proof, "answer": answer, "address": address},
        event=Event.CARD_STATUS_QUERIED,
    ))  # fmt: skip


def status_list_issued(actor, status_list, *, destination: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "status_list", str(status_list.pk), "", f"status list → {destination}",
                             {"entries": status_list.entry_count, "key_id": status_list.key_id},
                             event=Event.STATUS_LIST_ISSUED))  # fmt: skip


def status_list_downloaded(party, status_list) -> None:
    record(party_actor(party), AuditEvent(Action.EXPORT, "status_list", str(status_list.pk), "",
                                          f"status list downloaded by {party.name}"[:300],
                                          {"party": party.key_id, "entries": status_list.entry_count},
                                          event=Event.STATUS_LIST_ISSUED))  # fmt: skip


def status_key_rotated(actor, *, key_id: str) -> None:
    record(actor, AuditEvent(Action.SIGN, "status_key", key_id, "", "relying-party rotate-key",
                             event=Event.STATUS_KEY_ROTATED))  # fmt: skip
