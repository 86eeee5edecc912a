"""The documented columns of a citizen import/export file, with the Vietnamese headers accepted.

Headers are matched without diacritics, case or punctuation, so "Số định danh", "SO DINH DANH" and
"id_number" all name the same column. See docs/import-format.md.
"""

from __future__ import annotations

from cancuoc.rules.text import fold

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


# A unit of the pre-2025 structure is exported as "cũ:<code>" ("cũ" = old): codes were reused in 2025 (the
# old Hà Nội and today's are both "01") and a plain code from outside names today's unit, or an old commune's
# successor. The import reads "cũ:" (or "cu:", any case) back to exactly that pre-2025 unit.
OLD_STRUCTURE_PREFIX = "cũ:"


def qualified_unit_code(unit) -> str:
    """The code our export writes for a unit: plain for today's units, "cũ:01" for pre-2025 ones."""
    if unit is None:
        return ""
    from cancuoc.units.models import Structure

    return f"{OLD_STRUCTURE_PREFIX}{unit.code}" if unit.structure == Structure.PRE_2025 else unit.code


def parse_unit_code(text: str) -> tuple[bool, str]:
    """(names a pre-2025 unit, the code): "cũ:01" → (True, "01"); "01" → (False, "01")."""
    prefix, colon, rest = text.partition(":")
    if colon and fold(prefix) == "cu":
        return True, rest.strip()
    return False, text.strip()
