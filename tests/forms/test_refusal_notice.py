import pytest

from cancuoc.forms import render_refusal_notice
from cancuoc.forms.data import DEFAULT_LEGAL_BASIS, Bilingual
from cancuoc.forms.errors import FormError, FormErrorCode
from cancuoc.forms.versions import CIRCULAR_2024

from .helpers import CODE, NAME, notice, overflowing, pages, qr_texts, words


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_refusal_notice(notice())


def test_the_notice_names_its_form_and_its_sections_in_both_languages(pdf):
    content = words(pdf)
    for label in ("THÔNG BÁO TỪ CHỐI", f"Mẫu CC03 — ban hành theo Thông tư {CIRCULAR_2024}", "Kính gửi",
                  "Yêu cầu của công dân", "What was requested", "Lý do từ chối", "Reasons for refusal",
                  "Căn cứ pháp lý", "Legal basis", "THỦ TRƯỞNG ĐƠN VỊ", "Head of the issuing unit"):  # fmt: skip
        assert label in content, label


def test_who_what_why_when_and_by_whom(pdf):
    content = words(pdf)
    for value in (NAME, "042190012345", "15/03/1990", "Cấp đổi thẻ căn cước", "Replacement of an identity card",
                  "1. Thông tin không khớp với Cơ sở dữ liệu quốc gia về dân cư",
                  "The data does not match the national population database",
                  "2. Chưa đủ giấy tờ chứng minh thay đổi họ tên", "No document proving the change of name",
                  "Hà Tĩnh, ngày 02 tháng 12 năm 2026", "(02/12/2026)", "01/12/2026", "Số: 15/TB-PC06",
                  "CÔNG AN TỈNH HÀ TĨNH", "Phạm Minh Tuấn", CODE):  # fmt: skip
        assert value in content, value
    assert " ".join(DEFAULT_LEGAL_BASIS.split()) in content
    assert len(pages(pdf)) == 1 and overflowing(pdf) == []


def test_the_qr_code_is_printed_only_with_an_application_code(pdf):
    assert qr_texts(pdf) == [CODE]
    without = render_refusal_notice(notice(application_code=""))
    assert qr_texts(without) == [] and "Mã hồ sơ" not in words(without)


def test_the_legal_basis_is_configurable():
    basis = "Điều 26 Luật Căn cước 2023 (văn bản thử nghiệm)"
    content = words(render_refusal_notice(notice(legal_basis=basis)))
    assert basis in content and "70/2024/NĐ-CP" not in content


def test_a_notice_without_a_reason_is_refused():
    for reasons in ((), (Bilingual("  ", "blank"),)):
        with pytest.raises(FormError) as refused:
            render_refusal_notice(notice(reasons=reasons))
        assert refused.value.code == FormErrorCode.NO_REASON


def test_many_long_reasons_continue_on_the_next_page_inside_the_margins():
    reasons = tuple(
        Bilingual(f"Lý do số {i}: " + "giấy tờ kèm theo không hợp lệ, " * 8, f"Reason {i}") for i in range(12)
    )
    pdf = render_refusal_notice(notice(reasons=reasons))
    assert len(pages(pdf)) >= 2
    assert "Lý do số 11" in words(pdf) and "Phạm Minh Tuấn" in words(pdf)
    assert overflowing(pdf) == []
