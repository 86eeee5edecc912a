"""Reading CSV and XLSX files into rows of {field: text}, with every problem named by line and column.

Nothing here touches the database. A file that cannot be read at all raises ``UnreadableFile`` with a
bilingual message; a bad row is yielded with its problems, never dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cancuoc.registry.validation import Problem

from .columns import REQUIRED, field_for_header

MAX_FIELD_CHARS = 1000
csv.field_size_limit(MAX_FIELD_CHARS * 10)


class UnreadableFile(Exception):
    def __init__(self, message_vi: str, message_en: str):
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en


@dataclass
class RawRow:
    line: int
    values: dict[str, str]
    problems: list[Problem] = field(default_factory=list)


def _map_headers(headers: list[str]) -> tuple[dict[int, str], list[Problem]]:
    mapping: dict[int, str] = {}
    problems: list[Problem] = []
    for index, header in enumerate(headers):
        name = field_for_header(str(header or ""))
        if name is None:
            if str(header or "").strip():
                problems.append(Problem(str(header), "unknown_column", f"Cột không xác định: {header!r} (bỏ qua)",
                                        f"Unknown column: {header!r} (ignored)"))  # fmt: skip
            continue
        if name in mapping.values():
            raise UnreadableFile(f"Cột {header!r} bị lặp", f"Column {header!r} appears twice")
        mapping[index] = name
    present = set(mapping.values())
    missing = REQUIRED - present
    if "given_name" not in present and "full_name" not in present:
        missing.add("given_name / full_name")
    if missing:
        raise UnreadableFile(
            f"Thiếu cột bắt buộc: {', '.join(sorted(missing))}",
            f"Required columns missing: {', '.join(sorted(missing))}",
        )
    return mapping, problems


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            f"Tệp không phải mã UTF-8 (lỗi ở dòng {line}). Hãy lưu lại dưới dạng 'CSV UTF-8'.",
            f"The file is not UTF-8 (error at line {line}). Save it again as 'CSV UTF-8'.",
        ) from error


def read_csv(data: bytes) -> tuple[list[Problem], Iterator[RawRow]]:
    text = _decode(data)
    if "\x00" in text:
        raise UnreadableFile(
            "Tệp chứa ký tự NUL: không phải tệp CSV văn bản", "The file contains NUL bytes: not a text CSV"
        )
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers = next(reader)
    except StopIteration as error:
        raise UnreadableFile("Tệp rỗng", "The file is empty") from error
    except csv.Error as error:
        raise UnreadableFile(
            f"Dòng tiêu đề không đọc được: {error}", f"Cannot read the header line: {error}"
        ) from error
    mapping, header_problems = _map_headers(headers)

    def rows() -> Iterator[RawRow]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield RawRow(reader.line_num, {}, [Problem("", "bad_csv_line", f"Dòng CSV hỏng: {error}",
                                                           f"Malformed CSV line: {error}")])  # fmt: skip
                continue
            if not any(cell.strip() for cell in cells):
                continue
            yield _row(reader.line_num, cells, mapping, len(headers))

    return header_problems, rows()


def _row(line: int, cells: list, mapping: dict[int, str], width: int) -> RawRow:
    row = RawRow(line, {})
    if len(cells) > width and any(str(c).strip() for c in cells[width:]):
        row.problems.append(Problem("", "extra_cells", f"Dòng có {len(cells)} ô, tiêu đề có {width}",
                                    f"The line has {len(cells)} cells; the header has {width}"))  # fmt: skip
    for index, name in mapping.items():
        value = cells[index] if index < len(cells) else ""
        if value is None:
            value = ""
        if not isinstance(value, str):
            row.values[name] = value
            continue
        if len(value) > MAX_FIELD_CHARS:
            row.problems.append(Problem(name, "too_long", f"Ô quá dài ({len(value)} ký tự)",
                                        f"Cell too long ({len(value)} characters)"))  # fmt: skip
            continue
        row.values[name] = value.strip()
    return row


def read_xlsx(path: Path) -> tuple[list[Problem], Iterator[RawRow]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(
            "Tệp XLSX hỏng hoặc không phải XLSX", "The XLSX file is damaged or not an XLSX file"
        ) from error
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        headers = [str(h) if h is not None else "" for h in next(iterator)]
    except StopIteration as error:
        raise UnreadableFile("Bảng tính rỗng", "The spreadsheet is empty") from error
    mapping, header_problems = _map_headers(headers)

    def rows() -> Iterator[RawRow]:
        for line, cells in enumerate(iterator, start=2):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield _row(line, list(cells), mapping, len(headers))
        workbook.close()

    return header_problems, rows()


def read_file(path: Path, file_format: str) -> tuple[list[Problem], Iterator[RawRow]]:
    if file_format == "xlsx":
        return read_xlsx(path)
    return read_csv(path.read_bytes())


def detect_format(name: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile(
            "Tệp có đuôi .xlsx nhưng không phải XLSX", "The file is named .xlsx but is not an XLSX file"
        )
    return "csv"
