"""Validation of citizen data, shared by forms, the API and imports.

Every problem carries a field, a code and a message in Vietnamese and English, so an import report,
a form and a JSON error all say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from cancuoc.rules import ethnic_religion, idnumber
from cancuoc.rules.text import normalize_name, normalize_text

MAX_AGE_YEARS = 130
_OLD_ID = re.compile(r"^\d{9}$")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$", re.UNICODE)

# Longest accepted text per field (the columns' sizes): longer text is refused, never cut.
MAX_LENGTHS = {"other_names": 140, "father_name": 140, "mother_name": 140, "spouse_name": 140, "ethnicity": 40,
               "religion": 80, "permanent_address": 200, "temporary_address": 200, "current_address": 200,
               "household_number": 20, "relation_to_head": 12, "marital_status": 10, "permanent_unit_code": 10,
               "temporary_unit_code": 10, "current_unit_code": 10, "birth_registration_unit_code": 10,
               "origin_unit_code": 10}  # fmt: skip


_REFUSALS = ("control_characters", "too_long")


# Unicode's categories Cc (C0 controls, DEL, C1 controls) and Cs (surrogates), as one character class
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def has_forbidden_characters(text: str) -> bool:
    """Control characters (NUL, escapes ...) and lone surrogates: never part of a name or an address, and they
    break exports and databases."""
    return _FORBIDDEN.search(text) is not None


SEX_ALIASES = {"m": "M", "nam": "M", "male": "M", "f": "F", "nữ": "F", "nu": "F", "female": "F"}


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message_vi: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_vi} / {self.message_en}"

    def as_dict(self) -> dict:
        return {
            "field": self.field,
            "code": self.code,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
        }


@dataclass
class CleanCitizen:
    values: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_date(value) -> date | None:
    """Accepts dd/mm/yyyy (the Vietnamese form), yyyy-mm-dd, a date, or an Excel datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=1 << 16)
def _parse_date_text(text: str) -> date:
    if match := _DMY.fullmatch(text):  # the common case, without strptime's cost
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day)
        except ValueError as error:
            raise ValueError(text) from error
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


# Fields an update may empty (a residence ended, a death date entered by mistake); the others stay required
# or are replaced, never emptied, by an update.
CLEARABLE = frozenset({"temporary_unit_code", "temporary_address", "current_unit_code", "current_address",
                       "date_of_death", "other_names", "old_id_number", "father_name", "mother_name",
                       "spouse_name", "religion", "blood_type", "marital_status"})  # fmt: skip


def _birth(result: CleanCitizen, current: dict | None) -> date | None:
    return result.values.get("birth_date") or (current or {}).get("birth_date")


def clean_citizen(raw: dict, *, today: date, partial: bool = False, current: dict | None = None) -> CleanCitizen:
    """Normalise and check one citizen's fields. ``partial`` checks only the fields present (updates); there
    a clearable field given as empty is emptied, and ``current`` (the record's birth and death dates) lets
    the dates be checked against each other.

    Units are not resolved here (that needs the database): ``*_unit_code`` values pass through.
    """
    result = CleanCitizen()
    add = result.problems.append

    def present(key: str) -> bool:
        return key in raw and raw[key] not in (None, "")

    refused = set()
    for key, value in raw.items():
        if isinstance(value, str) and has_forbidden_characters(value):
            refused.add(key)
            add(Problem(key, "control_characters", "Có ký tự điều khiển hoặc ký tự không hợp lệ",
                        "Contains control characters or invalid characters"))  # fmt: skip
        elif key in MAX_LENGTHS and isinstance(value, str) and len(value.strip()) > MAX_LENGTHS[key]:
            refused.add(key)
            add(Problem(key, "too_long", f"Quá dài: {len(value.strip())} ký tự, tối đa {MAX_LENGTHS[key]}",
                        f"Too long: {len(value.strip())} characters, at most {MAX_LENGTHS[key]}"))  # fmt: skip
    raw = {key: value for key, value in raw.items() if key not in refused}

    if not partial or "id_number" in raw:
        number = normalize_text(str(raw.get("id_number") or ""))
        if not number:
            add(
                Problem(
                    "id_number", "required", "Thiếu số định danh cá nhân", "Personal ID number is missing"
                )
            )
        elif bad := next((char for char in number if not "0" <= char <= "9"), None):
            add(Problem("id_number", "id_not_digits",
                        f"Số định danh chứa ký tự không phải chữ số: {bad!r} (vị trí {number.index(bad) + 1})",
                        f"The personal ID number contains a character that is not a digit: {bad!r} "
                        f"(position {number.index(bad) + 1})"))  # fmt: skip
        elif not idnumber.is_valid(number):
            add(Problem("id_number", "id_not_12_digits",
                        f"Số định danh phải gồm đúng 12 chữ số (nhận được {len(number)} ký tự)",
                        f"The personal ID number must be exactly 12 digits (got {len(number)} characters)"))  # fmt: skip
        else:
            result.values["id_number"] = number

    for key, label_vi, label_en, required in (
        ("family_name", "Họ", "Family name", False),
        ("middle_name", "Chữ đệm", "Middle name", False),
        ("given_name", "Tên", "Given name", True),
    ):
        if partial and key not in raw:
            continue
        value = normalize_name(str(raw.get(key) or ""))
        if required and not value:
            add(Problem(key, "required", f"Thiếu {label_vi.lower()}", f"{label_en} is missing"))
        elif value and not _NAME_CHARS.match(value):
            add(Problem(key, "name_characters", f"{label_vi} chứa ký tự không hợp lệ: {value!r}",
                        f"{label_en} contains characters that are not letters: {value!r}"))  # fmt: skip
        elif len(value) > 40 and key != "middle_name":
            add(Problem(key, "too_long", f"{label_vi} quá dài", f"{label_en} is too long"))
        else:
            result.values[key] = value

    if not partial or "birth_date" in raw:
        try:
            birth = parse_date(raw.get("birth_date"))
        except ValueError:
            birth = None
            add(Problem("birth_date", "bad_date",
                        f"Ngày sinh không hợp lệ: {raw.get('birth_date')!r} (định dạng dd/mm/yyyy)",
                        f"Invalid date of birth: {raw.get('birth_date')!r} (format dd/mm/yyyy)"))  # fmt: skip
        else:
            if birth is None:
                add(Problem("birth_date", "required", "Thiếu ngày sinh", "Date of birth is missing"))
            elif birth > today:
                add(
                    Problem(
                        "birth_date", "future_date", "Ngày sinh ở tương lai", "Date of birth is in the future"
                    )
                )
            elif today.year - birth.year > MAX_AGE_YEARS:
                add(Problem("birth_date", "implausible_date", "Ngày sinh quá xa trong quá khứ",
                            "Date of birth is implausibly old"))  # fmt: skip
            else:
                result.values["birth_date"] = birth

    if not partial or "sex" in raw:
        sex = SEX_ALIASES.get(normalize_text(str(raw.get("sex") or "")).lower())
        if sex is None:
            add(Problem("sex", "bad_sex", f"Giới tính phải là Nam hoặc Nữ (nhận được {raw.get('sex')!r})",
                        f"Sex must be Nam (male) or Nữ (female) (got {raw.get('sex')!r})"))  # fmt: skip
        else:
            result.values["sex"] = sex

    if present("old_id_number"):
        old = normalize_text(str(raw["old_id_number"]))
        if not _OLD_ID.match(old):
            add(Problem("old_id_number", "old_id_not_9_digits", "Số CMND cũ phải gồm 9 chữ số",
                        "The old ID number must be 9 digits"))  # fmt: skip
        else:
            result.values["old_id_number"] = old

    if present("date_of_death"):
        try:
            death = parse_date(raw["date_of_death"])
        except ValueError:
            add(Problem("date_of_death", "bad_date", "Ngày mất không hợp lệ", "Invalid date of death"))
        else:
            if death and death > today:
                add(
                    Problem(
                        "date_of_death",
                        "future_date",
                        "Ngày mất ở tương lai",
                        "Date of death is in the future",
                    )
                )
            elif death and _birth(result, current) and death < _birth(result, current):
                add(Problem("date_of_death", "death_before_birth", "Ngày mất trước ngày sinh",
                            "Date of death is before the date of birth"))  # fmt: skip
            else:
                result.values["date_of_death"] = death

    for key in ("other_names", "father_name", "mother_name", "spouse_name"):
        if present(key):
            result.values[key] = normalize_name(str(raw[key]))
    for key, read, label_vi, label_en in (
        ("ethnicity", ethnic_religion.read_ethnicity, "Dân tộc", "Ethnicity"),
        ("religion", ethnic_religion.read_religion, "Tôn giáo", "Religion"),
    ):
        if present(key):
            try:
                result.values[key] = read(str(raw[key]))
            except ethnic_religion.NotListed:
                add(Problem(key, "not_listed",
                            f"{label_vi} không có trong danh mục chính thức: {str(raw[key])[:60]!r}. Giá trị ngoài "
                            f"danh mục ghi là \"Khác: <tên>\" (ví dụ \"Khác: Pa Cô\") và sẽ được rà soát",
                            f"{label_en} is not in the official list: {str(raw[key])[:60]!r}. Enter a value outside "
                            f"the list as \"Khác: <name>\" (e.g. \"Khác: Pa Cô\"); it will be reviewed"))  # fmt: skip
    for key in ("permanent_address", "temporary_address", "current_address"):
        if present(key):
            result.values[key] = normalize_text(str(raw[key]))
    if present("nationality"):
        nationality = normalize_text(str(raw["nationality"])).upper()
        if nationality in ("VIỆT NAM", "VIET NAM", "VN"):
            nationality = "VNM"
        if not re.fullmatch(r"[A-Z]{3}", nationality):
            add(Problem("nationality", "bad_nationality", "Quốc tịch phải là mã ISO 3 chữ cái (VNM)",
                        "Nationality must be a 3-letter ISO code (VNM)"))  # fmt: skip
        else:
            result.values["nationality"] = nationality
    if present("blood_type"):
        blood = normalize_text(str(raw["blood_type"])).upper()
        if blood not in ("O", "A", "B", "AB"):
            add(Problem("blood_type", "bad_blood_type", "Nhóm máu phải là O, A, B hoặc AB",
                        "Blood type must be O, A, B or AB"))  # fmt: skip
        else:
            result.values["blood_type"] = blood
    for key in ("permanent_unit_code", "temporary_unit_code", "current_unit_code", "birth_registration_unit_code",
                "origin_unit_code", "household_number", "relation_to_head", "marital_status"):  # fmt: skip
        if present(key):
            result.values[key] = normalize_text(str(raw[key]))
    if partial:
        for key in CLEARABLE:
            if key in raw and raw[key] in (None, "") and key not in refused:
                result.values[key] = None if key.endswith("_code") or key == "date_of_death" else ""
        death = (current or {}).get("date_of_death")
        if "birth_date" in result.values and "date_of_death" not in raw and death and death < result.values["birth_date"]:
            add(Problem("birth_date", "death_before_birth", "Ngày sinh sau ngày mất đã ghi",
                        "The date of birth is after the recorded date of death"))  # fmt: skip
            del result.values["birth_date"]
    # a refused value is reported once, not again as missing
    result.problems = [p for p in result.problems if p.field not in refused or p.code in _REFUSALS]
    return result
