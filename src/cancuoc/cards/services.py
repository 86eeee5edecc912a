"""Personalising a registered citizen's card: reads the registry through the access rules and audits it."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction

from cancuoc.accounts.permissions import Verb, require_permission
from cancuoc.icao import faces, fonts
from cancuoc.icao.personalisation import Card, Holder, personalise
from cancuoc.icao.portrait import placeholder_portrait
from cancuoc.registry.access import access_citizen_by_id_number

from . import events, keystore
from .errors import CardError, CardErrorCode


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
    citizen = access_citizen_by_id_number(acting_user, id_number, Verb.CARD_PERSONALISE,
                                          where="card personalisation")
    if citizen.date_of_death is not None:
        raise CardError(CardErrorCode.HOLDER_DECEASED, id_number=citizen.id_number)
    typesetting = card_typesetting() if with_faces else None
    signer, certificate, _created = keystore.current_document_signer()
    holder, portrait = holder_from_citizen(citizen), placeholder_portrait(citizen.sex)
    card = personalise(holder, issue_date=issue_date, portrait=portrait, ds_signer=signer,
                       ds_certificate_der=certificate.public_bytes(serialization.Encoding.DER))  # fmt: skip
    if typesetting is not None:
        card.files.update(faces.render_faces(faces.face_data(holder, card, portrait.data), *typesetting))
    unit = citizen.permanent_unit
    events.card_personalised(acting_user, citizen, unit_path=unit.path if unit else "",
                             ds_serial=f"{certificate.serial_number:x}")  # fmt: skip
    return card


# --- the national PKI: each operation needs the permission table's verb and is audited ------------------


@transaction.atomic
def initialise_pki(acting_user, now, *, force: bool = False):
    require_permission(acting_user, Verb.PKI_MANAGE)
    certificate = keystore.initialise(now, force=force)
    events.pki_initialised(acting_user, csca_serial=f"{certificate.serial_number:x}",
                           backend=keystore.describe_backend())  # fmt: skip
    return certificate


@transaction.atomic
def rotate_document_signer(acting_user, now):
    require_permission(acting_user, Verb.PKI_MANAGE)
    certificate = keystore.rotate_document_signer(now)
    events.ds_key_rotated(acting_user, ds_serial=f"{certificate.serial_number:x}")
    return certificate


@transaction.atomic
def revoke_document_signer(acting_user, serial_hex: str, now) -> None:
    require_permission(acting_user, Verb.PKI_MANAGE)
    keystore.revoke(serial_hex, now)
    events.ds_key_revoked(acting_user, ds_serial=serial_hex)


@transaction.atomic
def issue_crl(acting_user, now, *, destination: str) -> bytes:
    require_permission(acting_user, Verb.PKI_PUBLISH)
    data = keystore.write_crl(now)
    events.crl_issued(acting_user, destination=destination)
    return data


def write_card(card: Card, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in sorted(card.files.items()):
        path = out / name
        path.write_bytes(content)
        written.append(path)
    return written
