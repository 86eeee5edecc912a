import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.rules.text import fold, normalize_name, sorted_tokens_key, split_full_name


def test_fold_removes_tones_marks_and_folds_d_with_stroke():
    assert fold("Thái Thụy") == "thai thuy"
    assert fold("ĐẶNG Đức") == "dang duc"
    assert fold("Bà Rịa - Vũng Tàu") == "ba ria vung tau"


def test_nfd_input_is_stored_as_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hương")
    assert nfd != "Nguyễn Thị Hương"
    assert normalize_name(nfd) == "Nguyễn Thị Hương"


@pytest.mark.parametrize(
    ("new_style", "traditional"),
    [
        ("Hoà", "Hòa"),
        ("Thuý", "Thúy"),
        ("Khoẻ", "Khỏe"),
        ("hoá", "hóa"),
        ("Nguyễn Thị Thuý Hoà", "Nguyễn Thị Thúy Hòa"),
    ],
)
def test_both_tone_placements_store_the_same(new_style, traditional):
    assert normalize_name(new_style) == normalize_name(traditional) == traditional


@pytest.mark.parametrize("word", ["Hoàng", "Quý", "Thuyết", "Huỳnh", "Quỳnh", "Toàn", "Khuê"])
def test_syllables_that_do_not_swing_are_untouched(word):
    assert normalize_name(word) == word


def test_order_insensitive_key():
    assert sorted_tokens_key("Văn An Nguyễn") == sorted_tokens_key("Nguyễn Văn An")


def test_split_full_name():
    assert split_full_name(" nguyễn  văn   an ") == ("nguyễn", "văn", "an")
    assert split_full_name("Nguyễn Thị Minh Khai") == ("Nguyễn", "Thị Minh", "Khai")
    assert split_full_name("An") == ("", "", "An")


vietnamese = st.text(
    alphabet="aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐbcdghklmnpqrstvx àáảãạằắẳẵặèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ", max_size=40
)


@given(vietnamese)
def test_normalisation_is_idempotent(text):
    assert normalize_name(normalize_name(text)) == normalize_name(text)
    assert fold(fold(text)) == fold(text)


@given(vietnamese)
def test_fold_does_not_depend_on_normal_form_or_tone_placement(text):
    assert fold(unicodedata.normalize("NFD", text)) == fold(text) == fold(normalize_name(text))


def test_reason_problem_is_one_rule_for_every_domain():
    from cancuoc.rules.text import reason_problem

    assert reason_problem("  Sai ngày sinh ") == ("Sai ngày sinh", None)
    assert reason_problem("Hoa\u0300") == ("Hoà", None)  # stored in NFC
    assert reason_problem("")[1] == reason_problem("   ")[1] == reason_problem(None)[1] == "required"
    assert reason_problem(42)[1] == "required"
    assert reason_problem("", required=False) == ("", None)
    assert reason_problem("x" * 301)[1] == "invalid" and reason_problem("x" * 300)[1] is None
    for hidden in ("a\x00b", "lý\u202edo", "zero\u200bwidth", "\ud800"):
        assert reason_problem(hidden)[1] == "invalid", repr(hidden)
