"""CC03 (2024 rules): the refusal notice (thông báo từ chối): who asked for what, why it is refused (each
reason in both languages), on what legal basis, when and by which unit."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from . import layout
from .cc01 import birth_text
from .data import SEX_LABELS, Bilingual, RefusalNotice
from .errors import FormError, FormErrorCode

QR_SIZE = 24 * mm


def _date_line(notice: RefusalNotice) -> str:
    issued = notice.issued_on
    place = f"{layout.markup(notice.place_name)}, " if layout.clean(notice.place_name) else ""
    return (f"{place}ngày {issued.day:02d} tháng {issued.month:02d} năm {issued.year} "
            f'<font size="7" color="#555555">({layout.day(issued)})</font>')  # fmt: skip


def render_refusal_notice(notice: RefusalNotice) -> bytes:
    """The CC03 refusal notice of ``notice`` as A4 PDF bytes (fonts embedded)."""
    reasons = [reason for reason in notice.reasons if layout.clean(reason.vi)]
    if not reasons:
        raise FormError(FormErrorCode.NO_REASON)
    layout.register_fonts()
    styles = layout.Styles()
    person = notice.person
    number = layout.bilingual(f"Số: {layout.clean(notice.notice_number) or '……'}", "No.", styles.centre)
    dated = Table([[number, Paragraph(_date_line(notice), styles.centre)]],
                  colWidths=[0.4 * layout.WIDTH, 0.6 * layout.WIDTH])  # fmt: skip
    dated.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))  # fmt: skip
    heading = layout.heading_block(notice.issuing_unit, notice.version, styles)
    story: list[Flowable] = [
        *heading[:-1],
        dated,
        Spacer(1, 5 * mm),
        *layout.title_block(notice.version, styles),
    ]
    story.append(Paragraph(f"Kính gửi: Ông/Bà <b>{layout.markup(person.full_name)}</b> "
                           f'<font size="7.5" color="#555555">/ To: {layout.markup(person.full_name)}</font>',
                           styles.value))  # fmt: skip
    story.append(Spacer(1, 3 * mm))
    sex = SEX_LABELS.get(person.sex)
    story.append(layout.field_table([
        ("Số định danh cá nhân", "Personal identification number", person.id_number),
        ("Ngày, tháng, năm sinh", "Date of birth", birth_text(person)),
        ("Giới tính", "Sex", f"{sex.vi} / {sex.en}" if sex else person.sex),
        ("Nơi thường trú", "Permanent residence", person.permanent_residence),
    ], styles))  # fmt: skip
    story.append(layout.section("1", "Yêu cầu của công dân", "What was requested", styles))
    request_rows = [("Nội dung yêu cầu", "Request", layout.bilingual_text(notice.request, styles.value))]
    if notice.received_on is not None:
        request_rows.append(("Ngày tiếp nhận", "Received on", layout.day(notice.received_on)))
    code = layout.clean(notice.application_code)
    if code:
        request_rows.append(
            ("Mã hồ sơ", "Application code", Paragraph(f"<b>{escape(code)}</b>", styles.value))
        )
        request_width = layout.WIDTH - QR_SIZE - 4 * mm
        request = Table([[layout.field_table(request_rows, styles, width=request_width),
                          layout.qr_code(code, QR_SIZE)]], colWidths=[request_width, QR_SIZE + 4 * mm])  # fmt: skip
        request.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                     ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))  # fmt: skip
        story.append(request)
    else:
        story.append(layout.field_table(request_rows, styles))
    story.append(layout.section("2", "Lý do từ chối", "Reasons for refusal", styles))
    numbered = [[Paragraph(f"{index}.", styles.value), layout.bilingual_text(reason, styles.value)]
                for index, reason in enumerate(reasons, start=1)]  # fmt: skip
    listing = Table(numbered, colWidths=[8 * mm, layout.WIDTH - 8 * mm])
    listing.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))  # fmt: skip
    story.append(listing)
    story.append(layout.section("3", "Căn cứ pháp lý", "Legal basis", styles))
    story.append(layout.paragraph(notice.legal_basis, styles.value))
    story += [
        Spacer(1, 3 * mm),
        layout.bilingual(
            "Nếu không đồng ý, công dân có quyền khiếu nại theo quy định của pháp luật.",
            "A citizen who disagrees may lodge a complaint as the law provides.",
            styles.body,
        ),
        Spacer(1, 5 * mm),
        layout.signature_blocks([None, (Bilingual("THỦ TRƯỞNG ĐƠN VỊ", "Head of the issuing unit"), notice.signer)],
                                styles),
    ]  # fmt: skip
    reference = layout.clean(notice.notice_number) or code
    return layout.build_pdf(story, notice.version, reference, f"{notice.version.code} {reference}".strip())
