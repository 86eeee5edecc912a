"""The dispatch list that travels with a parcel of cards: who it is for, what is in it (one row per card:
serial, ID number, name, application), a QR code of the parcel code, and boxes for the sender, the carrier
and the receiving station to sign. A4 PDF with DejaVu (``forms.layout``). Pure: no Django import; the
caller gives the data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cancuoc.forms import layout
from cancuoc.forms.data import Bilingual, Officer


@dataclass(frozen=True)
class ListedCard:
    serial: str
    id_number: str
    full_name: str
    application: str


@dataclass(frozen=True)
class DispatchList:
    parcel: str
    batch: str
    station_code: str
    station_name: str
    station_address: str
    packed_at: datetime
    packed_by: str
    cards: Sequence[ListedCard]


def dispatch_list_pdf(data: DispatchList) -> bytes:
    layout.register_fonts()
    styles = layout.Styles()
    story = [
        Paragraph("<b>BỘ CÔNG AN — TRUNG TÂM SẢN XUẤT THẺ CĂN CƯỚC</b>", styles.centre),
        Paragraph('<font size="7" color="#555555">Ministry of Public Security — identity card production centre</font>',
                  styles.centre),
        Spacer(1, 4 * mm),
        layout.bilingual("DANH SÁCH GIAO THẺ CĂN CƯỚC", "Card dispatch list", styles.title, english_size=9),
        Spacer(1, 3 * mm),
    ]  # fmt: skip
    details = layout.field_table([
        ("Mã kiện", "Parcel", layout.paragraph(data.parcel, styles.strong)),
        ("Lô sản xuất", "Production batch", data.batch),
        ("Điểm nhận", "Receiving station", f"{data.station_code} — {data.station_name}"),
        ("Địa chỉ", "Address", data.station_address),
        ("Đóng gói lúc", "Packed at", layout.moment(data.packed_at)),
        ("Người đóng gói", "Packed by", data.packed_by),
        ("Số thẻ", "Cards", str(len(data.cards))),
    ], styles, width=layout.WIDTH - 34 * mm)  # fmt: skip
    top = Table([[details, layout.qr_code(data.parcel, 30 * mm)]], colWidths=[layout.WIDTH - 34 * mm, 34 * mm])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [top, Spacer(1, 4 * mm)]
    header = [layout.bilingual(vi, en, styles.body, english_size=7) for vi, en in (
        ("STT", "No."), ("Số sê-ri thẻ", "Card serial"), ("Số định danh", "ID number"), ("Họ và tên", "Full name"),
        ("Hồ sơ", "Application"), ("Đã nhận", "Received"))]  # fmt: skip
    rows = [header] + [
        [str(number), layout.paragraph(card.serial, styles.body), layout.paragraph(card.id_number, styles.body),
         layout.paragraph(card.full_name, styles.body), layout.paragraph(card.application, styles.body), ""]
        for number, card in enumerate(data.cards, start=1)
    ]  # fmt: skip
    widths = [8 * mm, 30 * mm, 30 * mm, None, 33 * mm, 15 * mm]
    widths[3] = layout.WIDTH - sum(width for width in widths if width)
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(layout.grid_style())
    story += [table, Spacer(1, 6 * mm)]
    story.append(Paragraph(escape("Trạm nhận quét mã QR hoặc MRZ của từng thẻ khi nhận; thẻ không có trong danh "
                                  "sách được để riêng và báo trung tâm.") +
                           '<br/><font size="7" color="#555555">The station scans each card\'s QR code or MRZ on '
                           "receipt; a card not on this list is set aside and reported to the centre.</font>",
                           styles.body))  # fmt: skip
    story.append(Spacer(1, 4 * mm))
    story.append(layout.signature_blocks([
        (Bilingual("Người giao", "Sender"), Officer(data.packed_by) if data.packed_by else None),
        (Bilingual("Người vận chuyển", "Carrier"), None),
        (Bilingual("Người nhận tại điểm", "Received at the station by"), None),
    ], styles))  # fmt: skip

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(layout.SANS, 7)
        canvas.setFillColor(layout.GREY)
        canvas.drawString(layout.MARGIN, 8 * mm, f"{data.parcel} · {data.batch}")
        canvas.drawRightString(layout.PAGE_WIDTH - layout.MARGIN, 8 * mm, f"Trang / Page {document.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=layout.MARGIN, rightMargin=layout.MARGIN,
                                 topMargin=13 * mm, bottomMargin=14 * mm, title=f"Danh sách giao thẻ {data.parcel}",
                                 author="cancuoc", invariant=1)  # fmt: skip
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
