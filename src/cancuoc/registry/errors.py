"""Error codes of the registry's actions: one enumeration, one bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import bilingual

from .validation import Problem


class RegistryErrorCode(StrEnum):
    REASON_REQUIRED = "reason_required"
    REASON_INVALID = "reason_invalid"
    UNKNOWN_UNIT = "unknown_unit"
    UNKNOWN_HOUSEHOLD = "unknown_household"
    OUTSIDE_AREA = "outside_area"
    ID_EXISTS = "id_exists"
    ID_UNAVAILABLE = "id_unavailable"
    ID_IMMUTABLE = "id_immutable"
    STALE = "stale"
    CHANGE_NOT_PENDING = "change_not_pending"
    OWN_CHANGE = "own_change"
    NOTHING_TO_CHANGE = "nothing_to_change"
    CHANGED_SINCE_CHECK = "changed_since_check"
    HOUSEHOLD_BY_ITS_ACTIONS = "household_by_its_actions"
    FIELD_NOT_YOURS = "field_not_yours"
    ALLOCATION_EXHAUSTED = "allocation_exhausted"
    NOT_ACTIVE = "not_active"
    # the pages of issue 8 §3 (register a birth)
    UNKNOWN_PLACE_CODE = "unknown_place_code"
    BIRTH_YEAR_NOT_ENCODABLE = "birth_year_not_encodable"
    # lists, worklists, duplicate review and merge (issue 8 §3)
    BAD_FILTER = "bad_filter"
    MERGE_SAME_RECORD = "merge_same_record"
    ALREADY_MERGED = "already_merged"
    NOT_MERGEABLE_FIELD = "not_mergeable_field"
    # households: create, move a member, change the head (issue 8 §3)
    BAD_RELATION = "bad_relation"
    BAD_ADDRESS = "bad_address"
    NOT_A_COMMUNE = "not_a_commune"
    HOUSEHOLD_NUMBER_EXHAUSTED = "household_number_exhausted"
    HEAD_HAS_MEMBERS = "head_has_members"
    HEAD_EXISTS = "head_exists"
    HEAD_REQUIRED = "head_required"
    ALREADY_IN_HOUSEHOLD = "already_in_household"
    NOT_A_MEMBER = "not_a_member"
    ALREADY_HEAD = "already_head"
    CHOOSE_CITIZEN = "choose_citizen"
    CITIZEN_NOT_FOUND = "citizen_not_found"


MESSAGES: dict[RegistryErrorCode, tuple[str, str]] = {
    RegistryErrorCode.REASON_REQUIRED: ("Phải ghi lý do thay đổi", "A reason for the change is required"),
    RegistryErrorCode.REASON_INVALID: ("Lý do tối đa 300 ký tự và không được chứa ký tự điều khiển",
                                       "The reason is at most 300 characters long and contains no control characters"),
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
    RegistryErrorCode.CHANGE_NOT_PENDING: ("Yêu cầu điều chỉnh này đã được xử lý",
                                           "This correction has already been decided"),
    RegistryErrorCode.OWN_CHANGE: ("Không được tự duyệt yêu cầu điều chỉnh của chính mình",
                                   "Nobody approves a correction they asked for themselves"),
    RegistryErrorCode.NOTHING_TO_CHANGE: ("Yêu cầu không thay đổi thông tin nào", "The request changes nothing"),
    RegistryErrorCode.STALE: ("Hồ sơ đã được người khác sửa; hãy tải lại", "Someone else changed this record; reload it"),
    RegistryErrorCode.HOUSEHOLD_BY_ITS_ACTIONS: (
        "Hộ và quan hệ với chủ hộ được thay đổi bằng chức năng Hộ (chuyển nhân khẩu, đổi chủ hộ)",
        "Household and relation to the head are changed through the household actions (move a member, change the head)",
    ),
    RegistryErrorCode.CHANGED_SINCE_CHECK: (
        "Hồ sơ đã thay đổi sau khi kiểm tra tệp; dòng này không được ghi đè. Hãy kiểm tra lại tệp",
        "The record changed after the file was checked; this row was not written over it. Check the file again",
    ),
    RegistryErrorCode.FIELD_NOT_YOURS: (
        "Chỉ công an xã nơi thường trú (và cấp trên) được sửa trường này; nơi tạm trú chỉ sửa thông tin tạm trú",
        "Only the commune of permanent residence (and its supervisors) may change this field; "
        "the commune of temporary residence may change temporary-residence data only",
    ),
    RegistryErrorCode.ALLOCATION_EXHAUSTED: ("Không cấp được số định danh mới", "Could not allocate a new ID number"),
    RegistryErrorCode.NOT_ACTIVE: ("Số định danh không tồn tại hoặc đã hủy", "No such active ID number"),
    RegistryErrorCode.UNKNOWN_PLACE_CODE: ("Chọn tỉnh nơi đăng ký khai sinh (mã đầu số định danh)",
                                           "Choose the province of birth registration (the number's first digits)"),
    RegistryErrorCode.BIRTH_YEAR_NOT_ENCODABLE: ("Số định danh chỉ mã hóa được năm sinh từ 1900 đến 2399",
                                                 "An ID number can only encode birth years 1900 to 2399"),
    RegistryErrorCode.BAD_FILTER: ("Giá trị lọc “{name}” không hợp lệ: {value}", "Invalid value for the filter “{name}”: {value}"),
    RegistryErrorCode.MERGE_SAME_RECORD: ("Không thể hợp nhất một hồ sơ với chính nó", "A record cannot be merged into itself"),
    RegistryErrorCode.ALREADY_MERGED: ("Hồ sơ đã được hợp nhất trước đó", "This record has already been merged"),
    RegistryErrorCode.NOT_MERGEABLE_FIELD: ("Trường {name} không chọn được khi hợp nhất", "The field {name} cannot be chosen in a merge"),
    # households
    RegistryErrorCode.BAD_RELATION: ("Quan hệ với chủ hộ không hợp lệ", "Not a valid relation to the household head"),
    RegistryErrorCode.BAD_ADDRESS: ("Phải ghi địa chỉ của hộ, tối đa 200 ký tự, không có ký tự điều khiển",
                                    "The household's address is required: at most 200 characters, no control characters"),
    RegistryErrorCode.NOT_A_COMMUNE: ("Hộ phải thuộc một xã, phường hoặc đặc khu hiện hành",
                                      "A household belongs to a commune in force today"),
    RegistryErrorCode.HOUSEHOLD_NUMBER_EXHAUSTED: ("Không cấp được số hộ mới; hãy thử lại",
                                                   "Could not allocate a new household number; try again"),
    RegistryErrorCode.HEAD_HAS_MEMBERS: ("Chủ hộ không thể rời hộ khi hộ còn thành viên: hãy đổi chủ hộ trước",
                                         "The head cannot leave a household that still has members: change the head first"),
    RegistryErrorCode.HEAD_EXISTS: ("Hộ đã có chủ hộ: hãy dùng chức năng đổi chủ hộ",
                                    "The household already has a head: use change of head"),
    RegistryErrorCode.HEAD_REQUIRED: ("Người đầu tiên vào hộ phải là chủ hộ", "The first member of a household must be its head"),
    RegistryErrorCode.ALREADY_IN_HOUSEHOLD: ("Công dân đã ở hộ này với quan hệ này",
                                             "The citizen is already in this household with this relation"),
    RegistryErrorCode.NOT_A_MEMBER: ("Chủ hộ mới phải là thành viên của hộ", "The new head must be a member of the household"),
    RegistryErrorCode.ALREADY_HEAD: ("Người này đã là chủ hộ", "This person is already the head of the household"),
    RegistryErrorCode.CHOOSE_CITIZEN: ("Hãy tìm và chọn một công dân", "Find and choose a citizen"),
    # one answer for a number that does not exist and one outside the officer's area
    RegistryErrorCode.CITIZEN_NOT_FOUND: ("Không tìm thấy công dân này trong địa bàn của bạn",
                                          "No such citizen in your area"),
}  # fmt: skip


def problem(field: str, error: RegistryErrorCode, **values) -> Problem:
    return Problem(field, str(error), *bilingual(MESSAGES, error, **values))
