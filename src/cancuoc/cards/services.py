"""Personalising a registered citizen's card: reads the registry through the access rules and audits it."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings

from cancuoc.accounts.access import access_citizen_by_id_number
from cancuoc.audit.models import Action
from cancuoc.audit.services import AuditEvent, record

from . import faces, fonts, keystore
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


@functools.lru_cache(maxsize=1)
def card_typesetting() -> tuple[fonts.CardFonts, faces.Measure]:
    """The fonts and their metrics, found and loaded once per process (FontsMissing if not installed)."""
    found = fonts.find_card_fonts(settings.VAR_DIR / "fonts")
    return found, faces.Measure(found)


def personalise_citizen(acting_user, id_number: str, *, issue_date: date, with_faces: bool = True) -> Card:
    """The chip image, MRZ and QR of the citizen's card and, unless ``with_faces`` is false, the printed
    faces (``front.png``, ``back.png``, ``card.pdf``). Fonts are checked before anything is signed."""
    citizen = access_citizen_by_id_number(acting_user, id_number)
    typesetting = card_typesetting() if with_faces else None
    signer, certificate, _created = keystore.current_document_signer()
    holder, portrait = holder_from_citizen(citizen), placeholder_portrait(citizen.sex)
    card = personalise(holder, issue_date=issue_date, portrait=portrait, ds_signer=signer,
                       ds_certificate_der=certificate.public_bytes(serialization.Encoding.DER))  # fmt: skip
    if typesetting is not None:
        card.files.update(faces.render_faces(faces.face_data(holder, card, portrait.data), *typesetting))
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
