from datetime import date

import pytest

from cancuoc.forms import render_appointment_slip
from cancuoc.forms.data import ApplicationKind, Bilingual, Station
from cancuoc.forms.errors import FormError, FormErrorCode
from cancuoc.forms.versions import CIRCULAR_2024
from cancuoc.rules.workdays import add_working_days

from .helpers import CODE, NAME, overflowing, pages, qr_texts, slip, words


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_appointment_slip(slip())


def test_the_slip_names_its_form_and_carries_the_labels_in_both_languages(pdf):
    content = words(pdf)
    for label in ("GIẤY HẸN TRẢ KẾT QUẢ", f"Mẫu CC02 — ban hành theo Thông tư {CIRCULAR_2024}", "Mã hồ sơ",
                  "Application code", "Ngày hẹn trả kết quả", "Return date", "Nơi trả kết quả", "Place of return",
                  "Tra cứu trực tuyến", "CÁN BỘ TIẾP NHẬN"):  # fmt: skip
        assert label in content, label


def test_the_slip_prints_who_what_when_and_where(pdf):
    content = words(pdf)
    for value in (NAME, "042190012345", CODE, "Cấp thẻ căn cước lần đầu", "First issue of an identity card",
                  "01/12/2026", "10/12/2026", "Công an phường Bắc Hà, Số 1 Hà Huy Tập", "https://dichvucong.bocongan.gov.vn",
                  "Lê Văn Hùng"):  # fmt: skip
        assert value in content, value
    assert len(pages(pdf)) == 1 and overflowing(pdf) == []


def test_the_qr_code_decodes_to_the_application_code(pdf):
    assert qr_texts(pdf) == [CODE]


def test_the_return_date_from_the_working_day_calendar_is_printed_as_given():
    captured = date(2026, 2, 12)  # Thursday before Tết Bính Ngọ
    returned = add_working_days(captured, 7)
    content = words(render_appointment_slip(slip(captured_on=captured, return_on=returned,
                                                 kind=ApplicationKind.REISSUE)))  # fmt: skip
    assert "12/02/2026" in content and "02/03/2026" in content and "Cấp lại thẻ căn cước" in content


def test_without_a_status_address_the_hint_alone_is_printed():
    content = words(
        render_appointment_slip(slip(status_url="", status_hint=Bilingual("Gọi 069 2345 678", "Call")))
    )
    assert "Gọi 069 2345 678" in content and "https://" not in content


def test_a_long_place_of_return_wraps_inside_the_margins():
    place = Station(
        "Đội Cảnh sát quản lý hành chính về trật tự xã hội, Công an huyện Hương Sơn", "Thôn 1, " * 40
    )
    pdf = render_appointment_slip(slip(return_place=place))
    assert " ".join(("Thôn 1, " * 40).split()) in words(pdf)
    assert overflowing(pdf) == []


def test_without_an_application_code_nothing_is_printed():
    with pytest.raises(FormError) as refused:
        render_appointment_slip(slip(application_code=""))
    assert refused.value.code == FormErrorCode.APPLICATION_CODE_MISSING and "CC02" in refused.value.message_en
