import unicodedata
from datetime import date

import pytest

from cancuoc.forms import render_capture_sheet
from cancuoc.forms.data import Bilingual, FingerSlot
from cancuoc.forms.errors import FormError, FormErrorCode
from cancuoc.forms.versions import CIRCULAR_2024

from .helpers import CODE, NAME, jpeg, overflowing, pages, person, qr_texts, sheet, text, words


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_capture_sheet(sheet())


def test_the_sheet_carries_its_form_code_title_and_labels_in_both_languages(pdf):
    assert pdf.startswith(b"%PDF")
    content = words(pdf)
    for label in ("PHIẾU THU NHẬN THÔNG TIN CĂN CƯỚC", "Identity information capture sheet",
                  f"Mẫu CC01 — ban hành theo Thông tư {CIRCULAR_2024}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                  "Số định danh cá nhân", "Personal ID number", "Họ, chữ đệm và tên", "Nơi thường trú",
                  "Permanent residence", "Quê quán", "Dân tộc", "Tôn giáo", "Vân tay", "Fingerprints",
                  "CÁN BỘ THU NHẬN", "CÔNG DÂN", "(Ký, ghi rõ họ tên)"):  # fmt: skip
        assert label in content, label


def test_the_citizen_data_is_printed_with_diacritics_and_dates_as_dd_mm_yyyy(pdf):
    content = words(pdf)
    for value in (NAME, "042190012345", "183456789", "15/03/1990", "Nữ / Female", "Nguyễn Văn Đức",
                  "Trần Thị Hoà", "Lê Quang Vũ", "Cấp đổi thẻ căn cước", "Đủ tuổi đổi thẻ (25 tuổi)",
                  "01/12/2026 09:30", "Lê Văn Hùng", "Công an phường Bắc Hà", "CÔNG AN TỈNH HÀ TĨNH", CODE):  # fmt: skip
        assert value in content, value
    assert "1990-03-15" not in content


def test_the_qr_code_decodes_to_the_application_code(pdf):
    assert qr_texts(pdf) == [CODE]


def test_the_portrait_is_embedded_and_a_typical_sheet_fits_one_page(pdf):
    [page] = pages(pdf)
    sizes = sorted(image.image.size for image in page.images)
    assert (300, 400) in sizes
    assert overflowing(pdf) == []


def test_a_missing_portrait_leaves_the_box_with_a_note():
    pdf = render_capture_sheet(sheet(portrait_jpeg=None))
    assert "Chưa có ảnh chân dung No portrait captured" in words(pdf)
    assert [
        image.image.size for page in pages(pdf) for image in page.images if image.image.size == (300, 400)
    ] == []
    assert qr_texts(pdf) == [CODE]


@pytest.mark.parametrize("portrait", [b"not a jpeg", jpeg()[:200]], ids=["garbage", "truncated"])
def test_an_unreadable_portrait_is_refused_not_printed_blank(portrait):
    with pytest.raises(FormError) as refused:
        render_capture_sheet(sheet(portrait_jpeg=portrait))
    assert refused.value.code == FormErrorCode.PORTRAIT_UNREADABLE


def test_a_png_portrait_is_refused():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (30, 40)).save(buffer, "PNG")
    with pytest.raises(FormError):
        render_capture_sheet(sheet(portrait_jpeg=buffer.getvalue()))


def test_each_finger_shows_its_quality_or_exception_and_no_print_image(pdf):
    content = words(pdf)
    assert "1. Ngón cái phải / Right thumb" in content and "10. Ngón út trái / Left little" in content
    for position in range(1, 10):
        assert f"Chất lượng / quality: {40 + position}" in content
    assert "Ngoại lệ: Ngón tay bị mất (cụt)" in content and "Exception: Finger missing (amputated)" in content
    assert "không in trên phiếu" in content
    # the portrait and the QR code are the only pictures: no fingerprint images on paper
    assert len(pages(pdf)[0].images) == 2


def test_fingers_not_given_read_not_captured_and_a_waiver_reads_waived():
    partial = words(render_capture_sheet(sheet(fingers=(FingerSlot(2, quality=77),))))
    assert "Chất lượng / quality: 77" in partial and partial.count("Chưa lấy / not captured") == 9
    child = person(birth_date=date(2022, 5, 1))
    waived = words(render_capture_sheet(sheet(person=child, fingers=(),
                                              fingerprints_waived=Bilingual("Dưới 6 tuổi", "Under 6"))))  # fmt: skip
    assert "Không lấy vân tay: Dưới 6 tuổi" in waived and waived.count("Miễn lấy / waived") == 10


@pytest.mark.parametrize(("fingers", "code"), [
    ((FingerSlot(11, quality=50),), FormErrorCode.FINGER_POSITION_INVALID),
    ((FingerSlot(0, quality=50),), FormErrorCode.FINGER_POSITION_INVALID),
    ((FingerSlot(3, quality=50), FingerSlot(3, quality=60)), FormErrorCode.FINGER_REPEATED),
])  # fmt: skip
def test_bad_finger_slots_are_refused(fingers, code):
    with pytest.raises(FormError) as refused:
        render_capture_sheet(sheet(fingers=fingers))
    assert refused.value.code == code
    assert refused.value.message_vi and refused.value.message_en


def test_without_an_application_code_nothing_is_printed():
    with pytest.raises(FormError) as refused:
        render_capture_sheet(sheet(application_code="  "))
    assert refused.value.code == FormErrorCode.APPLICATION_CODE_MISSING
    assert "CC01" in refused.value.message_vi


def test_a_300_character_address_wraps_whole_inside_the_margins():
    address = (
        "Thôn Khe Giao 2, xã Sơn Kim 1, huyện Hương Sơn, tỉnh Hà Tĩnh, gần trạm kiểm soát biên phòng "
        "cửa khẩu quốc tế Cầu Treo, đối diện trường tiểu học Sơn Kim, "
    ) * 2
    address = address[:300]
    assert len(address) == 300
    pdf = render_capture_sheet(sheet(person=person(permanent_residence=address, temporary_residence=address)))
    assert words(pdf).count(" ".join(address.split())) == 2
    assert overflowing(pdf) == []


def test_a_value_without_spaces_is_split_not_clipped():
    unbroken = "Đ" + "ư" * 180 + "Z"
    pdf = render_capture_sheet(sheet(person=person(place_of_origin=unbroken)))
    assert unbroken in "".join(text(pdf).split())
    assert overflowing(pdf) == []


def test_very_long_data_continues_on_a_second_page_with_the_code_in_the_footer():
    address = "Số nhà 1, đường Lê Lợi, phường Bắc Hà, thành phố Hà Tĩnh, tỉnh Hà Tĩnh; " * 12
    pdf = render_capture_sheet(sheet(person=person(permanent_residence=address, temporary_residence=address)))
    sheets = pages(pdf)
    assert len(sheets) == 2
    for number, page in enumerate(sheets, start=1):
        assert (
            f"CC01 (2024) · {CODE}" in page.extract_text() and f"Trang / Page {number}" in page.extract_text()
        )
    assert overflowing(pdf) == []


def test_decomposed_input_is_printed_composed():
    decomposed = unicodedata.normalize("NFD", NAME)
    assert decomposed != NAME
    content = text(render_capture_sheet(sheet(person=person(full_name=decomposed))))
    assert NAME in content and decomposed not in content


def test_a_birth_year_only_record_prints_the_year_alone():
    content = words(
        render_capture_sheet(sheet(person=person(birth_date=date(1950, 1, 1), birth_year_only=True)))
    )
    assert "1950 (chỉ có năm sinh / year only)" in content and "01/01/1950" not in content


def test_markup_characters_in_data_are_printed_as_typed():
    content = words(render_capture_sheet(sheet(person=person(other_names="Tí <Tèo> & Bé"))))
    assert "Tí <Tèo> & Bé" in content
