"""The documented columns of a citizen import/export file, with the Vietnamese headers accepted.

Headers are matched without diacritics, case or punctuation, so "Số định danh", "SO DINH DANH" and
"id_number" all name the same column. See docs/import-format.md.
"""

from __future__ import annotations

from cancuoc.rules.text import fold
from cancuoc.units.selectors import OLD_STRUCTURE_PREFIX

# (field, Vietnamese header written on export, other accepted headers)
COLUMNS: list[tuple[str, str, tuple[str, ...]]] = [
    ("id_number", "Số định danh", ("số định danh cá nhân", "số cccd", "cccd", "số căn cước", "id number")),
    ("family_name", "Họ", ("family name", "surname", "ho")),
    ("middle_name", "Chữ đệm", ("tên đệm", "đệm", "middle name")),
    ("given_name", "Tên", ("tên gọi", "given name", "first name")),
    ("full_name", "Họ và tên", ("họ tên", "full name")),
    ("other_names", "Tên gọi khác", ("other names",)),
    ("birth_date", "Ngày sinh", ("ngày tháng năm sinh", "date of birth", "dob")),
    ("sex", "Giới tính", ("sex", "gender")),
    ("ethnicity", "Dân tộc", ("ethnicity",)),
    ("religion", "Tôn giáo", ("religion",)),
    ("nationality", "Quốc tịch", ("nationality",)),
    ("blood_type", "Nhóm máu", ("blood type",)),
    ("marital_status", "Tình trạng hôn nhân", ("marital status",)),
    ("birth_registration_unit_code", "Mã nơi đăng ký khai sinh", ("birth registration unit code",)),
    ("origin_unit_code", "Mã quê quán", ("origin unit code",)),
    ("permanent_unit_code", "Mã xã thường trú", ("mã đơn vị thường trú", "permanent unit code")),
    ("permanent_address", "Địa chỉ thường trú", ("thường trú", "permanent address")),
    ("temporary_unit_code", "Mã xã tạm trú", ("temporary unit code",)),
    ("temporary_address", "Địa chỉ tạm trú", ("tạm trú", "temporary address")),
    ("current_unit_code", "Mã xã nơi ở hiện tại", ("current unit code",)),
    ("current_address", "Nơi ở hiện tại", ("current address",)),
    ("household_number", "Số hộ", ("số hộ khẩu", "household number")),
    ("relation_to_head", "Quan hệ với chủ hộ", ("relation to head",)),
    ("father_name", "Họ tên cha", ("father name", "father's name")),
    ("mother_name", "Họ tên mẹ", ("mother name", "mother's name")),
    ("spouse_name", "Họ tên vợ/chồng", ("spouse name", "spouse's name")),
    ("old_id_number", "Số CMND", ("số cmnd cũ", "cmnd", "old id number")),
    ("date_of_death", "Ngày mất", ("ngày chết", "date of death")),
]
REQUIRED = {"id_number", "birth_date", "sex"}

_BY_HEADER: dict[str, str] = {}
for field, header, aliases in COLUMNS:
    for text in (field, header, *aliases):
        _BY_HEADER[fold(text)] = field


def field_for_header(header: str) -> str | None:
    return _BY_HEADER.get(fold(header))


def export_headers() -> list[str]:
    return [header for _field, header, _aliases in COLUMNS if _field != "full_name"]


def export_fields() -> list[str]:
    return [field for field, _header, _aliases in COLUMNS if field != "full_name"]


# A unit of the pre-2025 structure is exported as "cũ:<code>" (units.selectors.OLD_STRUCTURE_PREFIX): codes
# were reused in 2025 and a plain code names today's unit. The import, the form and the API read "cũ:" (or
# "cu:", any case) back to exactly that pre-2025 unit.


# Enumerations are exported as the words an officer writes (they read back to the same code): relation to
# the household head by the member's sex where Vietnamese has two words (vợ/chồng, cha/mẹ).
MARITAL_WORDS = {"single": "độc thân", "married": "đã kết hôn", "divorced": "ly hôn", "widowed": "góa"}
RELATION_WORDS = {"head": "chủ hộ", "child": "con", "grandchild": "cháu", "sibling": "anh/chị/em", "other": "khác",
                  "spouse": ("chồng", "vợ"), "parent": ("cha", "mẹ")}  # fmt: skip


def relation_word(relation: str, sex: str) -> str:
    word = RELATION_WORDS.get(relation, relation)
    return word if isinstance(word, str) else word[0 if sex == "M" else 1]


def qualified_unit_code(unit) -> str:
    """The code our export writes for a unit: plain for today's units, "cũ:01" for pre-2025 ones."""
    if unit is None:
        return ""
    from cancuoc.units.models import Structure

    return f"{OLD_STRUCTURE_PREFIX}{unit.code}" if unit.structure == Structure.PRE_2025 else unit.code




# --- the downloadable template (/imports/template.csv|xlsx) --------------------------------------------

# The example row's number: prefix 000 is neither a province nor a country, so no citizen can hold it; the
# import refuses it ("example_number"), so a template uploaded unchanged creates nobody.
EXAMPLE_ID_NUMBER = "000090000000"

# field → (required, allowed values or rule: Vietnamese, English); the second sheet of the XLSX template
COLUMN_RULES: dict[str, tuple[str, str, str]] = {
    "id_number": ("bắt buộc / required", "Đúng 12 chữ số; khóa để cập nhật", "Exactly 12 digits; the update key"),
    "family_name": ("", "Chữ cái (có dấu)", "Letters (with diacritics)"),
    "middle_name": ("", "Chữ cái; có thể để trống", "Letters; may be empty"),
    "given_name": ("bắt buộc nếu không có Họ và tên / required unless full name",
                   "Chữ cái", "Letters"),
    "full_name": ("thay cho Họ, Chữ đệm, Tên / instead of the three name columns",
                  "Tách thành Họ (từ đầu) · Đệm · Tên (từ cuối)", "Split as family (first word) · middle · given (last)"),
    "other_names": ("", "Chữ cái", "Letters"),
    "birth_date": ("bắt buộc / required", "dd/mm/yyyy (hoặc yyyy-mm-dd); không ở tương lai, không quá 130 năm",
                   "dd/mm/yyyy (or yyyy-mm-dd); not in the future, not more than 130 years ago"),
    "sex": ("bắt buộc / required", "Nam, Nữ (hoặc M, F)", "Nam, Nữ (or M, F, male, female)"),
    "ethnicity": ("", "Một trong 54 dân tộc; ngoài danh mục: \"Khác: <tên>\"",
                  "One of the 54 ethnic groups; outside the list: \"Khác: <name>\""),
    "religion": ("", "Tôn giáo được công nhận hoặc Không; ngoài danh mục: \"Khác: <tên>\"",
                 "A recognised religion or Không (none); outside the list: \"Khác: <name>\""),
    "nationality": ("", "Mã ISO 3 chữ (VNM); mặc định VNM", "ISO 3-letter code (VNM); default VNM"),
    "blood_type": ("", "O, A, B, AB", "O, A, B, AB"),
    "marital_status": ("", "độc thân, đã kết hôn, ly hôn, góa", "single, married, divorced, widowed"),
    "birth_registration_unit_code": ("", "Mã đơn vị hành chính (tỉnh, huyện hoặc xã); đơn vị trước 2025: cũ:<mã>",
                                     "Unit code (province, district or commune); a pre-2025 unit: cũ:<code>"),
    "origin_unit_code": ("", "Như trên", "As above"),
    "permanent_unit_code": ("bắt buộc / required",
                            "Mã xã/phường (5 chữ số); mã cũ được chuyển sang xã hiện nay nếu chỉ có một",
                            "Commune code (5 digits); an old code is resolved to today's commune if there is one"),
    "permanent_address": ("", "Số nhà, đường, thôn", "House number, street, village"),
    "temporary_unit_code": ("", "Như mã xã thường trú", "As the permanent commune code"),
    "temporary_address": ("", "Như trên", "As above"),
    "current_unit_code": ("", "Như mã xã thường trú", "As the permanent commune code"),
    "current_address": ("", "Như trên", "As above"),
    "household_number": ("", "Tạo mới ở xã thường trú nếu chưa có", "Created in the permanent commune if new"),
    "relation_to_head": ("", "chủ hộ, vợ, chồng, con, cha, mẹ, cháu, anh, chị, em (anh/chị/em), khác",
                         "head, spouse, child, parent, grandchild, sibling, other"),
    "father_name": ("", "Họ tên", "Full name"),
    "mother_name": ("", "Họ tên", "Full name"),
    "spouse_name": ("", "Họ tên", "Full name"),
    "old_id_number": ("", "9 chữ số", "9 digits"),
    "date_of_death": ("", "dd/mm/yyyy; không trước ngày sinh", "dd/mm/yyyy; not before the birth date"),
}  # fmt: skip


def example_row(commune_code: str, province_code: str) -> list[str]:
    """One example citizen, in export order, living in ``commune_code`` (the officer's own commune, so
    that the row passes every check but the example number)."""
    values = {
        "id_number": EXAMPLE_ID_NUMBER, "family_name": "Nguyễn", "middle_name": "Văn", "given_name": "An",
        "other_names": "", "birth_date": "15/03/1990", "sex": "Nam", "ethnicity": "Kinh", "religion": "Không",
        "nationality": "VNM", "blood_type": "O", "marital_status": "đã kết hôn",
        "birth_registration_unit_code": province_code, "origin_unit_code": province_code,
        "permanent_unit_code": commune_code, "permanent_address": "Số 1, thôn Đông",
        "temporary_unit_code": "", "temporary_address": "", "current_unit_code": commune_code,
        "current_address": "Số 1, thôn Đông", "household_number": "VIDU0001", "relation_to_head": "chủ hộ",
        "father_name": "Nguyễn Văn Bình", "mother_name": "Lê Thị Hoa", "spouse_name": "Trần Thị Mai",
        "old_id_number": "", "date_of_death": "",
    }  # fmt: skip
    return [values[name] for name in export_fields()]
