"""Error codes of card production (batches, the production file, the personalisation machine's key,
quality control, dispatch and receipt at the station): one enumeration, one bilingual message per code.
Pure: no Django import."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class ProductionErrorCode(StrEnum):
    PROVINCE_UNKNOWN = "province_unknown"
    NOTHING_TO_PRODUCE = "nothing_to_produce"
    APPLICATIONS_TAKEN = "applications_taken"
    LIMIT_INVALID = "limit_invalid"
    PRIORITY_UNKNOWN = "priority_unknown"
    BATCH_NOT_FOUND = "batch_not_found"
    BATCH_BUSY = "batch_busy"
    BATCH_NOT_RUNNABLE = "batch_not_runnable"
    RUN_TAKEN_OVER = "run_taken_over"
    RUN_FAILED = "run_failed"
    PORTRAIT_MISSING = "portrait_missing"
    MACHINE_KEY_MISSING = "machine_key_missing"
    MACHINE_KEY_INVALID = "machine_key_invalid"
    MACHINE_KEY_EXISTS = "machine_key_exists"
    FILE_UNWRITABLE = "file_unwritable"
    FILE_MISSING = "file_missing"
    FILE_DAMAGED = "file_damaged"
    CHIP_KEY_UNREADABLE = "chip_key_unreadable"
    NOT_PRODUCED = "not_produced"
    CARD_NOT_IN_QC = "card_not_in_qc"
    QC_DECISION_UNKNOWN = "qc_decision_unknown"
    NOTHING_TO_DISPATCH = "nothing_to_dispatch"
    PARCEL_NOT_FOUND = "parcel_not_found"
    SCAN_EMPTY = "scan_empty"
    SCAN_UNREADABLE = "scan_unreadable"
    SCAN_NO_CARD = "scan_no_card"
    SCAN_OTHER_STATION = "scan_other_station"
    SCAN_NOT_DISPATCHED = "scan_not_dispatched"
    USER_UNKNOWN = "user_unknown"


MESSAGES: dict[ProductionErrorCode, tuple[str, str]] = {
    ProductionErrorCode.PROVINCE_UNKNOWN: ("Không có tỉnh/thành phố mã «{value}» (mã 2025, ví dụ 33 hoặc 01)",
                                           "no province with code «{value}» (a 2025 code such as 33 or 01)"),
    ProductionErrorCode.NOTHING_TO_PRODUCE: ("Không có hồ sơ nào của {province} đang chờ sản xuất thẻ",
                                             "no application of {province} is waiting for its card"),
    ProductionErrorCode.APPLICATIONS_TAKEN: ("Một lô khác vừa nhận các hồ sơ này; hãy thử lại",
                                             "another batch has just taken these applications; try again"),
    ProductionErrorCode.LIMIT_INVALID: ("Số thẻ tối đa của một lô phải từ 1 đến {limit:,}",
                                        "the most cards in a batch must be between 1 and {limit:,}"),
    ProductionErrorCode.PRIORITY_UNKNOWN: ("Mức ưu tiên «{value}» không có; chọn urgent hoặc normal",
                                           "no priority «{value}»; choose urgent or normal"),
    ProductionErrorCode.BATCH_NOT_FOUND: ("Không tìm thấy lô sản xuất «{batch}»", "production batch «{batch}» not found"),
    ProductionErrorCode.BATCH_BUSY: ("Lô {batch} đang được chạy bởi {runner} (tín hiệu cách đây {seconds} giây)",
                                     "batch {batch} is being run by {runner} (last heartbeat {seconds} s ago)"),
    ProductionErrorCode.BATCH_NOT_RUNNABLE: ("Lô {batch} đã «{state_vi}»: không còn gì để chạy",
                                             "batch {batch} is {state}: there is nothing left to run"),
    ProductionErrorCode.RUN_TAKEN_OVER: ("Một tiến trình khác đã tiếp quản lô {batch}; tiến trình này dừng lại",
                                         "another process took batch {batch} over; this one stops"),
    ProductionErrorCode.RUN_FAILED: ("Lô {batch} dừng ở thẻ {serial}: {detail}. Chạy `cancuoc production resume {batch}`",
                                     "batch {batch} stopped at card {serial}: {detail}. Run `cancuoc production resume "
                                     "{batch}`"),
    ProductionErrorCode.PORTRAIT_MISSING: ("Hồ sơ {application} không có ảnh chân dung đã thu nhận",
                                           "application {application} has no enrolled portrait"),
    ProductionErrorCode.MACHINE_KEY_MISSING: (
        "Chưa cấu hình khóa công khai của máy cá nhân hóa ({path}): chạy `cancuoc production machine-key`",
        "the personalisation machine's public key is not configured ({path}): run `cancuoc production machine-key`"),
    ProductionErrorCode.MACHINE_KEY_INVALID: ("Tệp {path} không phải là khóa X25519 (PEM) hợp lệ",
                                              "{path} is not a valid X25519 key (PEM)"),
    ProductionErrorCode.MACHINE_KEY_EXISTS: ("Đã có khóa máy cá nhân hóa tại {path}; dùng --force để thay",
                                             "a personalisation machine key is already configured at {path}; use "
                                             "--force to replace it"),
    ProductionErrorCode.FILE_UNWRITABLE: ("Không ghi được {path}: {detail}", "cannot write {path}: {detail}"),
    ProductionErrorCode.FILE_MISSING: ("Tệp sản xuất của lô {batch} không còn tại {path}",
                                       "the production file of batch {batch} is no longer at {path}"),
    ProductionErrorCode.FILE_DAMAGED: ("Tệp sản xuất {path} bị hỏng: {detail}",
                                       "the production file {path} is damaged: {detail}"),
    ProductionErrorCode.CHIP_KEY_UNREADABLE: (
        "Không giải mã được khóa chip của thẻ {serial}: sai khóa máy hoặc dữ liệu bị sửa",
        "cannot decrypt the chip key of card {serial}: wrong machine key or altered data"),
    ProductionErrorCode.NOT_PRODUCED: ("Lô {batch} chưa có tệp sản xuất: chưa kiểm tra chất lượng hay đóng gói được",
                                       "batch {batch} has no production file yet: no quality control or packing"),
    ProductionErrorCode.CARD_NOT_IN_QC: ("Thẻ {serial} không chờ kiểm tra chất lượng trong lô này",
                                         "card {serial} is not waiting for quality control in this batch"),
    ProductionErrorCode.QC_DECISION_UNKNOWN: ("Kết quả kiểm tra «{value}» không có; chọn passed hoặc spoiled",
                                              "no quality-control outcome «{value}»; choose passed or spoiled"),
    ProductionErrorCode.NOTHING_TO_DISPATCH: ("Lô {batch} không có thẻ nào đã đạt kiểm tra mà chưa gửi",
                                              "batch {batch} has no card that passed quality control and is not sent"),
    ProductionErrorCode.PARCEL_NOT_FOUND: ("Không tìm thấy kiện thẻ «{parcel}»", "parcel «{parcel}» not found"),
    ProductionErrorCode.SCAN_EMPTY: ("Hãy quét mã QR hoặc MRZ của thẻ, hoặc gõ số sê-ri",
                                     "scan the card's QR code or MRZ, or type its serial"),
    ProductionErrorCode.SCAN_UNREADABLE: (
        "Không đọc được: đây không phải mã QR, MRZ hay số sê-ri của thẻ căn cước",
        "unreadable: this is not the QR code, the MRZ or the serial of an identity card"),
    ProductionErrorCode.SCAN_NO_CARD: ("Không có thẻ nào đang gửi đến điểm của bạn khớp với mã vừa quét",
                                       "no card on its way to your station matches this scan"),
    ProductionErrorCode.SCAN_OTHER_STATION: (
        "Thẻ {serial} thuộc kiện gửi cho điểm khác, không phải điểm của bạn: để riêng và báo trung tâm sản xuất",
        "card {serial} belongs to a parcel for another station, not yours: set it aside and tell the production "
        "centre"),
    ProductionErrorCode.SCAN_NOT_DISPATCHED: ("Thẻ {serial} đang ở trạng thái «{state_vi}»: không nhận được",
                                              "card {serial} is {state}: it cannot be received"),
    ProductionErrorCode.USER_UNKNOWN: ("Không có người dùng {name}", "no such user {name}"),
}  # fmt: skip

# what the API answers for each code (422 otherwise)
HTTP_STATUS = {
    ProductionErrorCode.BATCH_NOT_FOUND: 404, ProductionErrorCode.PARCEL_NOT_FOUND: 404,
    ProductionErrorCode.SCAN_NO_CARD: 404, ProductionErrorCode.BATCH_BUSY: 409,
    ProductionErrorCode.BATCH_NOT_RUNNABLE: 409, ProductionErrorCode.APPLICATIONS_TAKEN: 409,
    ProductionErrorCode.CARD_NOT_IN_QC: 409, ProductionErrorCode.NOTHING_TO_DISPATCH: 409,
    ProductionErrorCode.NOT_PRODUCED: 409, ProductionErrorCode.SCAN_OTHER_STATION: 409,
    ProductionErrorCode.SCAN_NOT_DISPATCHED: 409,
}  # fmt: skip


class ProductionError(CodedError):
    """An error with a code and its message in Vietnamese and English; ``str()`` gives both."""

    MESSAGES = MESSAGES

    def __init__(self, code: ProductionErrorCode, **values):
        super().__init__(code, **values)

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 422)
