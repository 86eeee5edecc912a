"""Hostile import files against the reader: time to refuse (or read) and the reading process's peak memory.

    python bench/import_hostile_files.py

Builds, in a temporary folder: the two bombs of issue 7 (a ~2 MB XLSX whose one shared string is 2 GiB;
a small XLSX of 5,000,000 rows), the first one also with a lying declared size and with the decompressed
limit raised so that the 2 GiB cell is really streamed; and a legitimate 100,000-row workbook written by
openpyxl, read by our reader and by openpyxl's read-only mode. Each file is read in a child process
(``read_file`` with the default limits unless said) so that its peak RSS is its own.
"""

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "imports"))
import hostile  # noqa: E402

CHILD = """
import sys, time
sys.path.insert(0, {src!r})
from pathlib import Path
from cancuoc.imports.reading import Limits, UnreadableFile, read_file
limits = Limits(max_decompressed_bytes={decompressed})
start = time.perf_counter()
try:
    if {openpyxl!r}:
        from openpyxl import load_workbook
        book = load_workbook({path!r}, read_only=True, data_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
        outcome = f"{{rows:,}} rows read"
    else:
        _problems, rows = read_file(Path({path!r}), "xlsx", limits)
        count = problems = 0
        for row in rows:
            count += 1
            problems += len(row.problems)
        outcome = f"{{count:,}} rows read, {{problems:,}} row problems"
except UnreadableFile as error:
    outcome = f"refused: {{error.message_en}}"
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{{time.perf_counter() - start:.2f}}|{{peak}}|{{outcome}}")
"""


def run(path: Path, *, decompressed: int = 1 << 30, openpyxl: bool = False) -> tuple[str, str, str]:
    code = CHILD.format(src=str(ROOT / "src"), path=str(path), decompressed=decompressed, openpyxl=openpyxl)
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, peak_kib, outcome = output.strip().rsplit("\n", 1)[-1].split("|", 2)
    return f"{seconds} s", f"{int(peak_kib) / 1024:.0f} MB", outcome


def big_cell_workbook(path: Path, cell_bytes: int) -> None:
    """A workbook whose row 2 refers to one shared string of ``cell_bytes`` characters, streamed in."""
    parts = {name: data for name, data in _base_parts().items() if name != "xl/sharedStrings.xml"}
    row = hostile.inline_row(2, hostile.ROW[:5])[:-6] + '<c r="F2" t="s"><v>0</v></c></row>'
    parts["xl/worksheets/sheet1.xml"] = hostile.sheet(hostile.inline_row(1, hostile.HEADERS) + row)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<sst xmlns="{hostile.MAIN}"><si><t>'.encode())
            block = b"x" * (1 << 20)
            for _ in range(cell_bytes >> 20):
                out.write(block)
            out.write(b"</t></si></sst>")


def _base_parts() -> dict[str, bytes]:
    import io

    with zipfile.ZipFile(io.BytesIO(hostile.package())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def many_rows_workbook(path: Path, rows: int) -> None:
    parts = _base_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'<worksheet xmlns="{hostile.MAIN}"><sheetData>'.encode())
            out.write(hostile.inline_row(1, hostile.HEADERS).encode())
            row = b'<row><c t="inlineStr"><is><t>1</t></is></c></row>'
            chunk = row * 10_000
            for _ in range(rows // 10_000):
                out.write(chunk)
            out.write(b"</sheetData></worksheet>")


def legitimate_workbook(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("A")
    sheet.append([*hostile.HEADERS, "Dân tộc", "Số hộ", "Quan hệ với chủ hộ", "Tôn giáo"])
    for i in range(rows):
        sheet.append([f"0340900{i:05d}", "Nguyễn Văn An", "15/03/1990", "Nam", "12730", f"Thôn {i % 50}",
                      "Kinh", f"HK{i}", "Chủ hộ", "Không"])  # fmt: skip
    workbook.save(path)


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="cancuoc-bench-hostile-"))
    lines = ["| file | size | limit | time | peak RSS | outcome |", "|---|---|---|---|---|---|"]

    def add(label, path, limit_label, result):
        lines.append(
            f"| {label} | {path.stat().st_size / 1024:,.0f} KB | {limit_label} | {' | '.join(result)} |"
        )

    legit = folder / "legit.xlsx"
    legitimate_workbook(legit, 100_000)
    add("100,000 rows × 10 columns (openpyxl), our reader", legit, "defaults", run(legit))
    add("the same, openpyxl read-only (before)", legit, "—", run(legit, openpyxl=True))

    rows = folder / "rows.xlsx"
    many_rows_workbook(rows, 5_000_000)
    add("5,000,000 rows, one cell each", rows, "defaults (2,000,000 rows)", run(rows))

    cell = folder / "cell.xlsx"
    big_cell_workbook(cell, 2 << 30)
    add("one 2 GiB shared string, true sizes", cell, "defaults (1 GiB decompressed)", run(cell))
    add("the same, read", cell, "4 GiB decompressed", run(cell, decompressed=4 << 30))
    lying = folder / "lying.xlsx"
    lying.write_bytes(hostile._declare(cell.read_bytes(), "xl/sharedStrings.xml", 1000))
    add("the same, shared strings declared as 1,000 bytes", lying, "defaults", run(lying))

    body = "\n".join(lines) + (
        "\n\nBefore (issue 7, openpyxl): the 2 GiB cell took 4.3 GB of memory and a MemoryError; the "
        "5,000,000-row file stored 4.35 million row errors (the database grew 60 → 708 MB). Now the reader "
        "keeps at most 2,001 characters of a cell, stops at the row and decompressed-size limits, and the "
        "report stores at most 10,000 row problems (tests/imports/test_hostile_files.py). Peak RSS is that "
        "of the whole reading process (Python and the project's modules included). The machine was shared "
        "with other work while measuring: times are upper bounds."
    )
    record("import-hostile-files", "Hostile import files (reader only)", body)


if __name__ == "__main__":
    main()
