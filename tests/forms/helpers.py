"""Reading the forms back: text, QR codes and where each line of text sits on the page."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import pypdf
import zxingcpp
from PIL import Image
from reportlab.pdfbase.pdfmetrics import stringWidth

from cancuoc.forms import layout
from cancuoc.forms.data import (
    ApplicationKind,
    AppointmentSlip,
    Bilingual,
    CaptureSheet,
    FingerSlot,
    Officer,
    Person,
    RefusalNotice,
    Station,
)

CODE = "HS-042-2026-000123"
NAME = "Nguyễn Thị Thuỳ Dương"


def jpeg(width: int = 300, height: int = 400, colour=(200, 180, 160)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def person(**changes) -> Person:
    values = dict(
        full_name=NAME, id_number="042190012345", birth_date=date(1990, 3, 15), sex="F", old_id_number="183456789",
        birth_registration_place="Xã Thạch Hà, huyện Thạch Hà, tỉnh Hà Tĩnh", place_of_origin="Xã Cẩm Bình, huyện Cẩm Xuyên, tỉnh Hà Tĩnh",
        ethnicity="Kinh", religion="Không", permanent_residence="Số 12, ngõ 34, đường Trần Phú, phường Bắc Hà, thành phố Hà Tĩnh",
        father_name="Nguyễn Văn Đức", mother_name="Trần Thị Hoà", spouse_name="Lê Quang Vũ",
    )  # fmt: skip
    values.update(changes)
    return Person(**values)


STATION = Station("Công an phường Bắc Hà", "Số 1 Hà Huy Tập, phường Bắc Hà, thành phố Hà Tĩnh")
OFFICER = Officer("Lê Văn Hùng", "Thượng úy")
UNIT = "CÔNG AN TỈNH HÀ TĨNH"


def sheet(**changes) -> CaptureSheet:
    values = dict(
        application_code=CODE, person=person(), kind=ApplicationKind.REPLACEMENT,
        reason=Bilingual("Đủ tuổi đổi thẻ (25 tuổi)", "Renewal age (25)"), captured_at=datetime(2026, 12, 1, 9, 30),
        station=STATION, officer=OFFICER, issuing_unit=UNIT, portrait_jpeg=jpeg(),
        fingers=tuple(FingerSlot(position, quality=40 + position) for position in range(1, 10))
        + (FingerSlot(10, exception=Bilingual("Ngón tay bị mất (cụt)", "Finger missing (amputated)")),),
    )  # fmt: skip
    values.update(changes)
    return CaptureSheet(**values)


def slip(**changes) -> AppointmentSlip:
    values = dict(
        application_code=CODE, person=person(), kind=ApplicationKind.FIRST_ISSUE, captured_on=date(2026, 12, 1),
        return_on=date(2026, 12, 10), return_place=STATION, officer=OFFICER, issuing_unit=UNIT,
        status_url="https://dichvucong.bocongan.gov.vn",
    )  # fmt: skip
    values.update(changes)
    return AppointmentSlip(**values)


def notice(**changes) -> RefusalNotice:
    values = dict(
        person=person(), request=Bilingual("Cấp đổi thẻ căn cước", "Replacement of an identity card"),
        reasons=(Bilingual("Thông tin không khớp với Cơ sở dữ liệu quốc gia về dân cư",
                           "The data does not match the national population database"),
                 Bilingual("Chưa đủ giấy tờ chứng minh thay đổi họ tên", "No document proving the change of name")),
        issued_on=date(2026, 12, 2), issuing_unit=UNIT, signer=Officer("Phạm Minh Tuấn", "Trưởng phòng"),
        place_name="Hà Tĩnh", received_on=date(2026, 12, 1), notice_number="15/TB-PC06", application_code=CODE,
    )  # fmt: skip
    values.update(changes)
    return RefusalNotice(**values)


def pages(pdf: bytes) -> list[pypdf.PageObject]:
    return list(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pages(pdf))


def words(pdf: bytes) -> str:
    """The text with every run of whitespace as one space (lines wrapped anywhere read as one)."""
    return " ".join(text(pdf).split())


def qr_texts(pdf: bytes) -> list[str]:
    """What every QR code among the embedded images decodes to."""
    found = []
    for page in pages(pdf):
        for image in page.images:
            found += [barcode.text for barcode in zxingcpp.read_barcodes(image.image)]
    return found


@dataclass(frozen=True)
class Run:
    text: str
    left: float
    right: float
    page: int


def text_runs(pdf: bytes) -> list[Run]:
    """Each run of text with its horizontal extent in points, measured with the form's own fonts."""
    layout.register_fonts()
    runs: list[Run] = []
    for number, page in enumerate(pages(pdf), start=1):
        line = {"key": None, "right": 0.0, "open": False}

        def visit(chunk, cm, tm, font, size, number=number, line=line):
            if font is None or not chunk.strip():
                return  # pypdf adds a lone space for a jump in position: it is not printed text
            face = layout.BOLD if "Bold" in str(font.get("/BaseFont", "")) else layout.SANS
            key = (tuple(cm), tm[4], tm[5])
            # pypdf reports every chunk of one line (a font change mid-line) at the line's start: carry on
            # from where the previous chunk of the same line ended
            left = line["right"] if line["open"] and key == line["key"] else cm[4] + tm[4] * cm[0]
            shown = chunk.rstrip("\n")
            right = left + stringWidth(shown, face, size) * tm[0] * cm[0]
            line.update(key=key, right=right, open=not chunk.endswith("\n"))
            runs.append(Run(shown, left, right, number))

        page.extract_text(visitor_text=visit)
    return runs


def overflowing(pdf: bytes) -> list[Run]:
    """Runs of text that reach outside the printable width (the page less its margins)."""
    low, high = layout.MARGIN - 1, layout.PAGE_WIDTH - layout.MARGIN + 1
    return [run for run in text_runs(pdf) if run.left < low or run.right > high]
