"""Personalisation: from a holder's data to the complete chip image and the printed data of one card.

Pure: the caller supplies the holder, the portrait, the Document Signer and the dates. One key pair
per card is generated for Active Authentication; its private key goes into the chip image
(``chip_aa_private_key.der``, what a personalisation machine writes to the chip) and is returned nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import biometrics, lds, mrz, qr, validity
from .sod import build_sod

CHIP_AA_KEY_FILE = "chip_aa_private_key.der"


@dataclass(frozen=True)
class Holder:
    id_number: str
    family_name: str
    middle_name: str
    given_name: str
    birth_date: date
    sex: str  # "M" or "F"
    nationality: str = "Việt Nam"
    ethnicity: str = ""
    religion: str = ""
    place_of_origin: str = ""
    place_of_residence: str = ""
    identifying_marks: str = ""
    father_name: str = ""
    mother_name: str = ""
    spouse_name: str = ""
    old_id_number: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name, self.middle_name, self.given_name) if part)


@dataclass(frozen=True)
class Card:
    number: str
    issue_date: date
    expiry: date | None
    mrz_lines: tuple[str, str, str]
    qr_payload: str
    files: dict[str, bytes]  # the chip image and the printed data, by file name


def _ddmmyyyy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "Không thời hạn"


def personalise(holder: Holder, *, issue_date: date, portrait: biometrics.FaceImage, ds_signer,
                ds_certificate_der: bytes, hash_name: str = "sha256") -> Card:  # fmt: skip
    expiry = validity.expiry_date(holder.birth_date, issue_date)
    lines = mrz.encode(mrz.MrzData(holder.id_number, holder.family_name, f"{holder.middle_name} {holder.given_name}".strip(),
                                   holder.birth_date, holder.sex, expiry))  # fmt: skip
    payload = qr.build(qr.QrData(holder.id_number, holder.old_id_number, holder.full_name, holder.birth_date, holder.sex,
                                 holder.place_of_residence, issue_date))  # fmt: skip
    aa_key = ec.generate_private_key(ec.SECP256R1())
    ca_key = ec.generate_private_key(ec.SECP256R1())
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    dg13 = lds.encode_dg13({
        "id_number": holder.id_number, "full_name": holder.full_name, "birth_date": holder.birth_date.strftime("%d/%m/%Y"),
        "sex": "Nam" if holder.sex == "M" else "Nữ", "nationality": holder.nationality, "ethnicity": holder.ethnicity,
        "religion": holder.religion, "place_of_origin": holder.place_of_origin,
        "place_of_residence": holder.place_of_residence, "identifying_marks": holder.identifying_marks,
        "issue_date": issue_date.strftime("%d/%m/%Y"), "expiry": _ddmmyyyy(expiry),
        "parents": (holder.father_name, holder.mother_name), "spouse": holder.spouse_name,
        "old_id_number": holder.old_id_number,
    })  # fmt: skip
    groups = {
        1: lds.encode_dg1(lines),
        2: biometrics.encode_dg2(portrait),
        13: dg13,
        14: biometrics.encode_dg14(ca_key.public_key().public_bytes(*spki)),
        15: biometrics.encode_dg15(aa_key.public_key().public_bytes(*spki)),
    }
    signing_time = datetime.combine(issue_date, time(8, 0), tzinfo=UTC)
    sod = build_sod(groups, ds_signer, ds_certificate_der, hash_name=hash_name, signing_time=signing_time)
    files = {"EF_COM.bin": lds.encode_ef_com(list(groups)), "EF_SOD.bin": sod}
    files.update({f"DG{number}.bin": content for number, content in groups.items()})
    files["mrz.txt"] = ("\n".join(lines) + "\n").encode("ascii")
    files["qr.txt"] = payload.encode("utf-8")
    files[CHIP_AA_KEY_FILE] = aa_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption())  # fmt: skip
    return Card(holder.id_number, issue_date, expiry, lines, payload, files)


def active_authentication(dg15: bytes, chip_private_key_der: bytes, challenge: bytes) -> bool:
    """Challenge-response against DG15: the chip signs the reader's random challenge with its AA key
    (simulated here with the key from the chip image); the reader verifies with DG15's public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes

    public_info = biometrics.parse_dg15(dg15)
    public_key = serialization.load_der_public_key(public_info.dump())
    chip_key = serialization.load_der_private_key(chip_private_key_der, password=None)
    signature = chip_key.sign(challenge, ec.ECDSA(hashes.SHA256()))
    try:
        public_key.verify(signature, challenge, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True
