"""Error codes of fingerprint images and templates: a file that is not a readable finger image, a template
record that is not a readable ISO/IEC 19794-2 record. One enumeration, one bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class FingerprintErrorCode(StrEnum):
    IMAGE_UNREADABLE = "finger_image_unreadable"
    IMAGE_FORMAT_UNSUPPORTED = "finger_image_format_unsupported"
    IMAGE_TOO_LARGE = "finger_image_too_large"
    IMAGE_WRONG_SIZE = "finger_image_wrong_size"
    TEMPLATE_UNREADABLE = "finger_template_unreadable"
    TEMPLATE_INVALID = "finger_template_invalid"
    POSITION_INVALID = "finger_position_invalid"


MESSAGES: dict[FingerprintErrorCode, tuple[str, str]] = {
    FingerprintErrorCode.IMAGE_UNREADABLE: ("Không đọc được ảnh vân tay: tệp trống, hỏng hoặc không phải ảnh PNG/JPEG/WSQ",
                                            "Cannot read the fingerprint image: the file is empty, damaged or not a PNG/JPEG/WSQ image"),
    FingerprintErrorCode.IMAGE_FORMAT_UNSUPPORTED: (
        "Định dạng ảnh vân tay {format} chưa được hỗ trợ; hãy gửi ảnh PNG, JPEG hoặc WSQ 500 dpi",
        "Fingerprint image format {format} is not supported; send a 500 dpi PNG, JPEG or WSQ image"),
    FingerprintErrorCode.IMAGE_TOO_LARGE: ("Ảnh vân tay quá lớn ({pixels:,} điểm ảnh, tối đa {limit:,})",
                                           "Fingerprint image too large ({pixels:,} pixels, at most {limit:,})"),
    FingerprintErrorCode.IMAGE_WRONG_SIZE: (
        "Kích thước ảnh vân tay {width}×{height} điểm ảnh không hợp lệ (mỗi cạnh từ {low} đến {high})",
        "Fingerprint image size {width}×{height} pixels is not valid (each side {low} to {high})"),
    FingerprintErrorCode.TEMPLATE_UNREADABLE: ("Không đọc được bản ghi đặc trưng vân tay ISO/IEC 19794-2: {detail}",
                                               "Cannot read the ISO/IEC 19794-2 finger minutiae record: {detail}"),
    FingerprintErrorCode.TEMPLATE_INVALID: ("Đặc trưng vân tay không hợp lệ: {detail}",
                                            "Invalid finger template: {detail}"),
    FingerprintErrorCode.POSITION_INVALID: ("Vị trí ngón tay {position} không hợp lệ (từ 1 đến 10)",
                                            "Finger position {position} is not valid (1 to 10)"),
}  # fmt: skip


class FingerprintError(CodedError, ValueError):
    """A finger image or template that cannot be used; ``str()`` gives Vietnamese / English."""

    MESSAGES = MESSAGES

    def __init__(self, code: FingerprintErrorCode, **values):
        super().__init__(code, **values)
