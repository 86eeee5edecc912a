"""Typed audit events of cards and the national PKI."""

from cancuoc.audit.models import Action, Event
from cancuoc.audit.services import AuditEvent, record


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
