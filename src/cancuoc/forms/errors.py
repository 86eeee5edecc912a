"""Error codes of the printed forms: data a form cannot be printed from. One bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class FormErrorCode(StrEnum):
    APPLICATION_CODE_MISSING = "application_code_missing"
    PORTRAIT_UNREADABLE = "portrait_unreadable"
    FINGER_POSITION_INVALID = "finger_position_invalid"
    FINGER_REPEATED = "finger_repeated"
    NO_REASON = "no_reason"


MESSAGES: dict[FormErrorCode, tuple[str, str]] = {
    FormErrorCode.APPLICATION_CODE_MISSING: ("Thiếu mã hồ sơ: không in được {form}",
                                             "The application code is missing: {form} cannot be printed"),
    FormErrorCode.PORTRAIT_UNREADABLE: ("Ảnh chân dung không đọc được (không phải JPEG hợp lệ)",
                                        "The portrait cannot be read (not a valid JPEG)"),
    FormErrorCode.FINGER_POSITION_INVALID: ("Vị trí ngón tay {position} không hợp lệ (1–10)",
                                            "Finger position {position} is not valid (1–10)"),
    FormErrorCode.FINGER_REPEATED: ("Ngón tay ở vị trí {position} được ghi hai lần",
                                    "The finger at position {position} is given twice"),
    FormErrorCode.NO_REASON: ("Thông báo từ chối phải nêu ít nhất một lý do",
                              "A refusal notice must give at least one reason"),
}  # fmt: skip


class FormError(CodedError, ValueError):
    """Data a form cannot be printed from; ``str()`` gives Vietnamese / English."""

    MESSAGES = MESSAGES

    def __init__(self, code: FormErrorCode, **values):
        super().__init__(code, **values)
