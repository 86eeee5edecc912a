"""Export of a unit's citizens in the import format (so an export re-imports as "nothing changed").

No exported value can act as a formula in a spreadsheet (OWASP "CSV injection"): in CSV a value that
starts with ``= + - @``, tab or CR gets a leading apostrophe, which the import removes again; in XLSX every
text is written as a text cell (never a formula cell, which openpyxl would make of any "=..." string),
marked "quote prefix" so that editing it in Excel keeps it text. See docs/import-format.md.
"""

from __future__ import annotations

import csv
import io
import tempfile

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from cancuoc.registry import events, selectors
from cancuoc.registry.models import Citizen

from .columns import (
    COLUMN_RULES,
    COLUMNS,
    EXAMPLE_ID_NUMBER,
    MARITAL_WORDS,
    example_row,
    export_fields,
    export_headers,
    qualified_unit_code,
    relation_word,
)
from .reading import needs_quote


def inert(values: list) -> list:
    """CSV cells that no spreadsheet will run: an apostrophe before a formula-like text."""
    return ["'" + value if isinstance(value, str) and needs_quote(value) else value for value in values]


def _cells(citizen: Citizen) -> list[str]:
    values = []
    for name in export_fields():
        if name.endswith("_unit_code"):
            values.append(qualified_unit_code(getattr(citizen, name.removesuffix("_code"))))
        elif name == "household_number":
            values.append(citizen.household.number if citizen.household else "")
        elif name in ("birth_date", "date_of_death"):
            value = getattr(citizen, name)
            values.append(value.strftime("%d/%m/%Y") if value else "")
        elif name == "sex":
            values.append("Nam" if citizen.sex == "M" else "Nữ")
        elif name == "marital_status":
            values.append(MARITAL_WORDS.get(citizen.marital_status, citizen.marital_status or ""))
        elif name == "relation_to_head":
            values.append(relation_word(citizen.relation_to_head, citizen.sex) if citizen.relation_to_head else "")
        else:
            values.append(getattr(citizen, name) or "")
    return values


def citizens_for_export(user, unit):
    from cancuoc.accounts.permissions import Verb, require_permission

    require_permission(user, Verb.CITIZEN_EXPORT)
    citizens = selectors.citizens_in_unit(user, unit) if unit else selectors.scoped(user)
    return citizens.select_related(
        "permanent_unit",
        "temporary_unit",
        "current_unit",
        "birth_registration_unit",
        "origin_unit",
        "household",
    ).order_by("id_number")


def write_csv(citizens, out) -> int:
    writer = csv.writer(out)
    writer.writerow(export_headers())
    count = 0
    for citizen in citizens.iterator(chunk_size=5000):
        writer.writerow(inert(_cells(citizen)))
        count += 1
    return count


def _text_cells(sheet, values: list) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl makes a formula of any text starting with "="
            if needs_quote(value):
                cell.quotePrefix = True
        cells.append(cell)
    return cells


def write_xlsx(citizens, path) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Công dân")
    sheet.append(_text_cells(sheet, export_headers()))
    count = 0
    for citizen in citizens.iterator(chunk_size=5000):
        sheet.append(_text_cells(sheet, _cells(citizen)))
        count += 1
    workbook.save(path)
    return count


def export_response(user, unit, file_format: str):
    citizens = citizens_for_export(user, unit)
    name = f"citizens-{unit.code if unit else 'all'}"
    events.citizens_exported(user, unit=unit, file_format=file_format, count=citizens.count())
    if file_format == "xlsx":
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
        write_xlsx(citizens, handle.name)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=f"{name}.xlsx")

    def stream():
        yield "\ufeff"
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(export_headers())
        for citizen in citizens.iterator(chunk_size=5000):
            writer.writerow(inert(_cells(citizen)))
            if buffer.tell() > 65536:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- the import template --------------------------------------------------------------------------------


def _example_units(user) -> tuple[str, str]:
    """(commune code, province code) for the template's example row: the user's own commune, or the first
    commune of today's structure in their area (nationwide for a user without one)."""
    from cancuoc.units.models import AdministrativeUnit, Level, Structure

    unit = user.unit
    if unit is None or unit.level != Level.COMMUNE or unit.structure != Structure.Y2025:
        communes = AdministrativeUnit.objects.filter(structure=Structure.Y2025, level=Level.COMMUNE)
        if unit is not None:
            communes = communes.filter(path__startswith=unit.path)
        unit = communes.order_by("code").first() or unit
    if unit is None:
        return "", ""
    province_id = int(unit.path.strip("/").split("/")[0])
    province = AdministrativeUnit.objects.filter(pk=province_id).first()
    return (unit.code if unit.level == Level.COMMUNE else ""), qualified_unit_code(province)


def template_csv(example: list[str]) -> bytes:
    """The header row and one example row, UTF-8 with a BOM (so Excel reads the diacritics)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(export_headers())
    writer.writerow(inert(example))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(example: list[str]) -> bytes:
    """Sheet 1: the header row and one example row (text cells); sheet 2: each column with whether it is
    required and its allowed values, in Vietnamese and English."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Công dân")
    sheet.append(_text_cells(sheet, export_headers()))
    sheet.append(_text_cells(sheet, example))
    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(_text_cells(guide, ["Cột", "Trường / Field", "Bắt buộc / Required", "Giá trị cho phép",
                                     "Allowed values", "Tên cột khác được nhận / Other accepted headers"]))  # fmt: skip
    for field, header, aliases in COLUMNS:
        required, rule_vi, rule_en = COLUMN_RULES[field]
        guide.append(_text_cells(guide, [header, field, required, rule_vi, rule_en, ", ".join(aliases)]))
    guide.append(_text_cells(guide, [f"Dòng ví dụ (số {EXAMPLE_ID_NUMBER}) không được nhập: hãy xóa hoặc thay nó."]))
    guide.append(_text_cells(guide, [f"The example row (number {EXAMPLE_ID_NUMBER}) is never imported: delete or "
                                     "replace it."]))  # fmt: skip
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_response(user, file_format: str) -> HttpResponse:
    from cancuoc.accounts.permissions import Verb, require_permission

    require_permission(user, Verb.IMPORT_CREATE)
    example = example_row(*_example_units(user))
    if file_format == "xlsx":
        response = HttpResponse(
            template_xlsx(example), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(template_csv(example), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mau-nhap-cong-dan.{file_format}"'
    return response
