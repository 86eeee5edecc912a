"""Card faces: size and resolution, the QR a scanner reads, the PDF's text and fonts, the MRZ pitch,
and long Vietnamese text kept inside the card."""

import datetime as dt
import io

import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from cancuoc.icao import faces, fonts, qr
from cancuoc.icao.personalisation import Holder, personalise
from cancuoc.icao.portrait import placeholder_portrait

HOLDER = Holder(
    "001090012345", "Nguyễn", "Thị Ngọc", "Hường", dt.date(1990, 3, 15), "F", ethnicity="Kinh",
    place_of_origin="Xã Thụy Trường, Huyện Thái Thụy, Tỉnh Thái Bình",
    place_of_residence="Số 12 ngõ 34 phố Nguyễn Trãi, Phường Thanh Xuân Trung, Quận Thanh Xuân, Thành phố Hà Nội",
    identifying_marks="Nốt ruồi C: 1cm trên trước mép phải",
)  # fmt: skip
PORTRAIT = placeholder_portrait("F")


@pytest.fixture(scope="session")
def card_fonts(tmp_path_factory):
    try:
        return fonts.find_card_fonts(tmp_path_factory.mktemp("fonts"))
    except fonts.FontsMissing as missing:  # CI installs them (scripts/ensure-system-packages.sh)
        pytest.fail(str(missing))


@pytest.fixture(scope="session")
def measure(card_fonts):
    return faces.Measure(card_fonts)


def make_card(national_pki, holder=HOLDER, issue_date=dt.date(2026, 11, 23)):
    _csca_signer, _csca, ds_signer, ds = national_pki
    return personalise(holder, issue_date=issue_date, portrait=PORTRAIT, ds_signer=ds_signer,
                       ds_certificate_der=ds.public_bytes(serialization.Encoding.DER))  # fmt: skip


@pytest.fixture(scope="module")
def rendered(national_pki, card_fonts):
    card = make_card(national_pki)
    return card, faces.render_faces(faces.face_data(HOLDER, card, PORTRAIT.data), card_fonts)


def test_png_faces_are_id1_size_at_300_dpi(rendered):
    _card, files = rendered
    for name in ("front.png", "back.png"):
        image = Image.open(io.BytesIO(files[name]))
        assert image.size == (1011, 638)  # 85.6 × 53.98 mm at 300 dpi
        assert tuple(round(value) for value in image.info["dpi"]) == (300, 300)


def test_the_portrait_is_printed_in_the_photo_box(rendered):
    _card, files = rendered
    front = Image.open(io.BytesIO(files["front.png"])).convert("RGB")
    portrait = Image.open(io.BytesIO(PORTRAIT.data)).convert("RGB")
    # The head of the placeholder silhouette sits at the centre of the 20 × 30 mm box (x 3.5 mm, y 18.2 mm).
    head = front.getpixel((round((3.5 + 10) * faces.PX_PER_MM), round((18.2 + 10) * faces.PX_PER_MM)))
    expected = portrait.getpixel((portrait.width // 2, 195))
    assert all(abs(a - b) <= 12 for a, b in zip(head, expected, strict=True)), (head, expected)


def test_the_printed_qr_code_scans_back_to_the_card_payload(rendered):
    card, files = rendered
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(files["front.png"])))
    assert [code.text for code in found] == [card.qr_payload]
    data = qr.parse(found[0].text)
    assert (data.id_number, data.full_name, data.birth_date) == ("001090012345", "Nguyễn Thị Ngọc Hường",
                                                                  dt.date(1990, 3, 15))  # fmt: skip


def test_pdf_has_two_card_sized_pages_with_vietnamese_text_mrz_and_embedded_fonts(rendered):
    card, files = rendered
    reader = PdfReader(io.BytesIO(files["card.pdf"]))
    assert len(reader.pages) == 2
    for page in reader.pages:
        assert round(float(page.mediabox.width) / 72 * 25.4, 2) == 85.6
        assert round(float(page.mediabox.height) / 72 * 25.4, 2) == 53.98
    front, back = (page.extract_text() for page in reader.pages)
    for text in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "CĂN CƯỚC CÔNG DÂN", "Họ và tên / Full name",
                 "NGUYỄN THỊ NGỌC HƯỜNG", "15/03/1990", "Quê quán / Place of origin", "Nữ", "15/03/2030"):  # fmt: skip
        assert text in front
    assert "Ngày, tháng, năm / Date, month, year:" in back and "23/11/2026" in back
    for line in card.mrz_lines:
        assert line in back.replace(" ", "")
    fonts_used = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # embedded, not referenced
            fonts_used.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert {"DejaVuSans", "DejaVuSans-Bold", "OCRB-Regular"} <= fonts_used


def test_mrz_is_set_in_ocr_b_at_ten_characters_per_inch(national_pki, measure):
    card = make_card(national_pki)
    layout = faces.back_layout(faces.face_data(HOLDER, card, PORTRAIT.data), measure)
    mrz = [element for element in layout if isinstance(element, faces.Text) and element.font == "ocr_b"]
    assert [element.text for element in mrz] == list(card.mrz_lines)
    for element in mrz:
        assert measure.width(element.text, "ocr_b", element.size) == pytest.approx(30 * 2.54, abs=0.01)
        assert 0 < element.x and element.x + 30 * 2.54 < faces.WIDTH_MM


def test_a_card_without_expiry_says_so(national_pki, measure):
    elderly = Holder("001950012345", "Trần", "Văn", "Bảy", dt.date(1950, 1, 1), "M", place_of_residence="Hà Nội")
    card = make_card(national_pki, elderly)
    assert card.expiry is None
    texts = [e.text for e in faces.front_layout(faces.face_data(elderly, card, PORTRAIT.data), measure)
             if isinstance(e, faces.Text)]  # fmt: skip
    assert "Không thời hạn" in texts


def test_the_truetype_copy_of_ocr_b_keeps_every_advance_width(card_fonts):
    from fontTools.ttLib import TTFont

    original, converted = TTFont(str(card_fonts.ocr_b)), TTFont(str(card_fonts.ocr_b_truetype))
    assert "glyf" in converted and "CFF " not in converted
    cmap = original.getBestCmap()
    for character in "IDVNM<0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        glyph = cmap[ord(character)]
        assert converted["hmtx"][glyph] == original["hmtx"][glyph]
        assert converted["glyf"][glyph].numberOfContours > 0  # the outline came across


def test_missing_fonts_are_named_in_both_languages(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "SEARCH_DIRS", (tmp_path,))
    with pytest.raises(fonts.FontsMissing) as missing:
        fonts.find_card_fonts(tmp_path / "cache")
    assert "Thiếu phông chữ OCRB.otf" in str(missing.value) and "is not installed" in str(missing.value)


vietnamese_words = st.lists(
    st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ",
            min_size=1, max_size=9),
    min_size=1, max_size=40,
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name_words=vietnamese_words.map(lambda w: w[:6]), residence_words=vietnamese_words,
       marks_words=vietnamese_words)  # fmt: skip
def test_long_vietnamese_text_stays_inside_the_card_or_is_refused(national_pki, measure, name_words, residence_words,
                                                                  marks_words):  # fmt: skip
    holder = Holder("001090012345", name_words[0].title(), " ".join(name_words[1:-1]).title(), name_words[-1].title(),
                    dt.date(1990, 3, 15), "M", place_of_origin=" ".join(residence_words[:12]),
                    place_of_residence=" ".join(residence_words), identifying_marks=" ".join(marks_words))  # fmt: skip
    card = make_card(national_pki, holder)
    data = faces.face_data(holder, card, PORTRAIT.data)
    try:
        layouts = faces.front_layout(data, measure), faces.back_layout(data, measure)
    except faces.TextTooLong as too_long:
        # Refused only for text far beyond real addresses (~100 characters), never silently cut.
        assert len(getattr(holder, too_long.field_name, holder.full_name)) > 200
        assert "quá dài" in str(too_long) and "too long" in str(too_long)
        return
    printed = " ".join(e.text for layout in layouts for e in layout if isinstance(e, faces.Text))
    for word in (*residence_words, *marks_words):
        assert word in printed  # nothing dropped
    for layout in layouts:
        for element in layout:
            if isinstance(element, faces.Text):
                width = measure.width(element.text, element.font, element.size)
                left = {"left": element.x, "centre": element.x - width / 2, "right": element.x - width}[element.align]
                assert left >= 0.5 and left + width <= faces.WIDTH_MM - 0.5, element
                assert element.size >= faces.SMALLEST_PT
                assert element.y + 0.25 * element.size * 25.4 / 72 <= faces.HEIGHT_MM - 0.3, element


def test_an_address_of_two_hundred_characters_still_prints_in_full(national_pki, measure):
    residence = ("Tổ dân phố số 17, khu phố Đông Thịnh, số 1234/56/78 đường Nguyễn Văn Linh nối dài, "
                 "Phường Thanh Xuân Trung, Quận Thanh Xuân, Thành phố Hà Nội, gần chợ Thanh Xuân Bắc cũ")  # fmt: skip
    holder = Holder("001090012345", "Tôn Nữ", "Hoàng Thị Phương", "Quỳnh Trang", dt.date(1990, 3, 15), "F",
                    place_of_residence=residence)  # fmt: skip
    card = make_card(national_pki, holder)
    layout = faces.front_layout(faces.face_data(holder, card, PORTRAIT.data), measure)
    residence_lines = [e for e in layout if isinstance(e, faces.Text) and e.y > 46.7 and e.x > 25]
    assert " ".join(e.text for e in residence_lines) == residence
    assert len(residence_lines) >= 3 and all(e.x + measure.width(e.text, e.font, e.size) <= 84.0
                                             for e in residence_lines)  # fmt: skip


def test_a_wrapped_address_does_not_end_with_a_lone_word(measure):
    lines = measure.wrap("Số 55, Lê Lợi, Phường Cầu Giấy, Thành phố Hà Nội", "bold", 5.8, 57.5)
    assert len(lines) == 2 and lines[-1].count(" ") >= 1, lines
    assert " ".join(lines) == "Số 55, Lê Lợi, Phường Cầu Giấy, Thành phố Hà Nội"


def test_an_absurdly_long_address_is_refused_not_cut(national_pki, measure):
    holder = Holder("001090012345", "Lê", "", "An", dt.date(1990, 3, 15), "M", place_of_residence="Thôn Một " * 80)
    card = make_card(national_pki, holder)
    with pytest.raises(faces.TextTooLong, match="Nơi thường trú quá dài"):
        faces.front_layout(faces.face_data(holder, card, PORTRAIT.data), measure)
