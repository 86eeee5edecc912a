"""Error codes of issuance (hand-over, delivery by post, contacts, the outbox, loss reports): one enumeration,
one Vietnamese and one English message per code. Pure: no Django import."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class IssuanceErrorCode(StrEnum):
    METHOD_UNKNOWN = "method_unknown"
    IMAGE_REQUIRED = "image_required"
    IMAGE_TOO_LARGE = "image_too_large"
    FINGER_POSITION_INVALID = "finger_position_invalid"
    NO_ENROLLED_DATA = "no_enrolled_data"
    NO_MATCH = "no_match"
    VERIFICATION_FAILED = "verification_failed"
    ALREADY_HANDED_OVER = "already_handed_over"
    NOT_AT_STATION = "not_at_station"
    IN_THE_POST = "in_the_post"
    ADDRESS_INVALID = "address_invalid"
    TRACKING_INVALID = "tracking_invalid"
    NOT_IN_THE_POST = "not_in_the_post"
    CONFIRMATION_REQUIRED = "confirmation_required"
    PHONE_INVALID = "phone_invalid"
    CHANNEL_UNKNOWN = "channel_unknown"
    KEY_INVALID = "key_invalid"
    BODY_INVALID = "body_invalid"
    SENDER_UNKNOWN = "sender_unknown"
    NOT_IN_USE = "not_in_use"
    NO_OPEN_LOSS = "no_open_loss"
    LOSS_ALREADY_REPORTED = "loss_already_reported"
    CODE_WRONG = "code_wrong"
    DATE_INVALID = "date_invalid"
    ID_NUMBER_MALFORMED = "id_number_malformed"
    MONTHS_INVALID = "months_invalid"
    TOO_MANY_ATTEMPTS = "too_many_attempts"


MESSAGES: dict[IssuanceErrorCode, tuple[str, str]] = {
    IssuanceErrorCode.METHOD_UNKNOWN: ("Chọn cách đối chiếu: vân tay, khuôn mặt hoặc nhìn trực tiếp",
                                       "choose how the holder is checked: fingerprint, face or by looking"),
    IssuanceErrorCode.IMAGE_REQUIRED: ("Cần tải lên ảnh {what} của người nhận thẻ",
                                       "an image of the holder's {what} is required"),
    IssuanceErrorCode.IMAGE_TOO_LARGE: ("Ảnh quá lớn (tối đa {limit:,} byte)", "the image is too large (at most {limit:,} bytes)"),
    IssuanceErrorCode.ID_NUMBER_MALFORMED: ("Số định danh cá nhân gồm đúng 12 chữ số",
                                            "a personal ID number is exactly 12 digits"),
    IssuanceErrorCode.FINGER_POSITION_INVALID: ("Vị trí ngón tay phải từ 1 đến 10", "the finger position must be 1 to 10"),
    IssuanceErrorCode.NO_ENROLLED_DATA: ("Hồ sơ của thẻ này không có dữ liệu sinh trắc để đối chiếu: nhìn trực tiếp và ghi lý do",
                                         "this card's application holds no biometric data to compare with: check by looking and give a reason"),
    IssuanceErrorCode.NO_MATCH: ("Không khớp (điểm {score}): chưa giao thẻ. Có thể đối chiếu lại, hoặc nhìn trực tiếp và ghi lý do",
                                 "no match (score {score}): the card was not handed over. Try again, or check by looking and give a reason"),
    IssuanceErrorCode.VERIFICATION_FAILED: ("Không đối chiếu được: {detail}", "the check could not be made: {detail}"),
    IssuanceErrorCode.ALREADY_HANDED_OVER: ("Thẻ {serial} đã được giao", "card {serial} was already handed over"),
    IssuanceErrorCode.NOT_AT_STATION: ("Thẻ {serial} không ở trạng thái chờ giao tại điểm trả",
                                       "card {serial} is not waiting at the station to be handed over"),
    IssuanceErrorCode.IN_THE_POST: ("Thẻ {serial} đang được gửi qua bưu điện", "card {serial} is in the post"),
    IssuanceErrorCode.ADDRESS_INVALID: ("Địa chỉ nhận phải có từ 5 đến 300 ký tự, không có ký tự điều khiển",
                                        "the delivery address must be 5 to 300 characters, without control characters"),
    IssuanceErrorCode.TRACKING_INVALID: ("Mã vận đơn gồm 4 đến 40 chữ cái, chữ số hoặc dấu gạch",
                                         "the tracking number is 4 to 40 letters, digits or dashes"),
    IssuanceErrorCode.NOT_IN_THE_POST: ("Thẻ {serial} không có bưu gửi đang chờ", "card {serial} has no parcel on its way"),
    IssuanceErrorCode.CONFIRMATION_REQUIRED: ("Cần ghi xác nhận phát (người nhận, số biên nhận)",
                                              "the delivery confirmation (who signed, receipt number) is required"),
    IssuanceErrorCode.PHONE_INVALID: ("Số điện thoại không hợp lệ: 10 chữ số bắt đầu bằng 0 (hoặc +84)",
                                      "invalid phone number: 10 digits starting with 0 (or +84)"),
    IssuanceErrorCode.CHANNEL_UNKNOWN: ("Kênh nhắn tin phải là SMS hoặc Zalo", "the channel must be SMS or Zalo"),
    IssuanceErrorCode.KEY_INVALID: ("Khóa tin nhắn phải có từ 1 đến 120 ký tự ASCII in được",
                                    "a message key is 1 to 120 printable ASCII characters"),
    IssuanceErrorCode.BODY_INVALID: ("Nội dung tin nhắn phải có từ 1 đến 1.000 ký tự", "a message body is 1 to 1,000 characters"),
    IssuanceErrorCode.SENDER_UNKNOWN: ("CANCUOC_OUTBOX_SENDER={path}: không nạp được lớp gửi tin",
                                       "CANCUOC_OUTBOX_SENDER={path}: the sender class cannot be loaded"),
    IssuanceErrorCode.NOT_IN_USE: ("Thẻ {serial} không đang được sử dụng", "card {serial} is not in use"),
    IssuanceErrorCode.NO_OPEN_LOSS: ("Thẻ {serial} không có báo mất đang chờ xác nhận",
                                     "card {serial} has no loss report waiting for confirmation"),
    IssuanceErrorCode.LOSS_ALREADY_REPORTED: ("Thẻ {serial} đã được báo mất", "the loss of card {serial} was already reported"),
    IssuanceErrorCode.CODE_WRONG: ("Mã xác nhận không đúng hoặc đã hết hạn", "the code is wrong or has expired"),
    IssuanceErrorCode.DATE_INVALID: ("{value} không phải là một ngày hợp lệ (dd/mm/yyyy)",
                                     "{value} is not a valid date (dd/mm/yyyy)"),
    IssuanceErrorCode.MONTHS_INVALID: ("Số tháng phải từ 1 đến 24", "the number of months must be 1 to 24"),
    IssuanceErrorCode.TOO_MANY_ATTEMPTS: ("Quá nhiều lần thử: hãy thử lại sau {seconds} giây",
                                          "too many attempts: try again in {seconds} seconds"),
}  # fmt: skip

HTTP_STATUS: dict[IssuanceErrorCode, int] = {
    IssuanceErrorCode.ALREADY_HANDED_OVER: 409, IssuanceErrorCode.NOT_AT_STATION: 409,
    IssuanceErrorCode.IN_THE_POST: 409, IssuanceErrorCode.NOT_IN_THE_POST: 409, IssuanceErrorCode.NOT_IN_USE: 409,
    IssuanceErrorCode.NO_OPEN_LOSS: 409, IssuanceErrorCode.LOSS_ALREADY_REPORTED: 409,
    IssuanceErrorCode.IMAGE_TOO_LARGE: 413, IssuanceErrorCode.TOO_MANY_ATTEMPTS: 429,
}  # fmt: skip


class IssuanceError(CodedError):
    """An error with a code and its message in Vietnamese and English; ``str()`` gives both."""

    MESSAGES = MESSAGES

    def __init__(self, code: IssuanceErrorCode, field: str = "", /, **values):
        super().__init__(code, field, **values)
