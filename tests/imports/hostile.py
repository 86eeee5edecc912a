"""Hand-built XLSX packages for the reader's tests: a minimal valid workbook whose parts a test replaces,
adds to, or describes with lying sizes. Built in memory in milliseconds, whatever they claim to hold."""

from __future__ import annotations

import io
import struct
import zipfile
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>""".encode()
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>
""".encode()
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PKG}">
<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>""".encode()

HEADERS = ["Số định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Mã xã thường trú", "Địa chỉ thường trú"]
ROW = ["034090000001", "Nguyễn Văn An", "15/03/1990", "Nam", "12730", "Thôn 1"]


def inline_row(line: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{line}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(values)
    )
    return f'<row r="{line}">{cells}</row>'


def sheet(rows: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def shared_strings(strings: list[str]) -> bytes:
    items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'.encode()


def package(parts: dict[str, bytes] | None = None, *, declared: dict[str, int] | None = None) -> bytes:
    """A workbook of ``HEADERS`` and one ``ROW`` unless ``parts`` replace or add parts. ``declared`` makes
    the central directory claim another uncompressed size for a part than it really has."""
    contents = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet(inline_row(1, HEADERS) + inline_row(2, ROW)),
        "xl/sharedStrings.xml": shared_strings([]),
    }
    contents.update(parts or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    for name, size in (declared or {}).items():
        data = _declare(data, name, size)
    return data


def _declare(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local header and in the central directory."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            length_at = 26 if signature == b"PK\x03\x04" else 28
            name_length = struct.unpack_from("<H", out, start + length_at)[0]
            if bytes(out[start + name_offset : start + name_offset + name_length]) == encoded:
                struct.pack_into("<I", out, start + size_offset, size)
            start += 4
    return bytes(out)
