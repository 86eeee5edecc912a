"""Typed audit events of card production. The cards' own transitions (ordered, personalised, spoiled,
dispatched, received) are audited by ``cards.lifecycle``; these record the batch, its file and its parcels."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record, record_many

# Passing quality control changes no card state; until the event kind exists in audit.models the entry is
# filed under its name (the column has no choices: no migration needed).
CARD_QC_PASSED = Event.CARD_QC_PASSED


def batch_created(actor, batch, *, reason: str) -> None:
    record(actor, AuditEvent(Action.CREATE, "production_batch", batch.code, batch.province.path, reason,
                             {"cards": batch.card_count, "priority": batch.priority,
                              "remakes": batch.remakes.code if batch.remakes_id else ""},
                             event=Event.PRODUCTION_BATCH_CREATED))  # fmt: skip


def batch_finished(actor, batch) -> None:
    record(actor, AuditEvent(Action.UPDATE, "production_batch", batch.code, batch.province.path,
                             "production file written",
                             {"cards": batch.personalised_count, "file_sha256": batch.file_sha256,
                              "manifest_sha256": batch.manifest_sha256},
                             event=Event.PRODUCTION_BATCH_FINISHED))  # fmt: skip


def production_file_exported(actor, batch, *, destination: str) -> None:
    record(actor, AuditEvent(Action.EXPORT, "production_batch", batch.code, batch.province.path,
                             f"production file → {destination}",
                             {"file_sha256": batch.file_sha256, "cards": batch.personalised_count},
                             event=Event.PRODUCTION_FILE_EXPORTED))  # fmt: skip


def cards_packed(actor, parcels) -> None:
    record_many(actor, [
        AuditEvent(Action.CREATE, "parcel", parcel.code, parcel.unit_path, f"dispatch to {parcel.station.code}",
                   {"batch": parcel.batch.code, "station": parcel.station.code, "cards": parcel.card_count},
                   event=Event.CARDS_PACKED)
        for parcel in parcels
    ])  # fmt: skip


def cards_passed(actor, cards, *, batch) -> None:
    record_many(actor, [
        AuditEvent(Action.UPDATE, "card", card.serial, card.unit_path, f"quality control, batch {batch.code}",
                   {"id_number": card.citizen.id_number, "qc": "passed"}, event=CARD_QC_PASSED)
        for card in cards
    ])  # fmt: skip


def machine_key_installed(actor, *, key_id: str, path: str, generated: bool) -> None:
    """The public key chip keys are sealed to was (re)placed: who did it and which key it is now."""
    record(actor, AuditEvent(Action.UPDATE, "machine_key", key_id, "", f"machine key → {path}",
                             {"generated_here": generated}, event=Event.MACHINE_KEY_INSTALLED))  # fmt: skip
