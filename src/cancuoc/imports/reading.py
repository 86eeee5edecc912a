"""Reading CSV and XLSX files into rows of {field: text}, with every problem named by line and column.

Nothing here touches the database. A file that cannot be read at all, or that is refused by a limit,
raises ``UnreadableFile`` with a bilingual message; a bad row is yielded with its problems, never dropped
silently.

Both readers stream and hold a bounded amount of memory whatever the file says (``Limits``):

- CSV: lines are read one at a time, none longer than ``max_line_chars``; at most ``max_rows`` rows.
- XLSX is read with our own streaming reader (zipfile + expat), not openpyxl, because openpyxl loads the
  shared strings whole and a 2 MB file could ask for gigabytes. Before anything is parsed the archive's
  declared sizes must add up to at most ``max_decompressed_bytes`` and every part must be one a spreadsheet
  of data needs (no macros, external links, embedded objects); while parsing, decompressed bytes are
  counted again (a declared size may lie), no XML token may exceed ``max_xml_token_bytes`` (expat buffers
  a whole tag), DOCTYPE and entity declarations are refused, no cell is kept beyond
  ``max_cell_chars + 1`` characters and no cell may lie beyond column ``max_columns``.
- Formula cells in the columns we read are refused with a row problem naming the cell: we never read the
  value a formula last produced, nor silently read it as empty.
- A leading apostrophe that our exports add to neutralise a formula-like value (``'=…``, ``'+…``, ``'-…``,
  ``'@…``) is removed again (docs/import-format.md).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from pyexpat import XML_PARAM_ENTITY_PARSING_NEVER, ExpatError, ParserCreate
from typing import BinaryIO

from cancuoc.registry.validation import Problem

from .columns import REQUIRED, field_for_header
from .errors import ImportErrorCode as Code
from .errors import UnreadableFile, problem

__all__ = ["Limits", "RawRow", "UnreadableFile", "detect_format", "estimate_rows", "read_file"]

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# A stored upload is read through an opener (the files are encrypted at rest): each call gives a new
# binary, seekable file of its plaintext. A plain path is opened as it is.
Opener = Callable[[], BinaryIO]


def _opener(source: Path | str | Opener) -> Opener:
    if callable(source):
        return source
    return lambda: open(source, "rb")


@dataclass(frozen=True)
class Limits:
    """What a file may ask of the reader. ``services.limits()`` builds it from the settings."""

    max_rows: int = 2_000_000
    max_cell_chars: int = 2_000
    max_line_chars: int = 100_000
    max_decompressed_bytes: int = 1 << 30
    max_columns: int = 16_384  # Excel's own last column, XFD
    max_xml_token_bytes: int = 1 << 20


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
            raise UnreadableFile(Code.FILE_DUPLICATE_COLUMN, header=header)
        mapping[index] = name
    present = set(mapping.values())
    missing = REQUIRED - present
    if "given_name" not in present and "full_name" not in present:
        missing.add("given_name / full_name")
    if missing:
        raise UnreadableFile(Code.FILE_MISSING_COLUMNS, columns=", ".join(sorted(missing)))
    return mapping, problems


def needs_quote(value: str) -> bool:
    """Does this CSV value need our apostrophe: would a spreadsheet read it as a formula (it starts with
    ``= + - @``, tab or CR), or would ``unquote`` change it (apostrophes followed by one of those)?"""
    return value.lstrip("'")[:1] in FORMULA_TRIGGERS


def unquote(value: str) -> str:
    """Undo the apostrophe our CSV exports put before a value that starts with ``= + - @``, tab or CR, or
    with apostrophes followed by one of them (``'-`` → ``-``, ``''=x`` → ``'=x``)."""
    if value[:1] == "'" and value.lstrip("'")[:1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _cell_value(row: RawRow, name: str, value, limits: Limits, *, csv_text: bool = False) -> None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        row.values[name] = value
        return
    if len(value) > limits.max_cell_chars:
        row.problems.append(problem(name, Code.CELL_TOO_LONG, limit=limits.max_cell_chars))
        return
    value = value.strip()
    row.values[name] = unquote(value).strip() if csv_text else value


def _extra_cells(count: int, width: int) -> Problem:
    return Problem("", "extra_cells", f"Dòng có {count} ô, tiêu đề có {width}",
                   f"The line has {count} cells; the header has {width}")  # fmt: skip


# --- CSV ----------------------------------------------------------------------------------------------


def _line_of_decode_error(open_file: Opener) -> int:
    """The first line that is not UTF-8 (lines split on LF are safe to decode one by one in UTF-8)."""
    with open_file() as handle:
        for number, line in enumerate(iter(lambda: handle.readline(1 << 20), b""), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _physical_lines(open_file: Opener, limits: Limits) -> Iterator[str]:
    """The file's lines (endings kept, as the csv module wants), decoded, each checked for length and NUL."""
    with open_file() as raw:
        head = raw.read(2)
        raw.seek(0)
        utf16 = head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        text = io.TextIOWrapper(raw, encoding="utf-16" if utf16 else "utf-8-sig", newline="")
        number = 0
        while True:
            try:
                line = text.readline(limits.max_line_chars + 2)
            except UnicodeDecodeError as error:
                raise UnreadableFile(Code.FILE_NOT_UTF8, line=_line_of_decode_error(open_file)) from error
            if not line:
                return
            number += 1
            if len(line.rstrip("\r\n")) > limits.max_line_chars:
                raise UnreadableFile(Code.FILE_LINE_TOO_LONG, line=number, limit=limits.max_line_chars)
            if "\x00" in line:
                raise UnreadableFile(Code.FILE_NUL_BYTES)
            yield line


def read_csv(source: Path | Opener, limits: Limits | None = None) -> tuple[list[Problem], Iterator[RawRow]]:
    limits = limits or Limits()
    lines = _physical_lines(_opener(source), limits)
    sample: list[str] = []
    size = 0
    for line in lines:
        sample.append(line)
        size += len(line)
        if size > 20000 or len(sample) >= 50:
            break
    try:
        dialect = csv.Sniffer().sniff("".join(sample), delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # the line limit already bounds a field on one line; this bounds a quoted field over many lines
    csv.field_size_limit(max(limits.max_line_chars, limits.max_cell_chars) + 1)
    reader = csv.reader(itertools.chain(sample, lines), dialect)
    try:
        headers = next(reader)
    except StopIteration as error:
        raise UnreadableFile(Code.FILE_EMPTY) from error
    except csv.Error as error:
        raise UnreadableFile(Code.FILE_BAD_HEADER_LINE, detail=str(error)) from error
    mapping, header_problems = _map_headers(headers)
    width = len(headers)

    def rows() -> Iterator[RawRow]:
        records = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                cells = None
                failure = error
            records += 1
            if records > limits.max_rows:
                raise UnreadableFile(Code.FILE_TOO_MANY_ROWS, limit=limits.max_rows)
            if cells is None:
                yield RawRow(reader.line_num, {}, [Problem("", "bad_csv_line", f"Dòng CSV hỏng: {failure}",
                                                           f"Malformed CSV line: {failure}")])  # fmt: skip
                continue
            if not any(cell.strip() for cell in cells):
                continue
            row = RawRow(reader.line_num, {})
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                row.problems.append(_extra_cells(len(cells), width))
            for index, name in mapping.items():
                _cell_value(row, name, cells[index] if index < len(cells) else "", limits, csv_text=True)
            yield row

    return header_problems, rows()


# --- XLSX ---------------------------------------------------------------------------------------------

# The parts a workbook of data may hold. Not accepted: macros (vbaProject.bin), external links, embedded
# objects and ActiveX controls, and anything unknown.
_ACCEPTED_PART = re.compile(
    r"""\[Content_Types\]\.xml | _rels/\.rels
    | docProps/(app|core|custom)\.xml | docProps/thumbnail\.(jpeg|jpg|png|emf|wmf)
    | customXml/(_rels/)?item\d*\.xml(\.rels)? | customXml/itemProps\d*\.xml
    | xl/workbook\.xml | xl/_rels/workbook\.xml\.rels | xl/sharedStrings\.xml | xl/styles\.xml
    | xl/theme/theme\d+\.xml | xl/calcChain\.xml | xl/metadata\.xml | xl/connections\.xml
    | xl/worksheets/sheet\d+\.xml | xl/worksheets/_rels/sheet\d+\.xml\.rels
    | xl/chartsheets/(_rels/)?sheet\d+\.xml(\.rels)?
    | xl/printerSettings/printerSettings\d+\.bin
    | xl/comments\d+\.xml | xl/persons/person\.xml | xl/threadedComments/threadedComment\d+\.xml
    | xl/drawings/(_rels/)?(vml)?drawing\d+\.(xml|vml)(\.rels)?
    | xl/charts/(_rels/)?(chart|style|colors)\d+\.xml(\.rels)?
    | xl/tables/table\d+\.xml | xl/queryTables/queryTable\d+\.xml
    | xl/pivotTables/(_rels/)?pivotTable\d+\.xml(\.rels)?
    | xl/pivotCache/(_rels/)?pivotCache(Definition|Records)\d+\.xml(\.rels)?
    | xl/media/image\d+\.(png|jpeg|jpg|gif|bmp|emf|wmf)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_MAX_PARTS = 1000
_CHUNK = 1 << 16
_NS_REL = "/relationships/"


class _Archive:
    """The zip container, checked before use: accepted parts only, declared sizes within the limit,
    decompressed bytes counted again while reading."""

    def __init__(self, open_file: Opener, limits: Limits):
        self.limits = limits
        self.handle = open_file()
        try:
            self.zip = zipfile.ZipFile(self.handle)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            self.handle.close()
            raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail="zip") from error
        try:
            self._check(infos)
        except UnreadableFile:
            self.close()
            raise
        self.budget = limits.max_decompressed_bytes

    def _check(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        if len(infos) > _MAX_PARTS:
            raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=f"{len(infos)} parts")
        self.names: dict[str, str] = {}
        declared = 0
        for info in infos:
            name = info.filename
            if name.endswith("/") and info.file_size == 0:
                continue
            if name.lower() in self.names:
                raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=f"{name[:100]!r} twice")
            if not _ACCEPTED_PART.fullmatch(name):
                raise UnreadableFile(Code.FILE_UNEXPECTED_PART, part=name[:100])
            if info.flag_bits & 0x1:
                raise UnreadableFile(Code.FILE_ENCRYPTED_PART, part=name[:100])
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=f"compression of {name[:100]!r}")
            declared += info.file_size
            self.names[name.lower()] = name
        if declared > limits.max_decompressed_bytes:
            raise UnreadableFile(
                Code.FILE_DECOMPRESSED_TOO_LARGE, limit_mb=limits.max_decompressed_bytes >> 20
            )

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    def chunks(self, part: str) -> Iterator[bytes]:
        name = self.names.get(part.lower())
        if name is None:
            raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=f"{part[:100]} missing")
        try:
            with self.zip.open(name) as handle:
                while chunk := handle.read(_CHUNK):
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        raise UnreadableFile(
                            Code.FILE_DECOMPRESSED_TOO_LARGE,
                            limit_mb=self.limits.max_decompressed_bytes >> 20,
                        )
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=part[:100]) from error

    def close(self) -> None:
        self.zip.close()
        self.handle.close()


def _local(name: str) -> str:
    return name.rpartition(":")[2] if ":" in name else name


class _Handler:
    """Base of the expat handlers: remembers where the last event was (to spot an oversized token)."""

    def __init__(self):
        self.position = 0
        self.parser = None

    def bind(self, parser) -> None:
        self.parser = parser
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.chars
        parser.CommentHandler = self.mark
        parser.ProcessingInstructionHandler = lambda target, data: self.mark(data)

    def mark(self, _data=None) -> None:
        self.position = self.parser.CurrentByteIndex

    def start(self, name, attributes) -> None:
        self.position = self.parser.CurrentByteIndex

    def end(self, name) -> None:
        self.position = self.parser.CurrentByteIndex

    def chars(self, data) -> None:
        self.position = self.parser.CurrentByteIndex

    def drain(self) -> list:
        return []


def _parse(archive: _Archive, part: str, handler: _Handler) -> Iterator:
    """Feed a part to expat chunk by chunk; yield what the handler completed after each chunk."""

    def forbidden(*_args):
        raise UnreadableFile(Code.FILE_XML_FORBIDDEN, part=part[:100])

    parser = ParserCreate()
    parser.SetParamEntityParsing(XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = forbidden
    parser.EntityDeclHandler = forbidden
    parser.UnparsedEntityDeclHandler = forbidden
    handler.bind(parser)
    fed = 0
    limit = archive.limits.max_xml_token_bytes
    try:
        for chunk in archive.chunks(part):
            parser.Parse(chunk, False)
            fed += len(chunk)
            if fed - handler.position > limit:
                raise UnreadableFile(Code.FILE_XML_TOKEN_TOO_LARGE, limit_kb=limit >> 10, part=part[:100])
            yield from handler.drain()
        parser.Parse(b"", True)
    except ExpatError as error:
        raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=f"{part[:100]}: {error}") from error
    yield from handler.drain()


def _run(archive: _Archive, part: str, handler: _Handler) -> None:
    for _ in _parse(archive, part, handler):
        pass


class _Relationships(_Handler):
    def __init__(self):
        super().__init__()
        self.by_id: dict[str, tuple[str, str]] = {}

    def start(self, name, attributes):
        self.position = self.parser.CurrentByteIndex
        if _local(name) == "Relationship":
            self.by_id[attributes.get("Id", "")] = (attributes.get("Type", ""), attributes.get("Target", ""))

    def of_type(self, kind: str) -> str | None:
        return next((target for type_, target in self.by_id.values() if type_.endswith(_NS_REL + kind)), None)


class _Workbook(_Handler):
    def __init__(self):
        super().__init__()
        self.date1904 = False
        self.first_sheet: str | None = None

    def start(self, name, attributes):
        self.position = self.parser.CurrentByteIndex
        name = _local(name)
        if name == "workbookPr":
            self.date1904 = attributes.get("date1904", "0") in ("1", "true")
        elif name == "sheet" and self.first_sheet is None:
            self.first_sheet = next((v for k, v in attributes.items() if k == "id" or k.endswith(":id")), "")


class _Styles(_Handler):
    """Which cell styles show a number as a date."""

    def __init__(self):
        super().__init__()
        self.formats: dict[int, str] = {}
        self.cell_formats: list[int] = []
        self.section = ""

    def start(self, name, attributes):
        self.position = self.parser.CurrentByteIndex
        name = _local(name)
        if name in ("numFmts", "cellXfs", "cellStyleXfs", "dxfs"):
            self.section = name
        elif name == "numFmt" and self.section == "numFmts":
            self.formats[_int(attributes.get("numFmtId"))] = attributes.get("formatCode", "")[:200]
        elif name == "xf" and self.section == "cellXfs":
            self.cell_formats.append(_int(attributes.get("numFmtId")))

    def end(self, name):
        self.position = self.parser.CurrentByteIndex
        if _local(name) == self.section:
            self.section = ""

    def date_styles(self) -> frozenset[int]:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        dates = set()
        for index, format_id in enumerate(self.cell_formats):
            code = self.formats.get(format_id, BUILTIN_FORMATS.get(format_id, "General"))
            if is_date_format(code):
                dates.add(index)
        return frozenset(dates)


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return -1


class _SharedStrings(_Handler):
    """The shared strings, stored compactly (UTF-8 bytes and offsets), each cut at the cell limit + 1."""

    def __init__(self, max_chars: int):
        super().__init__()
        self.max_chars = max_chars
        self.data = bytearray()
        self.ends = array("Q")
        self.parts: list[str] = []
        self.length = 0
        self.depth_in_phonetic = 0
        self.in_text = False

    def start(self, name, attributes):
        self.position = self.parser.CurrentByteIndex
        name = _local(name)
        if name == "si":
            self.parts, self.length = [], 0
        elif name == "t" and not self.depth_in_phonetic:
            self.in_text = True
        elif name == "rPh":
            self.depth_in_phonetic += 1

    def end(self, name):
        self.position = self.parser.CurrentByteIndex
        name = _local(name)
        if name == "t":
            self.in_text = False
        elif name == "rPh":
            self.depth_in_phonetic -= 1
        elif name == "si":
            self.data += "".join(self.parts).encode()
            self.ends.append(len(self.data))

    def chars(self, data):
        self.position = self.parser.CurrentByteIndex
        if self.in_text and self.length <= self.max_chars:
            data = data[: self.max_chars + 1 - self.length]
            self.parts.append(data)
            self.length += len(data)

    def lookup(self):
        ends, data = self.ends, self.data

        @lru_cache(maxsize=4096)
        def text(index: int) -> str:
            if not 0 <= index < len(ends):
                raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail=f"shared string {index}")
            return data[ends[index - 1] if index else 0 : ends[index]].decode()

        return text


def _column_index(reference: str) -> int:
    """``AB12`` → 28 (1-based); 0 when the reference has no letters."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
        if index > 1 << 20:
            break
    return index


def _column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class _Cell:
    value: object
    formula: bool


class _Sheet(_Handler):
    """Rows of the first sheet as (line, {column: _Cell}) for the columns in ``keep`` (all when None),
    with the highest column holding a value (formula cells are kept but hold none)."""

    def __init__(self, limits: Limits, shared, date_styles: frozenset[int], date1904: bool):
        super().__init__()
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        self.limits = limits
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.keep: set[int] | None = None
        self.done: list[tuple[int, dict[int, _Cell], int]] = []
        self.in_data = False
        self.line = 0
        self.cells: dict[int, _Cell] = {}
        self.last_content = 0
        self.column = 0
        self.cell_type = "n"
        self.cell_style = 0
        self.formula = False
        self.capture = False
        self.in_inline = False
        self.depth_in_phonetic = 0
        self.parts: list[str] = []
        self.length = 0

    def start(self, name, attributes):
        self.position = self.parser.CurrentByteIndex
        if ":" in name:
            name = _local(name)
        if name == "c":
            reference = attributes.get("r")
            column = _column_index(reference) if reference else 0
            self.column = column or self.column + 1
            if self.column > self.limits.max_columns:
                raise UnreadableFile(Code.FILE_TOO_MANY_COLUMNS, line=self.line, column=self.column,
                                     limit=self.limits.max_columns)  # fmt: skip
            self.cell_type = attributes.get("t", "n")
            self.cell_style = _int(attributes.get("s"))
            self.formula = False
            self.parts, self.length = [], 0
        elif name == "v":
            self.capture = True
        elif name == "t":
            self.capture = self.in_inline and not self.depth_in_phonetic
        elif name == "f":
            self.formula = True
        elif name == "is":
            self.in_inline = True
        elif name == "rPh":
            self.depth_in_phonetic += 1
        elif name == "row":
            line = _int(attributes.get("r")) if attributes.get("r") else self.line + 1
            self.line = line if line > 0 else self.line + 1
            self.cells, self.column, self.last_content = {}, 0, 0
        elif name == "sheetData":
            self.in_data = True

    def end(self, name):
        self.position = self.parser.CurrentByteIndex
        if ":" in name:
            name = _local(name)
        if name == "c":
            value = None if self.formula else self._value()
            if self.formula or (value is not None and value != ""):
                if not self.formula:
                    self.last_content = self.column
                if self.keep is None or self.column in self.keep:
                    self.cells[self.column] = _Cell(value, self.formula)
        elif name in ("v", "t"):
            self.capture = False
        elif name == "is":
            self.in_inline = False
        elif name == "rPh":
            self.depth_in_phonetic -= 1
        elif name == "row" and self.in_data:
            self.done.append((self.line, self.cells, self.last_content))
        elif name == "sheetData":
            self.in_data = False

    def chars(self, data):
        self.position = self.parser.CurrentByteIndex
        if self.capture and self.length <= self.limits.max_cell_chars:
            data = data[: self.limits.max_cell_chars + 1 - self.length]
            self.parts.append(data)
            self.length += len(data)

    def drain(self):
        done, self.done = self.done, []
        return done

    def _value(self):
        text = "".join(self.parts)
        kind = self.cell_type
        if kind == "s":
            return self.shared(_int(text)) if text else None
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        if text.strip() == "":
            return None
        if kind == "d":
            try:
                return datetime.fromisoformat(text.strip())
            except ValueError:
                return text
        try:
            number = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text  # not a number: left to the field's own check
        if self.cell_style in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number


def _sheet_part(archive: _Archive, workbook_part: str) -> tuple[str, _Workbook, _Relationships]:
    base = workbook_part.rpartition("/")[0]
    workbook = _Workbook()
    _run(archive, workbook_part, workbook)
    rels_part = f"{base}/_rels/{workbook_part.rpartition('/')[2]}.rels"
    relationships = _Relationships()
    if archive.has(rels_part):
        _run(archive, rels_part, relationships)
    target = relationships.by_id.get(workbook.first_sheet or "", ("", ""))[1]
    if not target:
        raise UnreadableFile(Code.FILE_DAMAGED_XLSX, detail="no worksheet")
    return _resolve(base, target), workbook, relationships


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in f"{base}/{target}".split("/") if p and p != "."]
    resolved: list[str] = []
    for part in parts:
        if part == "..":
            if resolved:
                resolved.pop()
        else:
            resolved.append(part)
    return "/".join(resolved)


def _workbook_part(archive: _Archive) -> str:
    relationships = _Relationships()
    if archive.has("_rels/.rels"):
        _run(archive, "_rels/.rels", relationships)
    target = relationships.of_type("officeDocument")
    return _resolve("", target) if target else "xl/workbook.xml"


def read_xlsx(source: Path | Opener, limits: Limits | None = None) -> tuple[list[Problem], Iterator[RawRow]]:
    limits = limits or Limits()
    archive = _Archive(_opener(source), limits)
    try:
        workbook_part = _workbook_part(archive)
        sheet_part, workbook, relationships = _sheet_part(archive, workbook_part)
        base = workbook_part.rpartition("/")[0]
        shared = _SharedStrings(limits.max_cell_chars)
        if target := relationships.of_type("sharedStrings"):
            _run(archive, _resolve(base, target), shared)
        styles = _Styles()
        if (target := relationships.of_type("styles")) and archive.has(_resolve(base, target)):
            _run(archive, _resolve(base, target), styles)
        sheet = _Sheet(limits, shared.lookup(), styles.date_styles(), workbook.date1904)
        raw_rows = _parse(archive, sheet_part, sheet)
        header = next((found for found in raw_rows if found[1]), None)
        if header is None:
            raise UnreadableFile(Code.FILE_EMPTY)
        line, cells, _last = header
    except BaseException:
        archive.close()
        raise
    for column, cell in cells.items():
        if cell.formula:
            archive.close()
            raise UnreadableFile(Code.FILE_HEADER_FORMULA, cell=f"{_column_letters(column)}{line}")
    width = max(cells)
    headers = [str(cells[c].value) if c in cells else "" for c in range(1, width + 1)]
    try:
        mapping, header_problems = _map_headers(headers)
    except UnreadableFile:
        archive.close()
        raise
    sheet.keep = {index + 1 for index in mapping}
    header_line = line

    def rows() -> Iterator[RawRow]:
        try:
            for count, (line, cells, last) in enumerate(raw_rows, start=1):
                if count > limits.max_rows:
                    raise UnreadableFile(Code.FILE_TOO_MANY_ROWS, limit=limits.max_rows)
                # a row is blank when it has no value, and no formula in a column we read (a formula
                # dragged down an ignored column, such as a running number, does not make a row)
                if (not last and not cells.keys() & sheet.keep) or line <= header_line:
                    continue
                row = RawRow(line, {})
                if last > width:
                    row.problems.append(_extra_cells(last, width))
                for index, name in mapping.items():
                    cell = cells.get(index + 1)
                    if cell is not None and cell.formula:
                        cell_name = f"{_column_letters(index + 1)}{line}"
                        row.problems.append(problem(name, Code.CELL_FORMULA, cell=cell_name))
                        continue
                    _cell_value(row, name, None if cell is None else cell.value, limits)
                yield row
        finally:
            archive.close()

    return header_problems, rows()


class _Dimension(_Handler):
    class Found(Exception):
        pass

    def __init__(self):
        super().__init__()
        self.rows = 0

    def start(self, name, attributes):
        self.position = self.parser.CurrentByteIndex
        name = _local(name)
        if name == "dimension":
            last = attributes.get("ref", "").rpartition(":")[2]
            self.rows = _int(last.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$"))
            raise self.Found
        if name == "sheetData":
            raise self.Found


def estimate_rows(source: Path | Opener, file_format: str, limits: Limits | None = None) -> int:
    """A quick row count for the progress bar before the real count is known (0 when unknown)."""
    limits = limits or Limits()
    open_file = _opener(source)
    if file_format == "xlsx":
        try:
            archive = _Archive(open_file, limits)
            try:
                sheet_part, _workbook, _relationships = _sheet_part(archive, _workbook_part(archive))
                dimension = _Dimension()
                try:
                    _run(archive, sheet_part, dimension)
                except _Dimension.Found:
                    pass
                return max(dimension.rows - 1, 0)
            finally:
                archive.close()
        except UnreadableFile:
            return 0  # the check itself refuses the file, with the reason, on the job
    lines = 0
    with open_file() as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def read_file(
    source: Path | Opener, file_format: str, limits: Limits | None = None
) -> tuple[list[Problem], Iterator[RawRow]]:
    if file_format == "xlsx":
        return read_xlsx(source, limits)
    return read_csv(source, limits)


def detect_format(name: str, head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile(Code.FILE_NOT_XLSX)
    return "csv"
