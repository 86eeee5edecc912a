"""Error codes of imports: one enumeration, one bilingual message per code.

Codes named ``FILE_*`` refuse a whole file (the job fails and nothing of it is kept); ``CELL_*`` are row
problems; ``JOB_*`` explain why a job stopped. Messages are Vietnamese first, then English.
"""

from __future__ import annotations

from enum import StrEnum

from cancuoc.errors import CodedError, bilingual
from cancuoc.registry.validation import Problem


class ImportErrorCode(StrEnum):
    # refused on upload, before a job exists
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    FILE_NOT_XLSX = "file_not_xlsx"
    # refused by the check: the job fails
    FILE_NOT_UTF8 = "file_not_utf8"
    FILE_NUL_BYTES = "file_nul_bytes"
    FILE_BAD_HEADER_LINE = "file_bad_header_line"
    FILE_MISSING_COLUMNS = "file_missing_columns"
    FILE_DUPLICATE_COLUMN = "file_duplicate_column"
    FILE_DAMAGED_XLSX = "file_damaged_xlsx"
    FILE_UNEXPECTED_PART = "file_unexpected_part"
    FILE_ENCRYPTED_PART = "file_encrypted_part"
    FILE_DECOMPRESSED_TOO_LARGE = "file_decompressed_too_large"
    FILE_XML_FORBIDDEN = "file_xml_forbidden"
    FILE_TOO_MANY_UNAVAILABLE = "file_too_many_unavailable"
    FILE_XML_TOKEN_TOO_LARGE = "file_xml_token_too_large"
    FILE_TOO_MANY_ROWS = "file_too_many_rows"
    FILE_TOO_MANY_COLUMNS = "file_too_many_columns"
    FILE_LINE_TOO_LONG = "file_line_too_long"
    FILE_HEADER_FORMULA = "file_header_formula"
    FILE_DELETED = "file_deleted"
    # row problems
    CELL_FORMULA = "formula_cell"
    CELL_TOO_LONG = "too_long"
    # the template's example row (docs/import-format.md): never a real number, never imported
    CELL_EXAMPLE_NUMBER = "example_number"
    # a note on a report cut at CANCUOC_IMPORT_MAX_STORED_ERRORS
    REPORT_TRUNCATED = "report_truncated"
    # why a job stopped
    JOB_INTERRUPTED = "job_interrupted"
    JOB_FAILED = "job_failed"


_REFUSED = ("Tệp bị từ chối: ", "File refused: ")

MESSAGES: dict[ImportErrorCode, tuple[str, str]] = {
    ImportErrorCode.FILE_TOO_LARGE: ("Tệp quá lớn ({size_mb} MB; tối đa {limit_mb} MB)",
                                     "File too large ({size_mb} MB; at most {limit_mb} MB)"),
    ImportErrorCode.FILE_EMPTY: ("Tệp rỗng", "The file is empty"),
    ImportErrorCode.FILE_NOT_XLSX: ("Tệp có đuôi .xlsx nhưng không phải XLSX",
                                    "The file is named .xlsx but is not an XLSX file"),
    ImportErrorCode.FILE_NOT_UTF8: ("Tệp không phải mã UTF-8 (lỗi ở dòng {line}). Hãy lưu lại dưới dạng 'CSV UTF-8'.",
                                    "The file is not UTF-8 (error at line {line}). Save it again as 'CSV UTF-8'."),
    ImportErrorCode.FILE_NUL_BYTES: ("Tệp chứa ký tự NUL: không phải tệp CSV văn bản",
                                     "The file contains NUL bytes: not a text CSV"),
    ImportErrorCode.FILE_BAD_HEADER_LINE: ("Dòng tiêu đề không đọc được: {detail}",
                                           "Cannot read the header line: {detail}"),
    ImportErrorCode.FILE_MISSING_COLUMNS: ("Thiếu cột bắt buộc: {columns}", "Required columns missing: {columns}"),
    ImportErrorCode.FILE_DUPLICATE_COLUMN: ("Cột {header!r} bị lặp", "Column {header!r} appears twice"),
    ImportErrorCode.FILE_DAMAGED_XLSX: ("Tệp XLSX hỏng hoặc không phải XLSX ({detail})",
                                        "The XLSX file is damaged or not an XLSX file ({detail})"),
    ImportErrorCode.FILE_UNEXPECTED_PART: (
        _REFUSED[0] + "tệp XLSX chứa phần không được chấp nhận {part!r} (macro, liên kết ngoài, đối tượng nhúng...)",
        _REFUSED[1] + "the XLSX file holds a part that is not accepted, {part!r} (macros, external links, "
                      "embedded objects...)"),
    ImportErrorCode.FILE_ENCRYPTED_PART: (_REFUSED[0] + "tệp XLSX có phần được mã hóa {part!r}",
                                          _REFUSED[1] + "the XLSX file has an encrypted part {part!r}"),
    ImportErrorCode.FILE_DECOMPRESSED_TOO_LARGE: (
        _REFUSED[0] + "nội dung giải nén vượt quá {limit_mb} MB",
        _REFUSED[1] + "its decompressed content exceeds {limit_mb} MB"),
    ImportErrorCode.FILE_XML_FORBIDDEN: (_REFUSED[0] + "XML trong tệp chứa khai báo DOCTYPE/thực thể ({part})",
                                         _REFUSED[1] + "the XML inside declares a DOCTYPE or entities ({part})"),
    ImportErrorCode.FILE_XML_TOKEN_TOO_LARGE: (
        _REFUSED[0] + "một thẻ XML dài hơn {limit_kb} KB ({part})",
        _REFUSED[1] + "an XML tag is longer than {limit_kb} KB ({part})"),
    ImportErrorCode.FILE_TOO_MANY_ROWS: (_REFUSED[0] + "nhiều hơn {limit:,} dòng dữ liệu",
                                         _REFUSED[1] + "more than {limit:,} data rows"),
    ImportErrorCode.FILE_TOO_MANY_COLUMNS: (_REFUSED[0] + "dòng {line} có ô ở cột thứ {column:,} (tối đa {limit:,})",
                                            _REFUSED[1] + "line {line} has a cell in column {column:,} (at most {limit:,})"),
    ImportErrorCode.FILE_LINE_TOO_LONG: (_REFUSED[0] + "dòng {line} dài hơn {limit:,} ký tự",
                                         _REFUSED[1] + "line {line} is longer than {limit:,} characters"),
    ImportErrorCode.FILE_HEADER_FORMULA: (_REFUSED[0] + "ô tiêu đề {cell} là công thức; hãy dán giá trị",
                                          _REFUSED[1] + "header cell {cell} is a formula; paste values instead"),
    ImportErrorCode.FILE_DELETED: ("Tệp tải lên đã bị xóa sau thời hạn lưu giữ; hãy tải lên lại",
                                   "The uploaded file was deleted after its retention time; upload it again"),
    ImportErrorCode.CELL_FORMULA: ("Ô {cell} chứa công thức, không được nhập; hãy dán giá trị (Paste Values)",
                                   "Cell {cell} holds a formula, which is not imported; paste values instead"),
    ImportErrorCode.CELL_TOO_LONG: ("Ô quá dài (hơn {limit:,} ký tự)", "Cell too long (more than {limit:,} characters)"),
    ImportErrorCode.CELL_EXAMPLE_NUMBER: (
        "Đây là dòng ví dụ của tệp mẫu (số định danh {number}): hãy xóa hoặc thay bằng dữ liệu thật",
        "This is the template's example row (ID number {number}): delete it or replace it with real data"),
    ImportErrorCode.REPORT_TRUNCATED: ("Chỉ lưu {stored:,} lỗi đầu tiên; {unstored:,} lỗi khác đã được đếm nhưng không lưu",
                                       "Only the first {stored:,} problems are stored; {unstored:,} more were counted, "
                                       "not stored"),
    ImportErrorCode.JOB_INTERRUPTED: (
        "Tiến trình xử lý nền đã dừng giữa chừng; không có thay đổi nào được lưu. Hãy bấm 'Chạy lại'",
        "The background worker stopped mid-way; nothing was changed. Use 'Run again'"),
    ImportErrorCode.FILE_TOO_MANY_UNAVAILABLE: (
        _REFUSED[0] + "hơn {limit} số định danh không dùng được (ngoài địa bàn hoặc đã hủy); lần thử đã được ghi nhật ký",
        _REFUSED[1] + "more than {limit} ID numbers that cannot be used (outside your area or cancelled); the "
                      "attempt was logged"),
    ImportErrorCode.JOB_FAILED: ("Lỗi không mong đợi ({detail}); không có thay đổi nào được lưu. Hãy bấm 'Chạy lại'",
                                 "Unexpected error ({detail}); nothing was changed. Use 'Run again'"),
}  # fmt: skip


def message(code: ImportErrorCode, **values) -> tuple[str, str]:
    return bilingual(MESSAGES, code, **values)


def problem(field: str, code: ImportErrorCode, **values) -> Problem:
    return Problem(field, str(code), *message(code, **values))


class UnreadableFile(CodedError):
    """The whole file is refused: its job fails with this code's message and keeps nothing of the file."""

    MESSAGES = MESSAGES

    def __init__(self, code: ImportErrorCode, **values):
        super().__init__(code, **values)
