"""The printed faces of a card, front and back: PNG at 300 dpi and a two-page PDF, both ID-1 size.

One layout, two renderers: ``front_layout``/``back_layout`` place shapes and text in millimetres
(y downwards, text at its baseline), measured with the same font files the renderers use, and
``render_png`` (Pillow) and ``render_pdf`` (ReportLab) draw that list unchanged, so the PNG and the
PDF break lines and shrink long text identically. Labels are bilingual; the MRZ is set in OCR-B at
the ICAO pitch of 10 characters per inch. The national emblem is drawn as a simplified red disc and
gold star: the official artwork is not part of this project.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import segno
from PIL import Image, ImageDraw, ImageFont

from .fonts import CardFonts

WIDTH_MM, HEIGHT_MM = 85.6, 53.98
DPI = 300
PX_PER_MM = DPI / 25.4
WIDTH_PX, HEIGHT_PX = round(WIDTH_MM * PX_PER_MM), round(HEIGHT_MM * PX_PER_MM)
MRZ_PITCH_MM = 2.54  # ICAO 9303: 10 characters per inch
PHOTO_W_MM, PHOTO_H_MM = 20.0, 30.0

INK, RED, GOLD, WHITE = (22, 30, 58), (196, 22, 32), (236, 190, 60), (255, 255, 255)
FRONT_PAPER, BACK_PAPER, GUILLOCHE = (232, 240, 246), (236, 242, 238), (200, 218, 232)

ISSUER_VI = ("CỤC TRƯỞNG CỤC CẢNH SÁT", "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI")
ISSUER_EN = ("DIRECTOR GENERAL OF THE POLICE DEPARTMENT FOR", "ADMINISTRATIVE MANAGEMENT OF SOCIAL ORDER")


# --- What is drawn -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: tuple[int, int, int]


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: tuple[int, int, int]


@dataclass(frozen=True)
class Shape:
    """A polygon (closed) or a polyline (open)."""

    points: tuple[tuple[float, float], ...]
    color: tuple[int, int, int]
    closed: bool = True
    width: float = 0.0


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    text: str
    font: str  # "sans", "bold" or "ocr_b"
    size: float  # points
    color: tuple[int, int, int] = INK
    align: str = "left"  # "left", "centre", "right"


@dataclass(frozen=True)
class Picture:
    x: float
    y: float
    w: float
    h: float
    image: Image.Image = field(compare=False)


@dataclass(frozen=True)
class QrCode:
    x: float
    y: float
    size: float
    rows: tuple[tuple[bool, ...], ...]


Element = Box | Circle | Shape | Text | Picture | QrCode


@dataclass(frozen=True)
class FaceData:
    """What the faces print; built from the personalised card (see ``face_data``)."""

    id_number: str
    full_name: str
    birth_date: date
    sex: str  # "M" or "F"
    nationality: str
    place_of_origin: str
    place_of_residence: str
    identifying_marks: str
    issue_date: date
    expiry: date | None
    mrz_lines: tuple[str, str, str]
    qr_payload: str
    portrait: bytes  # JPEG or JPEG 2000, any size; cropped to 2:3 around its centre


def face_data(holder, card, portrait_image: bytes) -> FaceData:
    return FaceData(
        holder.id_number, holder.full_name, holder.birth_date, holder.sex, holder.nationality, holder.place_of_origin,
        holder.place_of_residence, holder.identifying_marks, card.issue_date, card.expiry, card.mrz_lines,
        card.qr_payload, portrait_image,
    )  # fmt: skip


# --- Measuring ----------------------------------------------------------------------------------


class Measure:
    """Text widths in millimetres from the font files themselves (FreeType through Pillow)."""

    REFERENCE_SIZE = 1000

    def __init__(self, fonts: CardFonts):
        self.paths = {"sans": fonts.sans, "bold": fonts.sans_bold, "ocr_b": fonts.ocr_b}
        self._reference = {name: ImageFont.truetype(str(path), self.REFERENCE_SIZE) for name, path in self.paths.items()}

    def width(self, text: str, font: str, size: float) -> float:
        return self._reference[font].getlength(text) / self.REFERENCE_SIZE * size * 25.4 / 72

    def fit(self, text: str, font: str, size: float, max_width: float, smallest: float = 3.0) -> float:
        """The largest size not above ``size`` at which ``text`` fits on one line (never below ``smallest``)."""
        width = self.width(text, font, size)
        if width <= max_width:
            return size
        return max(smallest, size * max_width / width)

    def wrap(self, text: str, font: str, size: float, max_width: float) -> list[str]:
        lines: list[str] = []
        for word in text.split():
            if lines and self.width(f"{lines[-1]} {word}", font, size) <= max_width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        if len(lines) > 1 and " " not in lines[-1] and lines[-2].count(" ") >= 2:
            # No lone last word ("Hà / Nội"): carry the previous word down when the two still fit.
            head, carried = lines[-2].rsplit(" ", 1)
            if self.width(f"{carried} {lines[-1]}", font, size) <= max_width:
                lines[-2:] = [head, f"{carried} {lines[-1]}"]
        return lines or [""]

    def line(self, field_name: str, text: str, font: str, size: float, max_width: float) -> float:
        """The size at which a one-line field fits, shrinking down to ``SMALLEST_PT``; else ``TextTooLong``."""
        size = self.fit(text, font, size, max_width, smallest=SMALLEST_PT)
        if self.width(text, font, size) > max_width + 1e-6:
            raise TextTooLong(field_name)
        return size

    def block(self, field_name: str, text: str, font: str, size: float, x: float, top: float, width: float,
              height: float) -> list[Text]:  # fmt: skip
        """``text`` wrapped into the box (``top``, ``height``), shrinking as real cards do with long addresses;
        ``TextTooLong`` when even ``SMALLEST_PT`` does not fit (an officer must shorten it, nothing is cut)."""
        while True:
            em = size * 25.4 / 72
            lines = self.wrap(text, font, size, width)
            fits = all(self.width(line, font, size) <= width for line in lines)
            if fits and em * (1 + LINE_PITCH * (len(lines) - 1)) <= height:
                return [Text(x, top + em * ASCENT + index * em * LINE_PITCH, line, font, size)
                        for index, line in enumerate(lines)]  # fmt: skip
            if size <= SMALLEST_PT:
                raise TextTooLong(field_name)
            size = max(SMALLEST_PT, round(size - 0.2, 2))


class TextTooLong(ValueError):
    """A field does not fit on the card even at the smallest legible size."""

    LABELS = {"full_name": ("Họ và tên", "full name"), "place_of_origin": ("Quê quán", "place of origin"),
              "place_of_residence": ("Nơi thường trú", "place of residence"),
              "identifying_marks": ("Đặc điểm nhân dạng", "personal identification")}  # fmt: skip

    def __init__(self, field_name: str):
        self.field_name = field_name
        vi, en = self.LABELS.get(field_name, (field_name, field_name))
        super().__init__(f"{vi} quá dài để in trên thẻ, cần rút gọn / {en} is too long to print on the card")


SMALLEST_PT = 3.2  # below this, 300 dpi print is no longer legible
LINE_PITCH = 1.22  # line spacing in em
ASCENT = 0.78  # baseline below the top of a line, in em (DejaVu Sans)


def _ddmmyyyy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "Không thời hạn"


def _sex_text(sex: str) -> str:
    return "Nam" if sex == "M" else "Nữ"


# --- Layout ------------------------------------------------------------------------------------


def _guilloche(paper: tuple[int, int, int], seed: float) -> list[Element]:
    """Fine wavy lines over the background, as security printing has (decorative here)."""
    elements: list[Element] = [Box(0, 0, WIDTH_MM, HEIGHT_MM, paper)]
    for k in range(9):
        base, amplitude, wavelength = 4 + k * 6.2, 1.6 + (k % 3) * 0.5, 17 + (k % 4) * 3
        points = tuple((x, base + amplitude * math.sin(2 * math.pi * x / wavelength + seed + k))
                       for x in range(0, int(WIDTH_MM) + 2))  # fmt: skip
        elements.append(Shape(points, GUILLOCHE, closed=False, width=0.12))
    return elements


def _emblem(cx: float, cy: float, r: float) -> list[Element]:
    star = []
    for i in range(10):
        radius = r * (0.55 if i % 2 == 0 else 0.22)
        angle = -math.pi / 2 + i * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return [Circle(cx, cy, r, GOLD), Circle(cx, cy, r * 0.84, RED), Shape(tuple(star), GOLD)]


def _chip(x: float, y: float, w: float, h: float) -> list[Element]:
    elements: list[Element] = [Box(x, y, w, h, (205, 164, 52)), Box(x + 0.3, y + 0.3, w - 0.6, h - 0.6, (232, 196, 92))]
    line = (176, 136, 40)
    elements += [Shape(((x + w / 2, y + 0.3), (x + w / 2, y + h - 0.3)), line, closed=False, width=0.2)]
    for fraction in (1 / 3, 2 / 3):
        yy = y + h * fraction
        elements += [Shape(((x + 0.3, yy), (x + w - 0.3, yy)), line, closed=False, width=0.2)]
    elements.append(Box(x + w * 0.32, y + h * 0.25, w * 0.36, h * 0.5, (220, 182, 76)))
    return elements


def _portrait(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    target = PHOTO_W_MM / PHOTO_H_MM
    width, height = image.size
    if width / height > target:
        crop = round(height * target)
        image = image.crop(((width - crop) // 2, 0, (width - crop) // 2 + crop, height))
    else:
        crop = round(width / target)
        image = image.crop((0, (height - crop) // 2, width, (height - crop) // 2 + crop))
    return image.resize((round(PHOTO_W_MM * PX_PER_MM), round(PHOTO_H_MM * PX_PER_MM)), Image.LANCZOS)


def _labelled(measure: Measure, x: float, y: float, label: str, value: str, max_width: float,
              size: float = 5.0, value_size: float = 5.8) -> list[Element]:  # fmt: skip
    """``label: value`` on one line: the label in regular type, the value in bold, shrunk to fit."""
    label = f"{label}: "
    label_width = measure.width(label, "sans", size)
    value_size = measure.fit(value, "bold", value_size, max(1.0, max_width - label_width))
    return [Text(x, y, label, "sans", size), Text(x + label_width, y, value, "bold", value_size)]


def front_layout(data: FaceData, measure: Measure) -> list[Element]:
    elements = _guilloche(FRONT_PAPER, 0.0)
    elements += _emblem(10.5, 9.6, 6.3)
    header_x, header_width = 43.8, 50.0
    for y, text, font, size, color in (
        (4.2, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "bold", 5.4, INK),
        (6.8, "Độc lập - Tự do - Hạnh phúc", "bold", 5.0, INK),
        (9.2, "SOCIALIST REPUBLIC OF VIET NAM", "sans", 4.5, INK),
        (11.4, "Independence - Freedom - Happiness", "sans", 4.5, INK),
        (15.2, "CĂN CƯỚC CÔNG DÂN", "bold", 8.6, RED),
        (17.9, "Citizen Identity Card", "bold", 5.0, RED),
    ):
        elements.append(Text(header_x, y, text, font, measure.fit(text, font, size, header_width), color, "centre"))
    qr = segno.make_qr(data.qr_payload, error="m", boost_error=False)
    elements += [Box(69.6, 1.8, 14.4, 14.4, WHITE), QrCode(70.3, 2.5, 13.0, tuple(tuple(bool(m) for m in row)
                                                                                    for row in qr.matrix))]  # fmt: skip
    elements += [Box(3.2, 17.9, PHOTO_W_MM + 0.6, PHOTO_H_MM + 0.6, WHITE),
                 Picture(3.5, 18.2, PHOTO_W_MM, PHOTO_H_MM, _portrait(data.portrait))]  # fmt: skip
    label = "Có giá trị đến / Date of expiry:"
    elements.append(Text(13.5, 50.3, label, "sans", measure.fit(label, "sans", 4.2, 21.5), INK, "centre"))
    elements.append(Text(13.5, 52.6, _ddmmyyyy(data.expiry), "bold", 5.0, INK, "centre"))

    x, right = 26.5, 84.0
    width = right - x
    elements += [Text(x, 22.6, "Số / No.:", "sans", 5.0),
                 Text(x + 10.5, 23.0, data.id_number, "bold", 9.6, RED)]  # fmt: skip
    elements.append(Text(x, 26.4, "Họ và tên / Full name:", "sans", 5.0))
    name = data.full_name.upper()
    elements.append(Text(x, 30.0, name, "bold", measure.line("full_name", name, "bold", 7.6, width)))
    elements += _labelled(measure, x, 33.6, "Ngày sinh / Date of birth", _ddmmyyyy(data.birth_date), width)
    elements += _labelled(measure, x, 36.8, "Giới tính / Sex", _sex_text(data.sex), 20.0)
    elements += _labelled(measure, x + 20.5, 36.8, "Quốc tịch / Nationality", data.nationality, width - 20.5)
    elements.append(Text(x, 40.0, "Quê quán / Place of origin:", "sans", 5.0))
    elements += measure.block("place_of_origin", data.place_of_origin or "—", "bold", 5.8, x, 40.9, width, 3.3)
    elements.append(Text(x, 45.9, "Nơi thường trú / Place of residence:", "sans", 5.0))
    elements += measure.block("place_of_residence", data.place_of_residence or "—", "bold", 5.8, x, 46.7, width, 6.9)
    return elements


def back_layout(data: FaceData, measure: Measure) -> list[Element]:
    elements = _guilloche(BACK_PAPER, 1.3)
    elements += _chip(66.0, 5.5, 12.5, 9.8)
    x, width = 4.0, 58.0
    elements.append(Text(x, 5.0, "Đặc điểm nhân dạng / Personal identification:", "sans", 5.0))
    elements += measure.block("identifying_marks", data.identifying_marks or "—", "bold", 5.6, x, 6.0, width, 7.0)
    elements += _labelled(measure, x, 15.2, "Ngày, tháng, năm / Date, month, year", _ddmmyyyy(data.issue_date), width)
    centre = 33.0
    for y, text, font, size in (
        (21.4, ISSUER_VI[0], "bold", 5.2), (23.8, ISSUER_VI[1], "bold", 5.2),
        (26.0, ISSUER_EN[0], "sans", 3.8), (27.8, ISSUER_EN[1], "sans", 3.8),
    ):  # fmt: skip
        elements.append(Text(centre, y, text, font, measure.fit(text, font, size, 60.0), INK, "centre"))
    elements.append(Box(0, 36.6, WIDTH_MM, HEIGHT_MM - 36.6, WHITE))
    # OCR-B is monospaced: the size that gives the ICAO pitch follows from the font's own advance width.
    mrz_size = 10.0 * MRZ_PITCH_MM / measure.width("<", "ocr_b", 10.0)
    mrz_x = (WIDTH_MM - 30 * MRZ_PITCH_MM) / 2
    for index, line in enumerate(data.mrz_lines):
        elements.append(Text(mrz_x, 42.0 + index * 4.23, line, "ocr_b", mrz_size, (0, 0, 0)))
    return elements


# --- Renderers -----------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _pillow_font(path: str, size_pt: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size_pt * DPI / 72)  # fractional pixel sizes keep the MRZ pitch exact


def _px(value: float) -> float:
    return value * PX_PER_MM


def render_png(elements: Iterable[Element], fonts: CardFonts) -> bytes:
    paths = {"sans": str(fonts.sans), "bold": str(fonts.sans_bold), "ocr_b": str(fonts.ocr_b)}
    image = Image.new("RGB", (WIDTH_PX, HEIGHT_PX), WHITE)
    draw = ImageDraw.Draw(image)
    anchors = {"left": "ls", "centre": "ms", "right": "rs"}
    for element in elements:
        if isinstance(element, Box):
            draw.rectangle((round(_px(element.x)), round(_px(element.y)), round(_px(element.x + element.w)) - 1,
                            round(_px(element.y + element.h)) - 1), fill=element.fill)  # fmt: skip
        elif isinstance(element, Circle):
            box = (_px(element.cx - element.r), _px(element.cy - element.r), _px(element.cx + element.r),
                   _px(element.cy + element.r))  # fmt: skip
            draw.ellipse(box, fill=element.fill)
        elif isinstance(element, Shape):
            points = [(_px(px), _px(py)) for px, py in element.points]
            if element.closed:
                draw.polygon(points, fill=element.color)
            else:
                draw.line(points, fill=element.color, width=max(1, round(_px(element.width))))
        elif isinstance(element, Text):
            font = _pillow_font(paths[element.font], element.size)
            draw.text((_px(element.x), _px(element.y)), element.text, font=font, fill=element.color,
                      anchor=anchors[element.align])  # fmt: skip
        elif isinstance(element, Picture):
            size = (round(_px(element.w)), round(_px(element.h)))
            picture = element.image if element.image.size == size else element.image.resize(size, Image.LANCZOS)
            image.paste(picture, (round(_px(element.x)), round(_px(element.y))))
        elif isinstance(element, QrCode):
            count = len(element.rows)
            module = max(1, int(_px(element.size) // count))  # whole pixels per module: crisp for scanners
            margin = (_px(element.size) - module * count) / 2  # centred in its nominal square
            mask = Image.frombytes("L", (count, count), bytes(255 if dark else 0 for row in element.rows for dark in row))
            mask = mask.resize((count * module, count * module), Image.NEAREST)
            image.paste((0, 0, 0), (round(_px(element.x) + margin), round(_px(element.y) + margin)), mask=mask)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(DPI, DPI), compress_level=1)
    return buffer.getvalue()


def render_pdf(pages: Iterable[Iterable[Element]], fonts: CardFonts, title: str = "") -> bytes:
    from reportlab import rl_config
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    names = {"sans": "CardSans", "bold": "CardSansBold", "ocr_b": "CardOCRB"}
    for key, path in (("sans", fonts.sans), ("bold", fonts.sans_bold), ("ocr_b", fonts.ocr_b_truetype)):
        if names[key] not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(names[key], str(path)))
    rl_config.useA85 = 0  # binary streams: ASCII85 only makes the file bigger and slower to write
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(WIDTH_MM * mm, HEIGHT_MM * mm), invariant=1, pageCompression=1,
                        initialFontName=names["sans"])  # fmt: skip
    pdf.setTitle(title or "Căn cước công dân")
    pdf.setAuthor("cancuoc")

    def point(x: float, y: float) -> tuple[float, float]:
        return x * mm, (HEIGHT_MM - y) * mm

    def colour(rgb):
        return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255

    for page in pages:
        for element in page:
            if isinstance(element, Box):
                pdf.setFillColorRGB(*colour(element.fill))
                pdf.rect(*point(element.x, element.y + element.h), element.w * mm, element.h * mm, stroke=0, fill=1)
            elif isinstance(element, Circle):
                pdf.setFillColorRGB(*colour(element.fill))
                pdf.circle(*point(element.cx, element.cy), element.r * mm, stroke=0, fill=1)
            elif isinstance(element, Shape):
                path = pdf.beginPath()
                path.moveTo(*point(*element.points[0]))
                for px, py in element.points[1:]:
                    path.lineTo(*point(px, py))
                if element.closed:
                    path.close()
                    pdf.setFillColorRGB(*colour(element.color))
                    pdf.drawPath(path, stroke=0, fill=1)
                else:
                    pdf.setStrokeColorRGB(*colour(element.color))
                    pdf.setLineWidth(element.width * mm)
                    pdf.drawPath(path, stroke=1, fill=0)
            elif isinstance(element, Text):
                pdf.setFillColorRGB(*colour(element.color))
                pdf.setFont(names[element.font], element.size)
                draw = {"left": pdf.drawString, "centre": pdf.drawCentredString, "right": pdf.drawRightString}
                draw[element.align](*point(element.x, element.y), element.text)
            elif isinstance(element, Picture):
                pdf.drawImage(ImageReader(element.image), *point(element.x, element.y + element.h),
                              element.w * mm, element.h * mm)  # fmt: skip
            elif isinstance(element, QrCode):
                module = element.size / len(element.rows)
                pdf.setFillColorRGB(0, 0, 0)
                path = pdf.beginPath()
                for row_index, row in enumerate(element.rows):
                    for start, length in _dark_runs(row):  # one rectangle per run of dark modules
                        x0, y0 = element.x + start * module, element.y + (row_index + 1) * module
                        path.rect(*point(x0, y0), length * module * mm, module * mm)
                pdf.drawPath(path, stroke=0, fill=1)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _dark_runs(row: tuple[bool, ...]) -> list[tuple[int, int]]:
    runs, start = [], None
    for index, dark in enumerate((*row, False)):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs


def render_faces(data: FaceData, fonts: CardFonts, measure: Measure | None = None) -> dict[str, bytes]:
    """``front.png``, ``back.png`` (300 dpi) and ``card.pdf`` (one card-sized page per face)."""
    measure = measure or Measure(fonts)
    front, back = front_layout(data, measure), back_layout(data, measure)
    return {
        "front.png": render_png(front, fonts),
        "back.png": render_png(back, fonts),
        "card.pdf": render_pdf([front, back], fonts, title=f"Căn cước công dân {data.id_number}"),
    }
