"""ICAO 9303 TD1 machine-readable zone (3 × 30 characters) in the Vietnamese layout.

Line 1: ``ID`` ``VNM``, the last 9 digits of the ID number and their check digit, then the full
12-digit number, ``<<`` and the check digit of the 12 digits (in the optional-data field).
Line 2: birth date YYMMDD + check, sex, expiry YYMMDD + check (``<<<<<<`` when the card has no
expiry), ``VNM``, optional data (fillers), composite check digit. Line 3: SURNAME<<GIVEN<NAMES,
transliterated (tones removed, Đ→D, upper case) and truncated at the end when too long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from cancuoc.rules.text import fold

LINE_LENGTH = 30
WEIGHTS = (7, 3, 1)
_CHAR_VALUES = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): 10 + i for i in range(26)}, "<": 0}
_MRZ_CHARS = re.compile(r"^[0-9A-Z<]{30}$")
# No expiry: the date field is all fillers; its check digit is computed like any other (fillers count 0).
NO_EXPIRY = "<<<<<<"


class MrzError(ValueError):
    """A field that cannot be encoded (for example an ID number that is not 12 digits)."""


def check_digit(field: str) -> str:
    total = 0
    for index, char in enumerate(field):
        if char not in _CHAR_VALUES:
            raise MrzError(f"character {char!r} is not allowed in an MRZ")
        total += _CHAR_VALUES[char] * WEIGHTS[index % 3]
    return str(total % 10)


def transliterate(name: str) -> str:
    """'Nguyễn Văn Đức' → 'NGUYEN<VAN<DUC' (tones removed, Đ→D, spaces and hyphens → <)."""
    return "<".join(fold(name).upper().split())


def name_field(family_name: str, given_names: str) -> str:
    """SURNAME<<GIVEN<NAMES in 30 characters; when too long, truncated at the end (ICAO 9303 Part 3),
    keeping at least the first letter of the given names."""
    primary, secondary = transliterate(family_name), transliterate(given_names)
    field = f"{primary}<<{secondary}" if secondary else primary
    if len(field) > LINE_LENGTH:
        room = LINE_LENGTH - len(primary) - 2
        if secondary and room >= 1:
            field = f"{primary}<<{secondary[:room]}"
        else:
            field = field[:LINE_LENGTH]
    return field.ljust(LINE_LENGTH, "<")


def _yymmdd(value: date | None) -> str:
    return NO_EXPIRY if value is None else value.strftime("%y%m%d")


@dataclass(frozen=True)
class MrzData:
    id_number: str
    family_name: str
    given_names: str  # middle and given name, as printed
    birth_date: date
    sex: str  # "M" or "F"
    expiry: date | None
    nationality: str = "VNM"
    issuing_state: str = "VNM"


def encode(data: MrzData) -> tuple[str, str, str]:
    if not (len(data.id_number) == 12 and data.id_number.isdigit()):
        raise MrzError("the ID number must be 12 digits")
    if data.sex not in ("M", "F", "<"):
        raise MrzError("sex must be M, F or <")
    document = data.id_number[3:]
    optional = f"{data.id_number}<<{check_digit(data.id_number)}"
    line1 = f"ID{data.issuing_state}{document}{check_digit(document)}{optional}"
    birth = _yymmdd(data.birth_date)
    expiry = _yymmdd(data.expiry)
    head = f"{birth}{check_digit(birth)}{data.sex}{expiry}{check_digit(expiry)}{data.nationality}"
    optional2 = "<" * 11
    composite = check_digit(line1[5:30] + head[0:7] + head[8:15] + optional2)
    line2 = f"{head}{optional2}{composite}"
    line3 = name_field(data.family_name, data.given_names)
    lines = (line1, line2, line3)
    assert all(len(line) == LINE_LENGTH for line in lines), lines
    return lines


@dataclass(frozen=True)
class MrzProblem:
    field: str
    message: str


@dataclass(frozen=True)
class ParsedMrz:
    document_code: str
    issuing_state: str
    document_number: str
    id_number: str | None
    birth_date_text: str
    sex: str
    expiry_text: str
    nationality: str
    primary_identifier: str
    secondary_identifier: str
    problems: tuple[MrzProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def birth_date(self, today: date) -> date | None:
        return _parse_date(self.birth_date_text, today, past=True)

    def expiry(self) -> date | None:
        return (
            None
            if self.expiry_text == NO_EXPIRY
            else _parse_date(self.expiry_text, date(2000, 1, 1), past=False)
        )


def _parse_date(text: str, today: date, *, past: bool) -> date | None:
    if not text.isdigit():
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    century = 2000 if past and 2000 + yy <= today.year else (1900 if past else 2000)
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        return None


def parse(lines: list[str] | tuple[str, ...] | str) -> ParsedMrz:
    """Read a TD1 MRZ and check every check digit; each failure names its field. Never raises on
    malformed input: the problems say what is wrong."""
    if isinstance(lines, str):
        lines = [line for line in lines.strip().splitlines() if line.strip()]
    lines = [line.strip().upper() for line in lines]
    problems: list[MrzProblem] = []
    if len(lines) != 3 or not all(_MRZ_CHARS.match(line) for line in lines):
        problems.append(MrzProblem("format", "a TD1 MRZ is 3 lines of 30 characters from 0-9, A-Z and <"))
        lines = [(line + "<" * 30)[:30] for line in (list(lines) + ["", "", ""])[:3]]
        lines = [re.sub(r"[^0-9A-Z<]", "<", line) for line in lines]
    line1, line2, line3 = lines

    def verify(field: str, value: str, digit: str) -> None:
        try:
            expected = check_digit(value)
        except MrzError:
            expected = None
        if digit == "<" and set(value) == {"<"}:
            return  # an absent field may carry a filler as its check digit
        if expected != digit:
            problems.append(MrzProblem(field, f"check digit of {field} is {digit!r}, computed {expected!r}"))

    document_number = line1[5:14]
    verify("document_number", document_number, line1[14])
    optional = line1[15:30]
    id_number = None
    if optional[:12].isdigit() and optional[12:14] == "<<":
        id_number = optional[:12]
        verify("id_number", id_number, optional[14])
        if id_number[3:] != document_number:
            problems.append(
                MrzProblem("id_number", "the document number is not the last 9 digits of the ID number")
            )
    verify("birth_date", line2[0:6], line2[6])
    verify("expiry", line2[8:14], line2[14])
    verify("composite", line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], line2[29])
    if line2[7] not in "MF<":
        problems.append(MrzProblem("sex", f"sex must be M, F or <, not {line2[7]!r}"))
    names = line3.rstrip("<").split("<<", 1)
    return ParsedMrz(
        document_code=line1[0:2], issuing_state=line1[2:5], document_number=document_number, id_number=id_number,
        birth_date_text=line2[0:6], sex=line2[7], expiry_text=line2[8:14], nationality=line2[15:18],
        primary_identifier=names[0].replace("<", " ").strip(),
        secondary_identifier=(names[1] if len(names) > 1 else "").replace("<", " ").strip(),
        problems=tuple(problems),
    )  # fmt: skip
