"""Error codes of enrollment (refusals of a request) and the reasons an application waits or is rejected
(``BlockingReason``): one enumeration each, one bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError, bilingual


class EnrollmentErrorCode(StrEnum):
    CITIZEN_NOT_FOUND = "citizen_not_found"
    OPEN_APPLICATION_EXISTS = "open_application_exists"
    IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    NO_STATION = "no_station"
    STATION_NOT_YOURS = "station_not_yours"
    KIND_REFUSED = "kind_refused"
    IMAGE_NOT_BASE64 = "image_not_base64"
    IMAGE_TOO_LARGE = "image_too_large"
    PORTRAIT_MISSING = "portrait_missing"
    FINGER_POSITION = "finger_position"
    FINGER_SLOTS = "finger_slots"
    FINGER_EXCEPTION_UNKNOWN = "finger_exception_unknown"
    REASON_REQUIRED = "reason_required"
    REASON_INVALID = "reason_invalid"
    APPLICATION_NOT_FOUND = "application_not_found"
    NOT_AWAITING_DECISION = "not_awaiting_decision"
    OWN_CAPTURE = "own_capture"
    DECISION_UNKNOWN = "decision_unknown"
    DUPLICATES_PENDING = "duplicates_pending"
    SLOT_FULL = "slot_full"
    SLOT_UNKNOWN = "slot_unknown"
    APPOINTMENT_EXISTS = "appointment_exists"
    IDENTITY_NOT_PROVEN = "identity_not_proven"
    APPOINTMENT_NOT_FOUND = "appointment_not_found"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    DATE_INVALID = "date_invalid"
    TEXT_INVALID = "text_invalid"
    APPOINTMENT_OTHER_DAY = "appointment_other_day"
    OFFICER_NOT_FOR_STATION = "officer_not_for_station"
    CANDIDATE_NOT_FOUND = "candidate_not_found"
    SAME_PERSON_UNKNOWN = "same_person_unknown"
    SAME_IMAGE_TWICE = "same_image_twice"


MESSAGES: dict[EnrollmentErrorCode, tuple[str, str]] = {
    EnrollmentErrorCode.CITIZEN_NOT_FOUND: ("Không tìm thấy công dân có số định danh này trong địa bàn",
                                            "No citizen with this ID number in your area"),
    EnrollmentErrorCode.OPEN_APPLICATION_EXISTS: (
        "Công dân đã có hồ sơ {code} đang xử lý: không lập thêm hồ sơ",
        "The citizen already has application {code} in progress: no second application"),
    EnrollmentErrorCode.IDEMPOTENCY_KEY_MISSING: (
        "Thiếu tiêu đề Idempotency-Key (1–80 ký tự) để tránh gửi trùng",
        "The Idempotency-Key header (1–80 characters) is required, so that a repeated submit is not taken twice"),
    EnrollmentErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "Idempotency-Key này đã dùng cho một hồ sơ khác", "This Idempotency-Key was used for a different application"),
    EnrollmentErrorCode.NO_STATION: (
        "Chưa chọn điểm thu nhận, và cán bộ chưa được phân công điểm nào",
        "No station given, and the officer is assigned to none"),
    EnrollmentErrorCode.STATION_NOT_YOURS: ("Điểm thu nhận {station} không có hoặc ngoài địa bàn",
                                            "Station {station} does not exist or lies outside your area"),
    EnrollmentErrorCode.KIND_REFUSED: ("Không thể lập hồ sơ loại này: {why_vi}", "This kind of application is refused: {why_en}"),
    EnrollmentErrorCode.IMAGE_NOT_BASE64: ("Ảnh {field} không phải base64 hợp lệ", "Image {field} is not valid base64"),
    EnrollmentErrorCode.IMAGE_TOO_LARGE: ("Ảnh {field} quá lớn (tối đa {limit:,} byte)",
                                          "Image {field} is too large (at most {limit:,} bytes)"),
    EnrollmentErrorCode.PORTRAIT_MISSING: ("Thiếu ảnh chân dung", "The portrait is missing"),
    EnrollmentErrorCode.FINGER_POSITION: ("Vị trí ngón {position} không hợp lệ (1–10)",
                                          "Finger position {position} is not valid (1–10)"),
    EnrollmentErrorCode.FINGER_SLOTS: (
        "Ngón {position}: cần đúng một trong hai — ảnh vân tay hoặc lý do ngoại lệ",
        "Finger {position}: exactly one of a print or an exception reason is required"),
    EnrollmentErrorCode.FINGER_EXCEPTION_UNKNOWN: (
        "Lý do ngoại lệ của ngón {position} không hợp lệ: dùng amputated, bandaged hoặc unreadable",
        "Unknown exception for finger {position}: use amputated, bandaged or unreadable"),
    EnrollmentErrorCode.REASON_REQUIRED: ("Phải ghi lý do", "A reason is required"),
    EnrollmentErrorCode.REASON_INVALID: ("Lý do dài quá 300 ký tự hoặc chứa ký tự điều khiển",
                                         "The reason is longer than 300 characters or holds control characters"),
    EnrollmentErrorCode.APPLICATION_NOT_FOUND: ("Không tìm thấy hồ sơ", "Application not found"),
    EnrollmentErrorCode.NOT_AWAITING_DECISION: ("Hồ sơ {code} đang ở bước {stage}, không chờ quyết định này",
                                                "Application {code} is at stage {stage}: it is not waiting for this decision"),
    EnrollmentErrorCode.OWN_CAPTURE: ("Không được tự duyệt hồ sơ do chính mình thu nhận",
                                      "Nobody approves an application they captured themselves"),
    EnrollmentErrorCode.DECISION_UNKNOWN: ("Quyết định phải là approve hoặc reject", "The decision must be approve or reject"),
    EnrollmentErrorCode.DUPLICATES_PENDING: ("Còn {count} nghi trùng chưa xử lý", "{count} suspected duplicates still wait for a decision"),
    EnrollmentErrorCode.SLOT_FULL: ("Khung giờ này đã kín chỗ: chọn khung giờ khác", "This slot is full: choose another"),
    EnrollmentErrorCode.SLOT_UNKNOWN: ("Khung giờ không có hoặc đã qua", "No such slot, or it has passed"),
    EnrollmentErrorCode.APPOINTMENT_EXISTS: ("Công dân đã có lịch hẹn {code}: hủy lịch đó trước khi đặt lịch mới",
                                             "The citizen already has appointment {code}: cancel it before booking another"),
    EnrollmentErrorCode.IDENTITY_NOT_PROVEN: ("Số định danh hoặc ngày sinh không đúng",
                                              "The ID number or the date of birth is not right"),
    EnrollmentErrorCode.APPOINTMENT_NOT_FOUND: ("Không tìm thấy lịch hẹn", "Appointment not found"),
    EnrollmentErrorCode.TOO_MANY_ATTEMPTS: ("Quá nhiều yêu cầu: thử lại sau {seconds} giây",
                                            "Too many requests: try again in {seconds} seconds"),
    EnrollmentErrorCode.DATE_INVALID: ("{value} không phải là một ngày có thật (dd/mm/yyyy)",
                                       "{value} is not a real date (dd/mm/yyyy)"),
    EnrollmentErrorCode.TEXT_INVALID: ("{field}: quá dài hoặc chứa ký tự điều khiển, ký tự vô hình",
                                       "{field}: too long, or holds control or invisible characters"),
    EnrollmentErrorCode.APPOINTMENT_OTHER_DAY: ("Lịch hẹn {code} là ngày {day}, không phải hôm nay",
                                                "Appointment {code} is for {day}, not today"),
    EnrollmentErrorCode.OFFICER_NOT_FOR_STATION: (
        "Cán bộ {officer} không thuộc địa bàn của điểm thu nhận này",
        "Officer {officer} does not belong to this station's area"),
    EnrollmentErrorCode.SAME_IMAGE_TWICE: ("Ngón {first} và ngón {second} là cùng một ảnh: lấy lại vân tay ngón {second}",
                                           "Fingers {first} and {second} are the same image: capture finger {second} again"),
    EnrollmentErrorCode.CANDIDATE_NOT_FOUND: ("Không tìm thấy hồ sơ nghi trùng này", "No such suspected duplicate"),
    EnrollmentErrorCode.SAME_PERSON_UNKNOWN: ("Chọn \"cùng một người\" hoặc \"khác người\"",
                                              "Choose \"same person\" or \"different people\""),
}  # fmt: skip


class EnrollmentError(CodedError, ValueError):
    MESSAGES = MESSAGES


class BlockingReason(StrEnum):
    """Why an application waits, or why it was rejected; kept with the application and in its history."""

    CHANGE_REQUEST_PENDING = "change_request_pending"
    PORTRAIT_FAILED = "portrait_failed"
    FINGERPRINTS_FAILED = "fingerprints_failed"
    DEMOGRAPHIC_CANDIDATES = "demographic_candidates"
    BIOMETRIC_PENDING = "biometric_pending"
    BIOMETRIC_CANDIDATES = "biometric_candidates"
    ENGINE_RETRY = "engine_retry"
    AWAITING_APPROVAL = "awaiting_approval"
    CONFIRMED_DUPLICATE = "confirmed_duplicate"
    REJECTED_BY_SUPERVISOR = "rejected_by_supervisor"


BLOCKING_MESSAGES: dict[BlockingReason, tuple[str, str]] = {
    BlockingReason.CHANGE_REQUEST_PENDING: ("Chờ lãnh đạo duyệt yêu cầu điều chỉnh thông tin công dân",
                                            "Waiting for a supervisor to approve the correction of the citizen's data"),
    BlockingReason.PORTRAIT_FAILED: ("Ảnh chân dung không đạt: {detail}", "The portrait failed its checks: {detail}"),
    BlockingReason.FINGERPRINTS_FAILED: ("Vân tay không đạt: {detail}", "The fingerprints failed their checks: {detail}"),
    BlockingReason.DEMOGRAPHIC_CANDIDATES: ("Có {detail} hồ sơ nghi trùng về nhân thân: chờ xử lý trùng",
                                            "{detail} records look like the same person: waiting for adjudication"),
    BlockingReason.BIOMETRIC_PENDING: ("Đang chờ kết quả so khớp vân tay (ABIS)",
                                       "Waiting for the fingerprint search (ABIS)"),
    BlockingReason.BIOMETRIC_CANDIDATES: ("Vân tay trùng với {detail} người đã đăng ký: chờ xử lý trùng",
                                          "Fingerprints match {detail} enrolled people: waiting for adjudication"),
    BlockingReason.ENGINE_RETRY: ("Bước {detail} lỗi tạm thời, sẽ thử lại", "Stage {detail} failed for now and will be retried"),
    BlockingReason.AWAITING_APPROVAL: ("Chờ lãnh đạo phê duyệt", "Waiting for a supervisor's approval"),
    BlockingReason.CONFIRMED_DUPLICATE: ("Xác định trùng với {detail}: hồ sơ bị từ chối",
                                         "Confirmed to be the same person as {detail}: application rejected"),
    BlockingReason.REJECTED_BY_SUPERVISOR: ("Lãnh đạo từ chối: {detail}", "Rejected by the supervisor: {detail}"),
}  # fmt: skip


def blocking_text(code: str, detail: str = "") -> tuple[str, str]:
    return bilingual(BLOCKING_MESSAGES, BlockingReason(code), detail=detail)


# the HTTP status of each refusal in the API (422 when not listed)
HTTP_STATUS: dict[EnrollmentErrorCode, int] = {
    EnrollmentErrorCode.CITIZEN_NOT_FOUND: 404,
    EnrollmentErrorCode.APPLICATION_NOT_FOUND: 404,
    EnrollmentErrorCode.CANDIDATE_NOT_FOUND: 404,
    EnrollmentErrorCode.APPOINTMENT_NOT_FOUND: 404,
    EnrollmentErrorCode.IDENTITY_NOT_PROVEN: 404,
    EnrollmentErrorCode.OPEN_APPLICATION_EXISTS: 409,
    EnrollmentErrorCode.IDEMPOTENCY_KEY_REUSED: 409,
    EnrollmentErrorCode.APPOINTMENT_EXISTS: 409,
    EnrollmentErrorCode.SLOT_FULL: 409,
    EnrollmentErrorCode.NOT_AWAITING_DECISION: 409,
    EnrollmentErrorCode.OWN_CAPTURE: 403,
    EnrollmentErrorCode.IDEMPOTENCY_KEY_MISSING: 400,
    EnrollmentErrorCode.TOO_MANY_ATTEMPTS: 429,
}
