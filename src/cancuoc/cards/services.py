"""Personalising a registered citizen's card: reads the registry through the access rules and audits it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from cancuoc.accounts.access import access_citizen_by_id_number
from cancuoc.audit.models import Action
from cancuoc.audit.services import AuditEvent, record

from . import keystore
from .personalisation import Card, Holder, personalise
from .portrait import placeholder_portrait


def holder_from_citizen(citizen) -> Holder:
    def place(unit, street=""):
        return ", ".join(part for part in (street, unit.full_name() if unit else "") if part)

    return Holder(
        id_number=citizen.id_number, family_name=citizen.family_name, middle_name=citizen.middle_name,
        given_name=citizen.given_name, birth_date=citizen.birth_date, sex=citizen.sex,
        nationality="Việt Nam" if citizen.nationality == "VNM" else citizen.nationality, ethnicity=citizen.ethnicity,
        religion=citizen.religion or "Không", place_of_origin=place(citizen.origin_unit),
        place_of_residence=place(citizen.permanent_unit, citizen.permanent_address), father_name=citizen.father_name,
        mother_name=citizen.mother_name, spouse_name=citizen.spouse_name, old_id_number=citizen.old_id_number,
    )  # fmt: skip


def personalise_citizen(acting_user, id_number: str, *, issue_date: date) -> Card:
    citizen = access_citizen_by_id_number(acting_user, id_number)
    signer, certificate, _created = keystore.current_document_signer()
    card = personalise(holder_from_citizen(citizen), issue_date=issue_date, portrait=placeholder_portrait(citizen.sex),
                       ds_signer=signer, ds_certificate_der=certificate.public_bytes(serialization.Encoding.DER))  # fmt: skip
    unit = citizen.permanent_unit
    record(acting_user, AuditEvent(Action.EXPORT, "citizen", citizen.id_number, unit.path if unit else "",
                                   "card personalisation", {"ds_serial": f"{certificate.serial_number:x}"}))  # fmt: skip
    return card


def write_card(card: Card, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(card.files.items()):
        path = out / name
        path.write_bytes(content)
        written.append(path)
    return written
