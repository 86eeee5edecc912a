"""Files a team or a commander takes away, in Vietnamese: the outstanding list by household and address
(XLSX and printable PDF), the daily report (per unit: target, collected today and in total, approved,
produced, handed over, coverage, outstanding by reason, rank) and a commune's announcement flyer.
Spreadsheets hold values only: every text cell is a string cell (never a formula), as in
``imports.exporting``."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cancuoc.forms import layout
from cancuoc.imports.exporting import _text_cells

from .selectors import Area, OutstandingRow, UnitRow
from .status import ACTION_WORDS, KEPT_REASONS, OUTCOME_WORDS, REASON_WORDS, percent, vietnamese_number

OUTSTANDING_HEADERS = ("Hộ khẩu", "Địa chỉ", "Số định danh", "Họ và tên", "Ngày sinh", "Lý do", "Việc cần làm",
                       "Nơi đang ở", "Tổ", "Lần thăm gần nhất", "Kết quả thăm")  # fmt: skip


def _outstanding_cells(row: OutstandingRow) -> list:
    return [row.household, row.address, row.id_number, row.full_name, f"{row.birth_date:%d/%m/%Y}",
            REASON_WORDS[row.reason][0], ACTION_WORDS[row.action][0], row.where, row.team,
            OUTCOME_WORDS.get(row.last_visit, ("",))[0], ""]  # fmt: skip


class Share(float):
    """A share from 0 to 1, written to a spreadsheet as a percentage (18,2 % where 0.182 is stored)."""


def _xlsx(sheets: list[tuple[str, list, list[list]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(_text_cells(sheet, list(headers)))
        for row in rows:
            cells = _text_cells(sheet, [float(value) if isinstance(value, Share) else value for value in row])
            for cell, value in zip(cells, row, strict=True):
                if isinstance(value, Share):
                    cell.number_format = "0.0%"
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def outstanding_xlsx(area: Area, rows: list[OutstandingRow]) -> bytes:
    return _xlsx(
        [("Danh sách chưa thu nhận", OUTSTANDING_HEADERS, [_outstanding_cells(row) for row in rows])]
    )


def _document(buffer, *, title: str, wide: bool = False):
    layout.register_fonts()
    size = landscape(A4) if wide else A4
    return SimpleDocTemplate(buffer, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                             bottomMargin=12 * mm, title=title, author="cancuoc")  # fmt: skip


def _table(data: list[list], widths: list[float], *, header_rows: int = 1) -> Table:
    table = Table(data, colWidths=widths, repeatRows=header_rows)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), layout.SANS, 7.5), ("FONT", (0, 0), (-1, header_rows - 1), layout.BOLD, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.3, layout.RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")),
    ]))  # fmt: skip
    return table


def outstanding_pdf(area: Area, rows: list[OutstandingRow], *, team: str = "") -> bytes:
    """The team's list, one block per household (address first), with a column for the visit's outcome."""
    styles = layout.Styles()
    buffer = io.BytesIO()
    document = _document(buffer, title=f"Danh sách chưa thu nhận — {area.name}", wide=True)
    cell = styles.finger
    story = [Paragraph(layout.markup(f"DANH SÁCH CÔNG DÂN CHƯA THU NHẬN HỒ SƠ CĂN CƯỚC — {area.name}"), styles.title),
             Paragraph(layout.markup(f"{len(rows)} người · in ngày {date.today():%d/%m/%Y}"
                                     + (f" · Tổ {team}" if team else "")), styles.centre), Spacer(1, 4 * mm)]  # fmt: skip
    data = [[Paragraph(layout.markup(h), cell) for h in ("Số định danh", "Họ và tên", "Ngày sinh", "Lý do",
                                                          "Việc cần làm", "Nơi đang ở", "Tổ", "Kết quả thăm")]]  # fmt: skip
    spans = []
    for (household, address), members in groupby(rows, key=lambda r: (r.household, r.address)):
        label = f"Hộ {household} — {address}" if household else (address or "Chưa có hộ khẩu / địa chỉ")
        spans.append(len(data))
        data.append([Paragraph(layout.markup(label), styles.strong), "", "", "", "", "", "", ""])
        for row in members:
            data.append([Paragraph(layout.markup(text), cell) for text in (
                row.id_number, row.full_name, f"{row.birth_date:%d/%m/%Y}", REASON_WORDS[row.reason][0],
                ACTION_WORDS[row.action][0], row.where, row.team, "☐ thu nhận ☐ từ chối ☐ vắng ☐ chuyển ☐ mất")])  # fmt: skip
    widths = [x * mm for x in (27, 44, 22, 38, 40, 30, 14, 58)]
    table = _table(data, widths)
    for index in spans:
        table.setStyle(TableStyle([("SPAN", (0, index), (-1, index)),
                                   ("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f6f6f6"))]))  # fmt: skip
    story.append(table)
    document.build(story)
    return buffer.getvalue()


# --- the daily report ----------------------------------------------------------------------------------------
@dataclass
class ReportLine:
    row: UnitRow
    collected_today: int


REPORT_HEADERS = ("Hạng", "Đơn vị", "Chỉ tiêu", "Thu nhận hôm nay", "Thu nhận lũy kế", "Đã duyệt", "Đã sản xuất",
                  "Đã trả thẻ", "Tỷ lệ", "Đạt 100 % ngày", *(REASON_WORDS[r][0] for r in KEPT_REASONS))  # fmt: skip


def _report_cells(line: ReportLine, *, numbers_as_text: bool) -> list:
    values = line.row.values

    def number(value):
        return vietnamese_number(value) if numbers_as_text else int(value)

    return [line.row.rank or "", line.row.area.name, number(values.get("target", 0)), number(line.collected_today),
            number(values.get("applications", 0)), number(values.get("approved", 0)), number(values.get("produced", 0)),
            number(values.get("handed_over", 0)), percent(line.row.coverage) if numbers_as_text else Share(line.row.coverage),
            f"{line.row.full_on:%d/%m/%Y}" if line.row.full_on else "",
            *(number(values.get(f"out_{reason}", 0)) for reason in KEPT_REASONS)]  # fmt: skip


def daily_report_xlsx(area: Area, day: date, total: ReportLine, lines: list[ReportLine]) -> bytes:
    rows = [_report_cells(line, numbers_as_text=False) for line in [*lines, total]]
    return _xlsx([(f"Báo cáo {day:%d-%m-%Y}", REPORT_HEADERS, rows)])


def daily_report_pdf(area: Area, day: date, total: ReportLine, lines: list[ReportLine]) -> bytes:
    styles = layout.Styles()
    buffer = io.BytesIO()
    document = _document(buffer, title=f"Báo cáo ngày {day:%d/%m/%Y} — {area.name}", wide=True)
    small = ParagraphStyle(
        "report_head", parent=styles.finger, fontName=layout.BOLD, fontSize=6.5, leading=7.5
    )
    head = [Paragraph(layout.markup(h), small) for h in REPORT_HEADERS]
    data = [head] + [[Paragraph(layout.markup(str(v)), styles.finger) for v in _report_cells(line, numbers_as_text=True)]
                     for line in [*lines, total]]  # fmt: skip
    count = len(REPORT_HEADERS)
    widths = [12 * mm, 36 * mm] + [(document.width - 48 * mm) / (count - 2)] * (count - 2)
    story = [Paragraph(layout.markup(f"BÁO CÁO TIẾN ĐỘ THU NHẬN HỒ SƠ CĂN CƯỚC — {area.name}"), styles.title),
             Paragraph(layout.markup(f"Ngày {day:%d/%m/%Y} · tỷ lệ chung {percent(total.row.coverage)}"), styles.centre),
             Spacer(1, 4 * mm), _table(data, widths)]  # fmt: skip
    document.build(story)
    return buffer.getvalue()


# --- the flyer -----------------------------------------------------------------------------------------------
def flyer_pdf(unit_name: str, visits: list, body_vi: str, body_en: str) -> bytes:
    """A printable A4 announcement: the team's schedule in the commune and what to bring."""
    styles = layout.Styles()
    buffer = io.BytesIO()
    document = _document(buffer, title=f"Thông báo — {unit_name}")
    story = [Paragraph(layout.markup("THÔNG BÁO THU NHẬN HỒ SƠ CĂN CƯỚC"), styles.title),
             Paragraph(layout.markup(unit_name), styles.centre), Spacer(1, 5 * mm),
             Paragraph(layout.markup(body_vi), styles.value), Spacer(1, 3 * mm)]  # fmt: skip
    if visits:
        data = [[Paragraph(layout.markup(h), styles.strong) for h in ("Ngày", "Ca", "Địa điểm", "Tổ")]]
        data += [[Paragraph(layout.markup(text), styles.value) for text in (
            f"{visit.day:%d/%m/%Y}", str(visit.get_slot_display()), visit.place_name, visit.team.name)]
            for visit in visits]  # fmt: skip
        story.append(_table(data, [28 * mm, 45 * mm, 70 * mm, 40 * mm]))
    story += [Spacer(1, 5 * mm), Paragraph(layout.markup(
        "Mang theo: giấy tờ tùy thân hiện có (CMND/CCCD cũ nếu có), sổ hộ khẩu hoặc thông tin cư trú. "
        "Trẻ từ đủ 14 tuổi đi cùng cha, mẹ hoặc người giám hộ nếu cần."), styles.value),
        Spacer(1, 4 * mm), Paragraph(layout.markup(body_en), styles.small)]  # fmt: skip
    document.build(story)
    return buffer.getvalue()
