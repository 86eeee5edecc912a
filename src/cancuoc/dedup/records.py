"""The person record compared by duplicate detection, and the comparison keys derived from it.

A record holds what the population database holds about a person (names, birth date, sex, places, parents,
spouse, household, permanent address unit, old 9-digit number, ethnicity). ``comparison_keys`` turns it into
the normalised keys both modes compare: NFC with one tone-mark placement for names kept with diacritics,
folded ASCII for diacritic-insensitive keys, regional family-name spellings (Huỳnh, Võ) mapped to one form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import NamedTuple

from cancuoc.dedup.errors import DedupError, DedupErrorCode
from cancuoc.rules.text import fold, normalize_name

# Regional spellings of one family name (the south writes Huỳnh and Võ where the north writes Hoàng and Vũ).
REGIONAL_FAMILY_NAMES = {"huynh": "hoang", "vo": "vu"}
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_YEAR = re.compile(r"^\d{4}$")
_SEXES = {"m": "M", "male": "M", "nam": "M", "f": "F", "female": "F", "nu": "F"}


@dataclasses.dataclass(frozen=True, slots=True)
class PersonRecord:
    """One citizen's record; ``record_id`` is the 12-digit personal identification number."""

    record_id: str
    family_name: str = ""
    middle_name: str = ""
    given_name: str = ""
    birth_date: dt.date | None = None
    sex: str = ""  # "M" or "F"
    birth_place: str = ""  # place of birth registration (province code or name)
    origin_place: str = ""  # place of origin (quê quán)
    ethnicity: str = ""
    father_name: str = ""
    mother_name: str = ""
    spouse_name: str = ""
    household_id: str = ""
    address_unit: str = ""  # commune of permanent residence
    old_id_number: str = ""  # 9-digit identity card number


RECORD_FIELDS = tuple(field.name for field in dataclasses.fields(PersonRecord))


class ComparisonKeys(NamedTuple):
    """What both modes compare; empty string or 0 means unknown."""

    name_exact: str  # full name with diacritics, NFC, one tone placement, lower case
    name_key: str  # folded full name in stored order, regional family name unified
    name_sorted: str  # folded words sorted: the same for any name order
    pair_key: str  # family and given name, sorted: the same with a missing middle name or reversed order
    pair_exact: str  # family and given name with diacritics, for typos in a record without a middle name
    name_plain: str  # "y" when the name was written without any diacritic: only folded typos can be seen
    family_key: str
    middle_key: str
    given_key: str
    dob_text: str  # YYYYMMDD
    dob_swapped: str  # YYYYDDMM when day and month can be swapped, else ""
    birth_year: int
    placeholder_date: bool  # 1 January: often a legacy record that knew only the year
    sex: str
    birth_place: str
    origin_place: str
    ethnicity: str
    father_key: str
    mother_key: str
    parents_key: str  # both parents, only when both are known
    spouse_key: str
    household_id: str
    address_unit: str
    old_id_number: str


def parse_birth_date(value) -> dt.date | None:
    """A date, an ISO or dd/mm/yyyy string, or a year alone (stored as 1 January, as legacy records do)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and 1800 <= value <= 2200:
        return dt.date(value, 1, 1)
    text = str(value).strip()
    try:
        if match := _DATE_YMD.match(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DATE_DMY.match(text):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
        if _YEAR.match(text):
            return dt.date(int(text), 1, 1)
    except ValueError:
        pass
    raise DedupError(DedupErrorCode.BIRTH_DATE_INVALID, value=text)


def parse_sex(value) -> str:
    if not value:
        return ""
    sex = _SEXES.get(fold(str(value)))
    if sex is None:
        raise DedupError(DedupErrorCode.SEX_INVALID, value=str(value))
    return sex


def as_person_record(value: PersonRecord | Mapping) -> PersonRecord:
    """A ``PersonRecord`` from itself or from a plain dict with the same field names."""
    if isinstance(value, PersonRecord):
        return value
    unknown = sorted(set(value) - set(RECORD_FIELDS))
    if unknown:
        raise DedupError(DedupErrorCode.FIELD_UNKNOWN, name=unknown[0])
    record_id = str(value.get("record_id") or "").strip()
    if not record_id:
        raise DedupError(DedupErrorCode.RECORD_ID_MISSING)
    fields = {name: str(value.get(name) or "") for name in RECORD_FIELDS}
    fields["record_id"] = record_id
    fields["birth_date"] = parse_birth_date(value.get("birth_date"))
    fields["sex"] = parse_sex(value.get("sex"))
    return PersonRecord(**fields)


@functools.lru_cache(maxsize=1 << 18)  # names repeat: parents' and spouses' names above all
def name_words_key(name: str) -> str:
    """Folded words, each regional spelling unified (also in a given name, so that a reversed name order
    still meets: 'Thúy Huỳnh' and 'Hoàng Thúy')."""
    return " ".join(REGIONAL_FAMILY_NAMES.get(word, word) for word in fold(name).split())


def comparison_keys(record: PersonRecord) -> ComparisonKeys:
    family, middle, given = (name_words_key(part) for part in (record.family_name, record.middle_name,
                                                               record.given_name))  # fmt: skip
    words = [part for part in (family, middle, given) if part]
    name_key = " ".join(words)
    exact_parts = [normalize_name(part).lower() for part in (record.family_name, record.middle_name,
                                                              record.given_name)]  # fmt: skip
    father, mother = name_words_key(record.father_name), name_words_key(record.mother_name)
    birth = record.birth_date
    dob_text = dob_swapped = ""
    if birth is not None:
        dob_text = f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        if birth.day <= 12 and birth.day != birth.month:
            dob_swapped = f"{birth.year:04d}{birth.day:02d}{birth.month:02d}"
    name_exact = " ".join(part for part in exact_parts if part)
    return ComparisonKeys(
        name_exact=name_exact,
        name_key=name_key,
        name_sorted=" ".join(sorted(name_key.split())),
        pair_key=" ".join(sorted(part for part in (family, given) if part)) if given else "",
        pair_exact=" ".join(part for part in (exact_parts[0], exact_parts[2]) if part),
        name_plain="y" if name_exact and name_exact.isascii() else "",
        family_key=family,
        middle_key=middle,
        given_key=given,
        dob_text=dob_text,
        dob_swapped=dob_swapped,
        birth_year=birth.year if birth else 0,
        placeholder_date=bool(birth and birth.month == 1 and birth.day == 1),
        sex=record.sex,
        birth_place=fold(record.birth_place),
        origin_place=fold(record.origin_place),
        ethnicity=fold(record.ethnicity),
        father_key=father,
        mother_key=mother,
        parents_key=f"{father} / {mother}" if father and mother else "",
        spouse_key=name_words_key(record.spouse_name),
        household_id=record.household_id.strip(),
        address_unit=record.address_unit.strip(),
        old_id_number=record.old_id_number.strip(),
    )
