"""What the three forms share: fonts, styles, the state heading, bilingual label/value tables, the QR code,
signature boxes and the page footer. A4 portrait; Vietnamese first, English beside or below it in smaller
grey type.

Every value goes through a ReportLab ``Paragraph``, so long text wraps inside its cell (words longer than
the cell are split) and a table that outgrows the page continues on the next one: nothing is clipped.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cancuoc.icao import fonts

from .data import Bilingual, Officer
from .errors import FormError, FormErrorCode
from .versions import FormVersion

SANS, BOLD = "FormSans", "FormSansBold"
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#888888")
EMPTY = "—"


def register_fonts(extra_dirs: tuple[Path, ...] = ()) -> None:
    """Registers DejaVu Sans (every Vietnamese letter precomposed) from the system's font folders, once."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if SANS in pdfmetrics.getRegisteredFontNames():
        return
    # The forms need only the sans fonts, not OCR-B (find_card_fonts would convert it): look them up
    # with the card faces' finder so that both fail with the same bilingual install hint.
    pdfmetrics.registerFont(TTFont(SANS, str(fonts._find(fonts.SANS, extra_dirs))))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts._find(fonts.SANS_BOLD, extra_dirs))))
    for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
        addMapping(SANS, bold, italic, BOLD if bold else SANS)


class Styles:
    """The paragraph styles of the forms (built after the fonts are registered)."""

    def __init__(self) -> None:
        self.body = ParagraphStyle("body", fontName=SANS, fontSize=9, leading=11, splitLongWords=1)
        self.value = ParagraphStyle("value", parent=self.body, fontSize=9.5, leading=11.5)
        self.strong = ParagraphStyle("strong", parent=self.value, fontName=BOLD)
        self.finger = ParagraphStyle("finger", parent=self.body, fontSize=8, leading=9.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7, leading=8.5, textColor=GREY)
        self.centre = ParagraphStyle("centre", parent=self.body, alignment=TA_CENTER)
        self.caption = ParagraphStyle(
            "caption", parent=self.body, fontSize=7.5, leading=9, alignment=TA_CENTER
        )
        self.small_centre = ParagraphStyle("small_centre", parent=self.small, alignment=TA_CENTER)
        self.title = ParagraphStyle("title", parent=self.body, fontName=BOLD, fontSize=14, leading=17,
                                    alignment=TA_CENTER)  # fmt: skip
        self.heading = ParagraphStyle("heading", parent=self.body, fontName=BOLD, fontSize=10.5, leading=13,
                                      spaceBefore=2.5 * mm, spaceAfter=1.5 * mm, keepWithNext=1)  # fmt: skip


def clean(text: str | None) -> str:
    """NFC (a name typed elsewhere may arrive decomposed, which DejaVu would draw with loose marks)."""
    return unicodedata.normalize("NFC", text or "").strip()


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else EMPTY


def moment(value: datetime) -> str:
    return value.strftime("%d/%m/%Y %H:%M")


def markup(text: str | None) -> str:
    """Text made safe for Paragraph markup; empty prints as a dash."""
    return escape(clean(text)) or EMPTY


def paragraph(text: str | None, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text), style)


def bilingual(vi: str, en: str, style: ParagraphStyle, english_size: float = 7.5) -> Paragraph:
    """Vietnamese, then English on the next line in smaller grey type."""
    english = f'<br/><font size="{english_size}" color="#555555">{escape(clean(en))}</font>' if en else ""
    return Paragraph(f"{escape(clean(vi))}{english}", style)


def bilingual_text(text: Bilingual | None, style: ParagraphStyle) -> Paragraph:
    if text is None or not clean(text.vi):
        return paragraph("", style)
    return bilingual(text.vi, text.en, style)


def inline_label(vi: str, en: str, style: ParagraphStyle) -> Paragraph:
    """Vietnamese, then " / English" in smaller grey type on the same line (wrapping if it must)."""
    return Paragraph(
        f'{escape(clean(vi))} <font size="7" color="#555555">/ {escape(clean(en))}</font>', style
    )


def field_table(rows: Sequence[tuple[str, str, Flowable | list[Flowable] | str]], styles: Styles, width: float = WIDTH,
                label_share: float = 0.36, stacked: bool = True) -> Table:  # fmt: skip
    """Label (Vietnamese + English, ``stacked`` or on one line) and value per row, grid lines, values
    wrapping in their cell."""
    label = bilingual if stacked else inline_label
    cells = [[label(vi, en, styles.body), value if isinstance(value, Flowable | list) else paragraph(value, styles.value)]
             for vi, en, value in rows]  # fmt: skip
    table = Table(cells, colWidths=[label_share * width, (1 - label_share) * width])
    table.setStyle(grid_style())
    return table


def paired_field_table(rows: Sequence[Sequence[tuple[str, str, str]]], styles: Styles, width: float = WIDTH,
                       label_share: float = 0.24) -> Table:  # fmt: skip
    """Like ``field_table`` with inline labels, but a row may hold two short fields side by side; a row of
    one field spans the whole width, so long values (addresses) get the most room to wrap."""
    value_share = 0.5 - label_share
    cells, spans = [], []
    for index, row in enumerate(rows):
        line: list = []
        for vi, en, value in row:
            line += [inline_label(vi, en, styles.body), paragraph(value, styles.value)]
        if len(row) == 1:
            line += ["", ""]
            spans.append(("SPAN", (1, index), (3, index)))
        cells.append(line)
    shares = (label_share, value_share, label_share, value_share)
    table = Table(cells, colWidths=[share * width for share in shares])
    table.setStyle(grid_style())
    table.setStyle(TableStyle(spans))
    return table


def grid_style() -> TableStyle:
    return TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ])  # fmt: skip


def heading_block(issuing_unit: str, version: FormVersion, styles: Styles) -> list[Flowable]:
    """The unit on the left, the state's name and motto on the right (the form code is in the top margin)."""
    unit = Paragraph(f"<b>{markup(issuing_unit)}</b>", styles.centre)
    state = Paragraph(
        "<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/>Độc lập - Tự do - Hạnh phúc<br/>"
        '<font size="7" color="#555555">Socialist Republic of Viet Nam — Independence, Freedom, Happiness</font>',
        styles.centre,
    )
    top = Table([[unit, state]], colWidths=[0.4 * WIDTH, 0.6 * WIDTH])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    return [top, Spacer(1, 4 * mm)]


def title_block(version: FormVersion, styles: Styles) -> list[Flowable]:
    english = ParagraphStyle("title_en", parent=styles.centre, fontSize=9, textColor=GREY, spaceAfter=3 * mm)
    return [Paragraph(escape(version.title_vi), styles.title), Paragraph(escape(version.title_en), english)]


def section(number: str, vi: str, en: str, styles: Styles) -> Paragraph:
    return Paragraph(f'{number}. {escape(vi)} <font size="8" color="#555555">/ {escape(en)}</font>',
                     styles.heading)  # fmt: skip


def qr_code(text: str, size: float) -> Image:
    """A QR code of ``text`` as an embedded PNG (8 pixels a module, 4-module quiet zone), ``size`` wide."""
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return Image(buffer, width=size, height=size)


def portrait_box(jpeg: bytes | None, width: float, height: float, styles: Styles) -> Flowable:
    """The portrait fitted in its box, or the empty box with a note when there is none."""
    if not jpeg:
        note = bilingual("Chưa có ảnh chân dung", "No portrait captured", styles.centre)
        box = Table([[note]], colWidths=[width], rowHeights=[height])
        box.setStyle(
            TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")])
        )
        return box
    from PIL import Image as PillowImage

    try:
        with PillowImage.open(io.BytesIO(jpeg)) as probe:
            if probe.format != "JPEG":
                raise OSError(probe.format)
            probe.load()  # decodes the whole image: a truncated file fails here, not mid-PDF
            pixel_width, pixel_height = probe.size
    except (OSError, ValueError, SyntaxError) as error:
        raise FormError(FormErrorCode.PORTRAIT_UNREADABLE) from error
    scale = min(width / pixel_width, height / pixel_height)
    image = Image(io.BytesIO(jpeg), width=pixel_width * scale, height=pixel_height * scale)
    box = Table([[image]], colWidths=[width], rowHeights=[height])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, RULE), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    return box


def signature_blocks(blocks: Sequence[tuple[Bilingual, Officer | None] | None], styles: Styles,
                     date_line: str = "", space: float = 20 * mm, note: Flowable | None = None) -> Flowable:  # fmt: skip
    """Side-by-side signature boxes: role, "(signature and full name)", space to sign, the printed name;
    ``None`` leaves a column empty (one signer on the right half). The date line goes above the last box,
    ``note`` above the first."""
    width = WIDTH / len(blocks)
    row: list = []
    for block in blocks:
        if block is None:
            row.append("")
            continue
        role, signer = block
        parts = [f"<b>{escape(clean(role.vi))}</b>"]
        if role.en:
            parts.append(f'<font size="7" color="#555555">{escape(clean(role.en))}</font>')
        parts.append(
            '<font size="7.5">(Ký, ghi rõ họ tên)</font> <font size="6.5" color="#555555">/ signature, full name</font>'
        )
        content = [Paragraph("<br/>".join(parts), styles.centre), Spacer(1, space)]
        if signer is not None:
            name = f"<b>{markup(signer.full_name)}</b>"
            if clean(signer.title):
                name += f"<br/>{markup(signer.title)}"
            content.append(Paragraph(name, styles.centre))
        row.append(content)
    rows = [row]
    if date_line or note is not None:
        top: list = [""] * len(blocks)
        top[-1] = Paragraph(date_line, styles.centre) if date_line else ""
        top[0] = note if note is not None else top[0]
        rows.insert(0, top)
    table = Table(rows, colWidths=[width] * len(blocks))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return KeepTogether([table])  # never the date on one page and the boxes on the next


def build_pdf(story: list[Flowable], version: FormVersion, reference: str, title: str) -> bytes:
    """The story as A4 PDF bytes, each page footed with the form code, the reference and "page n"."""
    footer_text = f"{version.code} ({version.rules})" + (f" · {clean(reference)}" if reference else "")

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        if document.page == 1:  # the form's code and circular, top right, as on the official templates
            canvas.setFont(SANS, 7)
            canvas.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 7 * mm, version.label_vi)
            canvas.setFont(SANS, 6.5)
            canvas.drawRightString(PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 10 * mm, version.label_en)
        canvas.setFont(SANS, 7)
        canvas.drawString(MARGIN, 8 * mm, footer_text)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 8 * mm, f"Trang / Page {document.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=13 * mm,
                                 bottomMargin=14 * mm, title=title, author="cancuoc", invariant=1)  # fmt: skip
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
