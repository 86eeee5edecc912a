"""The printable extract of one citizen record (trích lục): A4 PDF, the record's data as words, dates as
dd/mm/yyyy, the household, who printed it and when. DejaVu Sans carries every Vietnamese letter; the
fonts are the card faces' (``cancuoc.icao.fonts``), embedded so that the file prints the same anywhere."""

from __future__ import annotations

import io
from datetime import date, datetime
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cancuoc.icao import fonts

SANS, BOLD = "ExtractSans", "ExtractSansBold"


def _register_fonts() -> None:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if SANS in pdfmetrics.getRegisteredFontNames():
        return
    found = fonts.find_card_fonts(settings.VAR_DIR / "fonts")
    pdfmetrics.registerFont(TTFont(SANS, str(found.sans)))
    pdfmetrics.registerFont(TTFont(BOLD, str(found.sans_bold)))
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, BOLD)


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _place(address: str, unit) -> str:
    parts = [part for part in (address, unit.full_name() if unit is not None else "") if part]
    return ", ".join(parts) or "—"


def record_rows(citizen) -> list[tuple[str, str]]:
    """(label, value) of the record, every code as words."""
    from cancuoc.web.templatetags.cancuoc_words import flag_detail, nationality

    birth = _day(citizen.birth_date)
    if citizen.birth_date_precision == "year":
        birth = f"{citizen.birth_date.year} ({_('year only')})"
    rows = [
        (_("Personal ID number"), citizen.id_number),
        (_("Full name"), citizen.full_name),
        (_("Other names"), citizen.other_names or "—"),
        (_("Date of birth"), birth),
        (_("Sex"), citizen.get_sex_display()),
        (_("Nationality"), nationality(citizen.nationality)),
        (_("Ethnicity"), citizen.ethnicity or "—"),
        (_("Religion"), citizen.religion or "—"),
        (_("Place of birth registration"), citizen.birth_registration_unit.full_name() if citizen.birth_registration_unit else "—"),
        (_("Place of origin"), citizen.origin_unit.full_name() if citizen.origin_unit else "—"),
        (_("Permanent residence"), _place(citizen.permanent_address, citizen.permanent_unit)),
        (_("Temporary residence"), _place(citizen.temporary_address, citizen.temporary_unit)),
        (_("Current whereabouts"), _place(citizen.current_address, citizen.current_unit)),
        (_("Father"), citizen.father_name or "—"),
        (_("Mother"), citizen.mother_name or "—"),
        (_("Spouse"), citizen.spouse_name or "—"),
        (_("Marital status"), citizen.get_marital_status_display() or "—"),
        (_("Blood type"), citizen.blood_type or "—"),
        (_("Old 9-digit ID"), citizen.old_id_number or "—"),
    ]  # fmt: skip
    if citizen.date_of_death:
        rows.append((_("Date of death"), _day(citizen.date_of_death)))
    if citizen.merged_into_id:
        rows.append((_("Merged into"), f"{citizen.merged_into.id_number} ({_day(timezone.localtime(citizen.merged_at).date())})"))
    for flag in citizen.quality_flags.order_by("code"):
        rows.append((_("Data-quality note"), f"{flag.get_code_display()}: {flag_detail(flag)}"))
    return rows


def render_extract(citizen, members: list, *, printed_by, printed_at: datetime) -> bytes:
    """The extract as PDF bytes (A4, fonts embedded)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    body = ParagraphStyle("body", fontName=SANS, fontSize=10, leading=13)
    label = ParagraphStyle("label", parent=body, textColor=colors.HexColor("#444444"))
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=15, leading=19, alignment=1, spaceAfter=2 * mm)
    heading = ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=12, leading=16, spaceBefore=5 * mm, spaceAfter=2 * mm)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#444444"))

    def text(value: str, style=body) -> Paragraph:
        return Paragraph(escape(str(value)), style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
                       ("RIGHTPADDING", (0, 0), (-1, -1), 4)])  # fmt: skip
    width = A4[0] - 36 * mm
    story = [
        text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ParagraphStyle("state", parent=title, fontSize=11, leading=14, spaceAfter=0)),
        text("Độc lập - Tự do - Hạnh phúc", ParagraphStyle("motto", parent=body, alignment=1, spaceAfter=5 * mm)),
        text(_("Extract of a population registry record"), title),
        text(citizen.full_name, ParagraphStyle("name", parent=title, fontSize=13, leading=17)),
    ]  # fmt: skip
    fields = Table([[text(name, label), text(value)] for name, value in record_rows(citizen)],
                   colWidths=[0.34 * width, 0.66 * width])  # fmt: skip
    fields.setStyle(grid)
    story.append(fields)
    story.append(text(_("Household"), heading))
    household = citizen.household
    if household is None:
        story.append(text(_("Not registered in a household.")))
    else:
        number_label, address_label = _("Household number"), _("Address")
        story.append(text(f"{number_label}: {household.number} · {address_label}: {household.address or '—'}"))
        story.append(Spacer(1, 2 * mm))
        head = [text(_("ID number"), label), text(_("Full name"), label), text(_("Date of birth"), label),
                text(_("Relation to the head"), label)]  # fmt: skip
        rows = [[text(m.id_number), text(m.full_name), text(_day(m.birth_date)),
                 text(m.get_relation_to_head_display() or "—")] for m in members]  # fmt: skip
        table = Table([head, *rows], colWidths=[0.24 * width, 0.36 * width, 0.17 * width, 0.23 * width], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    printer = printed_by.get_full_name() or printed_by.get_username()
    unit = getattr(printed_by, "unit", None)
    printed = _("Printed by %(who)s%(unit)s on %(when)s") % {
        "who": printer, "unit": f" ({unit.name})" if unit is not None else "", "when": printed_at.strftime("%d/%m/%Y %H:%M"),
    }  # fmt: skip

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 8)
        canvas.drawString(18 * mm, 10 * mm, printed)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page %(number)d") % {"number": document.page})
        canvas.restoreState()

    story += [Spacer(1, 6 * mm), text(printed, small),
              text(_("This extract shows the record as it was when printed; the registry is the authority."), small)]  # fmt: skip
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                                 bottomMargin=18 * mm, title=_("Extract %(number)s") % {"number": citizen.id_number}, author="cancuoc",
                                 invariant=1)  # fmt: skip
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
