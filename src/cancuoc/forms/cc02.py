"""CC02 (2024 rules): the appointment slip (giấy hẹn trả kết quả) handed to the citizen after the capture:
the application code with its QR, when and where the card is returned, how to follow the application."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from . import layout
from .data import APPLICATION_KIND_LABELS, AppointmentSlip, Bilingual
from .errors import FormError, FormErrorCode

QR_SIZE = 32 * mm


def render_appointment_slip(slip: AppointmentSlip) -> bytes:
    """The CC02 appointment slip of ``slip`` as A4 PDF bytes (fonts embedded)."""
    if not layout.clean(slip.application_code):
        raise FormError(FormErrorCode.APPLICATION_CODE_MISSING, form=slip.version.code)
    layout.register_fonts()
    styles = layout.Styles()
    kind = APPLICATION_KIND_LABELS[slip.kind]
    emphasis = ParagraphStyle("emphasis", parent=styles.strong, fontSize=13, leading=16)
    place = slip.return_place.name + (
        f", {slip.return_place.address}" if layout.clean(slip.return_place.address) else ""
    )
    online = [layout.bilingual_text(slip.status_hint, styles.value)]
    if layout.clean(slip.status_url):
        online.append(Paragraph(f"<b>{layout.markup(slip.status_url)}</b>", styles.value))
    rows = [
        ("Mã hồ sơ", "Application code", Paragraph(f"<b>{layout.markup(slip.application_code)}</b>", emphasis)),
        ("Họ, chữ đệm và tên", "Full name", Paragraph(f"<b>{layout.markup(slip.person.full_name)}</b>", styles.value)),
        ("Số định danh cá nhân", "Personal identification number", slip.person.id_number),
        ("Thủ tục", "Application kind", layout.bilingual(kind.vi, kind.en, styles.value)),
        ("Ngày tiếp nhận", "Capture date", layout.day(slip.captured_on)),
        ("Ngày hẹn trả kết quả", "Return date", Paragraph(layout.day(slip.return_on), emphasis)),
        ("Nơi trả kết quả", "Place of return", place),
        ("Tra cứu trực tuyến", "Online status", online),
    ]  # fmt: skip
    fields_width = layout.WIDTH - QR_SIZE - 6 * mm
    fields = layout.field_table(rows, styles, width=fields_width, label_share=0.36)
    code = [layout.qr_code(layout.clean(slip.application_code), QR_SIZE),
            Paragraph(layout.markup(slip.application_code), styles.caption),
            layout.bilingual("Quét để tra cứu", "Scan to look up", styles.small_centre)]  # fmt: skip
    band = Table([[fields, code]], colWidths=[fields_width, QR_SIZE + 6 * mm])
    band.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LEFTPADDING", (1, 0), (1, 0), 6 * mm)]))  # fmt: skip
    story: list[Flowable] = [
        *layout.heading_block(slip.issuing_unit, slip.version, styles),
        *layout.title_block(slip.version, styles),
        band,
        Spacer(1, 4 * mm),
        layout.bilingual(
            "Khi đến nhận kết quả, công dân mang theo giấy hẹn này (và thẻ cũ, nếu có).",
            "When collecting the result, bring this slip (and the old card, if any).",
            styles.body,
        ),
        Spacer(1, 4 * mm),
        layout.signature_blocks([None, (Bilingual("CÁN BỘ TIẾP NHẬN", "Receiving officer"), slip.officer)], styles,
                                date_line=f"Ngày / Date {layout.day(slip.captured_on)}"),
    ]  # fmt: skip
    return layout.build_pdf(story, slip.version, slip.application_code,
                            f"{slip.version.code} {layout.clean(slip.application_code)}")  # fmt: skip
