"""The QR payload printed on the card (2021–2024 cards): UTF-8 text, fields joined by ``|``.

``ID|old 9-digit ID or empty|Full name|DOB ddmmyyyy|Nam or Nữ|place of residence|issue date ddmmyyyy``.
The 2024 card appends fields whose order is not verified: the parser keeps them, unnamed, in ``extra``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

SEPARATOR = "|"
SEX_TEXT = {"M": "Nam", "F": "Nữ"}


class QrError(ValueError):
    """A payload that cannot be read; the message names the field."""


@dataclass(frozen=True)
class QrData:
    id_number: str
    old_id_number: str
    full_name: str
    birth_date: date
    sex: str  # "M" or "F"
    residence: str
    issue_date: date
    extra: tuple[str, ...] = field(default=())


def _ddmmyyyy(value: date) -> str:
    return value.strftime("%d%m%Y")


def build(data: QrData) -> str:
    for name, value in (("full_name", data.full_name), ("residence", data.residence)):
        if SEPARATOR in value:
            raise QrError(f"{name} may not contain '|'")
    fields = [
        data.id_number, data.old_id_number, unicodedata.normalize("NFC", data.full_name), _ddmmyyyy(data.birth_date),
        SEX_TEXT[data.sex], unicodedata.normalize("NFC", data.residence), _ddmmyyyy(data.issue_date), *data.extra,
    ]  # fmt: skip
    return SEPARATOR.join(fields)


def _date(text: str, name: str) -> date:
    try:
        return datetime.strptime(text, "%d%m%Y").date()
    except ValueError as error:
        raise QrError(f"{name}: expected ddmmyyyy, got {text!r}") from error


def parse(payload: str | bytes) -> QrData:
    if isinstance(payload, bytes):
        try:
            payload = payload.decode("utf-8")
        except UnicodeDecodeError as error:
            raise QrError("the payload is not UTF-8") from error
    fields = unicodedata.normalize("NFC", payload).strip().split(SEPARATOR)
    if len(fields) < 7:
        raise QrError(f"expected at least 7 fields separated by '|', got {len(fields)}")
    id_number, old_id, full_name, birth, sex_text, residence, issue, *extra = fields
    if not (len(id_number) == 12 and id_number.isdigit()):
        raise QrError(f"id_number: expected 12 digits, got {id_number!r}")
    if old_id and not (len(old_id) == 9 and old_id.isdigit()):
        raise QrError(f"old_id_number: expected 9 digits or empty, got {old_id!r}")
    sex = {"Nam": "M", "Nữ": "F"}.get(sex_text)
    if sex is None:
        raise QrError(f"sex: expected 'Nam' or 'Nữ', got {sex_text!r}")
    if not full_name.strip():
        raise QrError("full_name is empty")
    return QrData(id_number, old_id, full_name, _date(birth, "birth_date"), sex, residence, _date(issue, "issue_date"),
                  tuple(extra))  # fmt: skip
