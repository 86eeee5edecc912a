"""Error codes of biometric capture and of the ABIS queue: one enumeration, one bilingual message each.
The measuring packages have their own (``cancuoc.faces.errors``, ``cancuoc.fingerprints.errors``)."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class BiometricsErrorCode(StrEnum):
    REFERENCE_INVALID = "reference_invalid"
    REQUEST_ID_INVALID = "request_id_invalid"
    REQUEST_ID_REUSED = "request_id_reused"
    REFERENCE_UNKNOWN = "reference_unknown"
    NO_FINGERS = "no_fingers"
    FINGER_FILE_NAME = "finger_file_name"
    FOLDER_MISSING = "folder_missing"
    FILE_TOO_LARGE = "file_too_large"
    PORTRAIT_REJECTED = "portrait_rejected"
    OVERRIDE_REASON_MISSING = "override_reason_missing"
    OVERRIDE_NOT_FAILED = "override_not_failed"
    FINGER_MISSING = "finger_missing"
    FINGER_EXCEPTION_UNKNOWN = "finger_exception_unknown"
    FINGER_BOTH = "finger_both"
    FINGER_POOR = "finger_poor"
    FINGER_REPEATED = "finger_repeated"
    FINGERPRINTS_TOO_YOUNG = "fingerprints_too_young"
    CAPTURE_INCOMPLETE = "capture_incomplete"
    ENGINE_FAILED = "engine_failed"
    GALLERY_TOO_LARGE = "gallery_too_large"
    NOTHING_TO_COMPARE = "nothing_to_compare"
    NO_IMAGE = "no_image"
    REASON_REQUIRED = "reason_required"
    REASON_INVALID = "reason_invalid"


MESSAGES: dict[BiometricsErrorCode, tuple[str, str]] = {
    BiometricsErrorCode.REFERENCE_INVALID: (
        "Mã tham chiếu phải có 1–64 ký tự: chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới",
        "A reference id has 1–64 characters: ASCII letters, digits, dot, hyphen or underscore"),
    BiometricsErrorCode.REQUEST_ID_INVALID: (
        "Mã yêu cầu phải có 1–64 ký tự: chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới",
        "A request id has 1–64 characters: ASCII letters, digits, dot, hyphen or underscore"),
    BiometricsErrorCode.REQUEST_ID_REUSED: (
        "Mã yêu cầu {request_id} đã được dùng cho một yêu cầu khác",
        "Request id {request_id} was already used for a different request"),
    BiometricsErrorCode.REFERENCE_UNKNOWN: (
        "Không có mã tham chiếu {reference} trong kho sinh trắc",
        "Reference {reference} is not in the gallery"),
    BiometricsErrorCode.NO_FINGERS: (
        "Không có ảnh vân tay nào dùng được (cần các tệp 1.png … 10.png)",
        "No usable fingerprint image (files 1.png … 10.png expected)"),
    BiometricsErrorCode.FINGER_FILE_NAME: (
        "Tệp {name}: tên phải là vị trí ngón 1–10 (ví dụ 2.png)",
        "File {name}: its name must be a finger position 1–10 (e.g. 2.png)"),
    BiometricsErrorCode.FOLDER_MISSING: ("{path} không phải là thư mục", "{path} is not a folder"),
    BiometricsErrorCode.FILE_TOO_LARGE: (
        "Tệp {name} quá lớn ({size:,} byte, tối đa {limit:,})",
        "File {name} is too large ({size:,} bytes, at most {limit:,})"),
    BiometricsErrorCode.PORTRAIT_REJECTED: (
        "Ảnh chân dung chưa đạt: {reasons_vi}. Chụp lại, hoặc ghi lý do để chấp nhận",
        "The portrait is not acceptable: {reasons_en}. Take it again, or give a reason to accept it"),
    BiometricsErrorCode.OVERRIDE_REASON_MISSING: (
        "Chấp nhận ảnh không đạt tiêu chí {check} cần ghi lý do",
        "Accepting a portrait that fails {check} needs a reason"),
    BiometricsErrorCode.OVERRIDE_NOT_FAILED: (
        "Tiêu chí {check} đã đạt, không cần bỏ qua",
        "Check {check} passed: there is nothing to override"),
    BiometricsErrorCode.FINGER_MISSING: (
        "Ngón {position} chưa có ảnh vân tay và chưa ghi lý do ngoại lệ",
        "Finger {position} has neither a print nor an exception reason"),
    BiometricsErrorCode.FINGER_EXCEPTION_UNKNOWN: (
        "Lý do ngoại lệ của ngón {position} không hợp lệ: {value}",
        "Unknown exception reason for finger {position}: {value}"),
    BiometricsErrorCode.FINGER_BOTH: (
        "Ngón {position} vừa có ảnh vừa có lý do ngoại lệ: chọn một",
        "Finger {position} has both a print and an exception reason: choose one"),
    BiometricsErrorCode.FINGER_POOR: (
        "Vân tay ngón {position} chất lượng thấp ({score}/100): {reasons_vi}. Lấy lại, hoặc ghi ngoại lệ "
        "\"không đọc được\"",
        "Finger {position} is of poor quality ({score}/100): {reasons_en}. Capture it again, or record the "
        "exception \"unreadable\""),
    BiometricsErrorCode.FINGER_REPEATED: (
        "Ngón {first} và ngón {second} có vẻ là cùng một ngón được lấy hai lần: lấy lại theo đúng thứ tự",
        "Fingers {first} and {second} look like the same finger captured twice: capture them again in order"),
    BiometricsErrorCode.FINGERPRINTS_TOO_YOUNG: (
        "Công dân dưới 6 tuổi không thu nhận vân tay",
        "Fingerprints are not taken from citizens under 6 years old"),
    BiometricsErrorCode.CAPTURE_INCOMPLETE: (
        "Lần thu nhận chưa có {what}", "The capture has no {what} yet"),
    BiometricsErrorCode.ENGINE_FAILED: (
        "Hệ thống so khớp (ABIS) lỗi: {detail}. Yêu cầu sẽ được thử lại",
        "The matching system (ABIS) failed: {detail}. The request will be retried"),
    BiometricsErrorCode.GALLERY_TOO_LARGE: (
        "Danh sách so khớp có tối đa {limit:,} mã tham chiếu", "A gallery lists at most {limit:,} references"),
    BiometricsErrorCode.NOTHING_TO_COMPARE: (
        "Không có dữ liệu sinh trắc đã thu nhận để so sánh", "No enrolled biometric data to compare with"),
    BiometricsErrorCode.NO_IMAGE: (
        "Gửi một ảnh trong trường \"image\" (multipart/form-data)",
        "Send one image in the field \"image\" (multipart/form-data)"),
    BiometricsErrorCode.REASON_REQUIRED: ("Phải ghi lý do", "A reason is required"),
    BiometricsErrorCode.REASON_INVALID: (
        "Lý do dài quá {limit} ký tự hoặc chứa ký tự điều khiển",
        "The reason is longer than {limit} characters or holds control characters"),
}  # fmt: skip


class BiometricsError(CodedError, ValueError):
    MESSAGES = MESSAGES
