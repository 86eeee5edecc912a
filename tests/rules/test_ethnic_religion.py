"""The official lists of ethnic groups and religions (issue 8 §1): pure, no database."""

import pytest

from cancuoc.rules import ethnic_religion
from cancuoc.rules.ethnic_religion import NotListed, read_ethnicity, read_religion


def test_the_lists_have_54_groups_and_16_religions_without_two_names_folding_alike():
    assert len(ethnic_religion.ETHNIC_GROUPS) == 54 and len(ethnic_religion.RELIGIONS) == 16
    assert len({ethnic_religion._key(name) for name in ethnic_religion.ETHNIC_GROUPS}) == 54
    assert len({ethnic_religion._key(name) for name in ethnic_religion.RELIGIONS}) == 16


@pytest.mark.parametrize(("typed", "stored"), [
    ("Kinh", "Kinh"), ("kinh", "Kinh"), ("Tay", "Tày"), ("H'Mông", "Mông"), ("HMông", "Mông"), ("Khơ-me", "Khmer"),
    ("e de", "Ê Đê"), ("Ê-đê", "Ê Đê"), ("xo dang", "Xơ Đăng"), ("Ra-glai", "Raglai"), ("bru van kieu", "Bru Vân Kiều"),
    ("Khác: Pa Cô", "Khác: Pa Cô"), ("khac:   Pa  Cô", "Khác: Pa Cô"),
])  # fmt: skip
def test_ethnicity_variants_and_unaccented_input_are_stored_in_the_official_spelling(typed, stored):
    assert read_ethnicity(typed) == stored


@pytest.mark.parametrize(("typed", "stored"), [
    ("Tin Lành", "Tin lành"), ("cong giao", "Công giáo"), ("Thiên Chúa giáo", "Công giáo"), ("khong", "Không"),
    ("Phat giao Hoa Hao", "Phật giáo Hòa Hảo"), ("Mặc Môn", "Các Thánh hữu Ngày sau của Chúa Giê-su Ki-tô"),
    ("Khác: Đạo Ông Trần", "Khác: Đạo Ông Trần"),
])  # fmt: skip
def test_religion_variants_are_stored_by_their_official_name(typed, stored):
    assert read_religion(typed) == stored


@pytest.mark.parametrize("typed", ["😀😀", "Kinh2", "Việt Nam", "Khác:", "Khác: 😀", "Khác: 123", "Hồi"])
def test_values_outside_the_lists_without_the_prefix_are_refused(typed):
    with pytest.raises(NotListed):
        read_ethnicity(typed)
    with pytest.raises(NotListed):
        read_religion(typed)


def test_only_prefixed_values_are_outside_the_lists():
    assert ethnic_religion.is_outside_lists("Khác: Pa Cô")
    assert not ethnic_religion.is_outside_lists("Kinh") and not ethnic_religion.is_outside_lists("")
