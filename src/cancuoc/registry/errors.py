"""Error codes of the registry's actions: one enumeration, one bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import bilingual

from .validation import Problem


class RegistryErrorCode(StrEnum):
    REASON_REQUIRED = "reason_required"
    UNKNOWN_UNIT = "unknown_unit"
    UNKNOWN_HOUSEHOLD = "unknown_household"
    OUTSIDE_AREA = "outside_area"
    ID_EXISTS = "id_exists"
    ID_UNAVAILABLE = "id_unavailable"
    ID_IMMUTABLE = "id_immutable"
    STALE = "stale"
    FIELD_NOT_YOURS = "field_not_yours"
    ALLOCATION_EXHAUSTED = "allocation_exhausted"
    NOT_ACTIVE = "not_active"
    # lists, worklists, duplicate review and merge (issue 8 §3)
    BAD_FILTER = "bad_filter"
    MERGE_SAME_RECORD = "merge_same_record"
    ALREADY_MERGED = "already_merged"
    NOT_MERGEABLE_FIELD = "not_mergeable_field"


MESSAGES: dict[RegistryErrorCode, tuple[str, str]] = {
    RegistryErrorCode.REASON_REQUIRED: ("Phải ghi lý do thay đổi", "A reason for the change is required"),
    RegistryErrorCode.UNKNOWN_UNIT: ("Không tìm thấy đơn vị hành chính mã {code}", "No administrative unit with code {code}"),
    RegistryErrorCode.UNKNOWN_HOUSEHOLD: ("Không tìm thấy hộ {number}", "No household numbered {number}"),
    RegistryErrorCode.OUTSIDE_AREA: ("Nơi cư trú nằm ngoài địa bàn quản lý của cán bộ",
                                     "The residence is outside the officer's area"),
    RegistryErrorCode.ID_EXISTS: ("Số định danh đã có hồ sơ trong địa bàn của bạn",
                                  "A record with this personal ID number already exists in your area"),
    # one answer for a number that exists elsewhere, was cancelled or cannot be used: no existence oracle
    RegistryErrorCode.ID_UNAVAILABLE: ("Không thể lập hồ sơ mới với số định danh này",
                                       "A new record cannot be created with this personal ID number"),
    RegistryErrorCode.ID_IMMUTABLE: ("Không thể sửa số định danh", "The personal ID number cannot be changed"),
    RegistryErrorCode.STALE: ("Hồ sơ đã được người khác sửa; hãy tải lại", "Someone else changed this record; reload it"),
    RegistryErrorCode.FIELD_NOT_YOURS: (
        "Chỉ công an xã nơi thường trú (và cấp trên) được sửa trường này; nơi tạm trú chỉ sửa thông tin tạm trú",
        "Only the commune of permanent residence (and its supervisors) may change this field; "
        "the commune of temporary residence may change temporary-residence data only",
    ),
    RegistryErrorCode.ALLOCATION_EXHAUSTED: ("Không cấp được số định danh mới", "Could not allocate a new ID number"),
    RegistryErrorCode.NOT_ACTIVE: ("Số định danh không tồn tại hoặc đã hủy", "No such active ID number"),
    RegistryErrorCode.BAD_FILTER: ("Giá trị lọc “{name}” không hợp lệ: {value}", "Invalid value for the filter “{name}”: {value}"),
    RegistryErrorCode.MERGE_SAME_RECORD: ("Không thể hợp nhất một hồ sơ với chính nó", "A record cannot be merged into itself"),
    RegistryErrorCode.ALREADY_MERGED: ("Hồ sơ đã được hợp nhất trước đó", "This record has already been merged"),
    RegistryErrorCode.NOT_MERGEABLE_FIELD: ("Trường {name} không chọn được khi hợp nhất", "The field {name} cannot be chosen in a merge"),
}  # fmt: skip


def problem(field: str, error: RegistryErrorCode, **values) -> Problem:
    return Problem(field, str(error), *bilingual(MESSAGES, error, **values))
