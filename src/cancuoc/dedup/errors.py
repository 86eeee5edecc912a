"""Error codes of demographic duplicate detection: a record that cannot be compared, an unknown or repeated
record id, a batch run without its engine. One enumeration, one bilingual message per code."""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError


class DedupErrorCode(StrEnum):
    RECORD_ID_MISSING = "record_id_missing"
    BIRTH_DATE_INVALID = "birth_date_invalid"
    SEX_INVALID = "sex_invalid"
    FIELD_UNKNOWN = "field_unknown"
    RECORD_ID_TAKEN = "record_id_taken"
    RECORD_UNKNOWN = "record_unknown"
    BATCH_ENGINE_MISSING = "batch_engine_missing"
    POPULATION_TOO_SMALL = "population_too_small"


MESSAGES: dict[DedupErrorCode, tuple[str, str]] = {
    DedupErrorCode.RECORD_ID_MISSING: ("Hồ sơ không có số định danh", "The record has no record id"),
    DedupErrorCode.BIRTH_DATE_INVALID: ("Ngày sinh không hợp lệ: {value}", "Invalid birth date: {value}"),
    DedupErrorCode.SEX_INVALID: ("Giới tính không hợp lệ: {value}", "Invalid sex: {value}"),
    DedupErrorCode.FIELD_UNKNOWN: ("Trường không được hỗ trợ: {name}", "Unsupported field: {name}"),
    DedupErrorCode.RECORD_ID_TAKEN: ("Số định danh {record_id} đã có trong chỉ mục",
                                     "Record {record_id} is already in the index"),
    DedupErrorCode.RECORD_UNKNOWN: ("Không có hồ sơ {record_id} trong chỉ mục",
                                    "Record {record_id} is not in the index"),
    DedupErrorCode.BATCH_ENGINE_MISSING: ("Chưa cài đặt Splink và DuckDB để đối sánh toàn bộ dữ liệu: {detail}",
                                          "Splink and DuckDB are needed for batch matching: {detail}"),
    DedupErrorCode.POPULATION_TOO_SMALL: ("Cần ít nhất {minimum} hồ sơ để ước lượng tham số",
                                          "At least {minimum} records are needed to estimate the parameters"),
}  # fmt: skip


class DedupError(CodedError, ValueError):
    """A record or request the duplicate detector cannot handle; ``str()`` gives Vietnamese / English."""

    MESSAGES = MESSAGES

    def __init__(self, code: DedupErrorCode, **values):
        super().__init__(code, **values)
