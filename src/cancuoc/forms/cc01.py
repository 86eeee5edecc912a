"""CC01 (2024 rules): the capture sheet (phiếu thu nhận thông tin căn cước). The citizen checks the data
as confirmed at the station and signs; the officer signs. Fingerprint images are never printed: each of
the ten slots shows its quality score, or why it has no print."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from . import layout
from .data import (
    APPLICATION_KIND_LABELS,
    FINGER_NAMES,
    SEX_LABELS,
    Bilingual,
    CaptureSheet,
    FingerSlot,
    Officer,
    Person,
)
from .errors import FormError, FormErrorCode

PORTRAIT_WIDTH, PORTRAIT_HEIGHT = 30 * mm, 40 * mm
QR_SIZE = 30 * mm


def birth_text(person: Person) -> str:
    if person.birth_date is not None and person.birth_year_only:
        return f"{person.birth_date.year} (chỉ có năm sinh / year only)"
    return layout.day(person.birth_date)


def person_rows(person: Person) -> list[list[tuple[str, str, str]]]:
    """(label vi, label en, value) of the citizen's data in the order of the population database; short
    fields two to a row, names and places alone on theirs."""
    sex = SEX_LABELS.get(person.sex)
    return [
        [("Số định danh cá nhân", "Personal ID number", person.id_number),
         ("Số CMND 9 số", "Old 9-digit ID", person.old_id_number)],
        [("Họ, chữ đệm và tên", "Full name", person.full_name)],
        [("Ngày sinh", "Date of birth", birth_text(person)),
         ("Giới tính", "Sex", f"{sex.vi} / {sex.en}" if sex else person.sex)],
        [("Dân tộc", "Ethnicity", person.ethnicity), ("Tôn giáo", "Religion", person.religion)],
        [("Tên gọi khác", "Other names", person.other_names), ("Quốc tịch", "Nationality", person.nationality)],
        [("Nơi đăng ký khai sinh", "Place of birth registration", person.birth_registration_place)],
        [("Quê quán", "Place of origin", person.place_of_origin)],
        [("Nơi thường trú", "Permanent residence", person.permanent_residence)],
        [("Nơi tạm trú", "Temporary residence", person.temporary_residence)],
        [("Họ tên cha", "Father's full name", person.father_name),
         ("Họ tên mẹ", "Mother's full name", person.mother_name)],
        [("Họ tên vợ/chồng", "Spouse's full name", person.spouse_name),
         ("Người đại diện hợp pháp", "Legal representative", person.representative_name)],
    ]  # fmt: skip


def _checked_fingers(fingers: tuple[FingerSlot, ...]) -> dict[int, FingerSlot]:
    by_position: dict[int, FingerSlot] = {}
    for slot in fingers:
        if slot.position not in FINGER_NAMES:
            raise FormError(FormErrorCode.FINGER_POSITION_INVALID, position=slot.position)
        if slot.position in by_position:
            raise FormError(FormErrorCode.FINGER_REPEATED, position=slot.position)
        by_position[slot.position] = slot
    return by_position


def _finger_cell(
    position: int, slot: FingerSlot | None, waived: Bilingual | None, styles: layout.Styles
) -> Paragraph:
    name = FINGER_NAMES[position]
    grey = '<font size="6.5" color="#555555">'
    lines = [f"<b>{position}. {escape(name.vi)}</b> {grey}/ {escape(name.en)}</font>"]
    if slot is not None and slot.exception is not None:
        lines.append(f"Ngoại lệ: {layout.markup(slot.exception.vi)}")
        if slot.exception.en:
            lines.append(f"{grey}Exception: {layout.markup(slot.exception.en)}</font>")
    elif slot is not None and slot.quality is not None:
        lines.append(f"Chất lượng {grey}/ quality</font>: <b>{slot.quality}</b>")
    elif waived is not None:
        lines.append(f"Miễn lấy {grey}/ waived</font>")
    else:
        lines.append(f"Chưa lấy {grey}/ not captured</font>")
    return Paragraph("<br/>".join(lines), styles.finger)


def finger_table(sheet: CaptureSheet, styles: layout.Styles) -> list[Flowable]:
    """Two rows of five: right hand above, left hand below (ISO/IEC 19794-4 positions 1–10)."""
    by_position = _checked_fingers(sheet.fingers)
    waived = sheet.fingerprints_waived
    rows = [[_finger_cell(position, by_position.get(position), waived, styles) for position in hand]
            for hand in (range(1, 6), range(6, 11))]  # fmt: skip
    table = Table(rows, colWidths=[layout.WIDTH / 5] * 5)
    table.setStyle(layout.grid_style())
    flowables: list[Flowable] = [table]
    if waived is not None:
        flowables.insert(0, layout.bilingual(f"Không lấy vân tay: {waived.vi}",
                                             f"No fingerprints taken: {waived.en}" if waived.en else "", styles.value))  # fmt: skip
        flowables.insert(1, Spacer(1, 1.5 * mm))
    flowables.append(layout.inline_label("Ảnh vân tay được lưu trong hệ thống, không in trên phiếu.",
                                         "Fingerprint images are kept in the system, not printed.", styles.small))  # fmt: skip
    return flowables


def _summary(sheet: CaptureSheet, styles: layout.Styles) -> Table:
    """Portrait, the application's particulars, the QR of its code: the top band of the sheet."""
    kind = APPLICATION_KIND_LABELS[sheet.kind]
    station = sheet.station.name + (
        f", {sheet.station.address}" if layout.clean(sheet.station.address) else ""
    )
    middle_width = layout.WIDTH - PORTRAIT_WIDTH - QR_SIZE - 8 * mm
    particulars = layout.field_table([
        ("Mã hồ sơ", "Application code", Paragraph(f"<b>{layout.markup(sheet.application_code)}</b>", styles.value)),
        ("Loại thủ tục", "Application kind", layout.bilingual(kind.vi, kind.en, styles.value)),
        ("Lý do", "Reason", layout.bilingual_text(sheet.reason, styles.value)),
        ("Nơi thu nhận", "Capture station", layout.paragraph(station, styles.value)),
        ("Thời gian thu nhận", "Captured at", layout.moment(sheet.captured_at)),
    ], styles, width=middle_width, label_share=0.36, stacked=False)  # fmt: skip
    code = [layout.qr_code(layout.clean(sheet.application_code), QR_SIZE),
            Paragraph(layout.markup(sheet.application_code), styles.caption)]  # fmt: skip
    portrait = layout.portrait_box(sheet.portrait_jpeg, PORTRAIT_WIDTH, PORTRAIT_HEIGHT, styles)
    band = Table(
        [[portrait, particulars, code]], colWidths=[PORTRAIT_WIDTH + 4 * mm, middle_width, QR_SIZE + 4 * mm]
    )
    band.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                              ("LEFTPADDING", (1, 0), (1, 0), 0), ("LEFTPADDING", (2, 0), (2, 0), 4 * mm)]))  # fmt: skip
    return band


def render_capture_sheet(sheet: CaptureSheet) -> bytes:
    """The CC01 capture sheet of ``sheet`` as A4 PDF bytes (fonts embedded)."""
    if not layout.clean(sheet.application_code):
        raise FormError(FormErrorCode.APPLICATION_CODE_MISSING, form=sheet.version.code)
    layout.register_fonts()
    styles = layout.Styles()
    story: list[Flowable] = [*layout.heading_block(sheet.issuing_unit, sheet.version, styles),
                             *layout.title_block(sheet.version, styles), _summary(sheet, styles)]  # fmt: skip
    story += [layout.section("I", "Thông tin công dân", "Citizen's data", styles),
              layout.paired_field_table(person_rows(sheet.person), styles)]  # fmt: skip
    story += [layout.section("II", "Vân tay", "Fingerprints", styles), *finger_table(sheet, styles)]
    confirmation = layout.bilingual(
        "Tôi đã kiểm tra các thông tin trên là đúng.",
        "I have checked the data above and it is correct.",
        styles.body,
    )
    story += [Spacer(1, 2 * mm), layout.signature_blocks(
        [(Bilingual("CÁN BỘ THU NHẬN", "Capturing officer"), sheet.officer),
         (Bilingual("CÔNG DÂN", "Citizen"), Officer(sheet.person.full_name))],
        styles, date_line=f"Ngày / Date {layout.moment(sheet.captured_at)}", space=12 * mm, note=confirmation,
    )]  # fmt: skip
    return layout.build_pdf(story, sheet.version, sheet.application_code,
                            f"{sheet.version.code} {layout.clean(sheet.application_code)}")  # fmt: skip
