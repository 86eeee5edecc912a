"""Error codes of officer management: one enumeration, one bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class AccountErrorCode(StrEnum):
    REASON_REQUIRED = "reason_required"
    USERNAME_TAKEN = "username_taken"
    USERNAME_INVALID = "username_invalid"
    ROLE_NOT_ASSIGNABLE = "role_not_assignable"
    UNIT_REQUIRED = "unit_required"
    UNIT_NOT_ALLOWED = "unit_not_allowed"
    UNIT_UNKNOWN = "unit_unknown"
    UNIT_OUTSIDE_AREA = "unit_outside_area"
    WEAK_PASSWORD = "weak_password"
    PASSWORD_UNCHANGED = "password_unchanged"
    UNIT_NOT_A_COMMUNE = "unit_not_a_commune"


MESSAGES: dict[AccountErrorCode, tuple[str, str]] = {
    AccountErrorCode.REASON_REQUIRED: ("Phải ghi lý do", "A reason is required"),
    AccountErrorCode.USERNAME_TAKEN: ("Tên đăng nhập đã có người dùng", "This username is taken"),
    AccountErrorCode.USERNAME_INVALID: ("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ - (tối đa 150 ký tự)",
                                        "A username has only plain letters, digits and . _ - (at most 150)"),
    AccountErrorCode.ROLE_NOT_ASSIGNABLE: ("Bạn không được giao vai trò này", "You may not give this role"),
    AccountErrorCode.UNIT_REQUIRED: ("Cán bộ xã và cán bộ giám sát phải có địa bàn",
                                     "Commune officers and supervisors need an area"),
    AccountErrorCode.UNIT_NOT_ALLOWED: ("Vai trò toàn quốc không gắn với địa bàn", "A national role has no area"),
    AccountErrorCode.UNIT_UNKNOWN: ("Không tìm thấy đơn vị hành chính đang có hiệu lực với mã này",
                                    "No administrative unit in force has this code"),
    AccountErrorCode.UNIT_OUTSIDE_AREA: ("Đơn vị nằm ngoài địa bàn của bạn", "The unit is outside your area"),
    AccountErrorCode.WEAK_PASSWORD: ("Mật khẩu không đủ mạnh: {detail_vi}", "The password is too weak: {detail_en}"),
    AccountErrorCode.PASSWORD_UNCHANGED: ("Mật khẩu mới phải khác mật khẩu hiện tại (mật khẩu tạm thời)",
                                          "The new password must differ from the current (temporary) one"),
    AccountErrorCode.UNIT_NOT_A_COMMUNE: ("Cán bộ công an xã phải gắn với một xã, phường hoặc đặc khu",
                                          "A commune police officer's area must be a commune"),
}  # fmt: skip


class AccountError(CodedError):
    MESSAGES = MESSAGES
