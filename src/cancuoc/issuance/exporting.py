"""The renewal-due list as CSV or XLSX. No value can act as a formula in a spreadsheet: in CSV a text that
starts like a formula gets an apostrophe (``imports.exporting.inert``); in XLSX every text is a text cell
marked "quote prefix" (the rules of ``cancuoc.imports.exporting``)."""

from __future__ import annotations

import csv
import io
import tempfile

from django.http import FileResponse, HttpResponse

from cancuoc.imports.exporting import _text_cells, inert

HEADERS = ("Số định danh / ID number", "Họ và tên / Full name", "Ngày sinh / Date of birth",
           "Lý do / Why", "Ngày / Date", "Thẻ đang dùng / Card in use", "Hết hạn / Expiry",
           "Nơi thường trú / Permanent residence")  # fmt: skip


def _day(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def rows_of(renewals, expired) -> list[list[str]]:
    rows = []
    for row in renewals:
        unit = row.citizen.permanent_unit
        rows.append([row.citizen.id_number, row.citizen.full_name, _day(row.citizen.birth_date),
                     f"Đủ {row.age} tuổi / turns {row.age}", _day(row.birthday),
                     row.card.serial if row.card else "", _day(row.card.expiry) if row.card else "",
                     unit.name if unit else ""])  # fmt: skip
    for card in expired:
        rows.append([card.citizen.id_number, card.citizen.full_name, _day(card.citizen.birth_date),
                     "Thẻ đã hết hạn / card expired", _day(card.expiry), card.serial, _day(card.expiry), ""])  # fmt: skip
    return rows


def renewals_response(renewals, expired, *, file_format: str, today) -> HttpResponse:
    name = f"renewals-{today:%Y%m%d}"
    rows = rows_of(renewals, expired)
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Đến hạn đổi thẻ")
        sheet.append(_text_cells(sheet, list(HEADERS)))
        for row in rows:
            sheet.append(_text_cells(sheet, row))
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
        workbook.save(handle.name)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=f"{name}.xlsx")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(inert(row))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
