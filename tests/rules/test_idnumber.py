from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.rules import idnumber


@pytest.mark.parametrize(
    "value", ["00109001234", "0010900123456", "00109001234a", " 001090012345", "", "００１０９００１２３４５"]
)
def test_validate_rejects_anything_but_twelve_ascii_digits(value):
    with pytest.raises(idnumber.InvalidIdNumber):
        idnumber.validate(value)


def test_decode_reads_province_century_sex_and_year():
    decoded = idnumber.decode("001090012345")
    assert decoded.place_name == "Thành phố Hà Nội"
    assert (decoded.century, decoded.sex, decoded.birth_year) == (1900, "M", 1990)
    woman_2000s = idnumber.decode("079305000001")
    assert (woman_2000s.place_name, woman_2000s.sex, woman_2000s.birth_year) == (
        "Thành phố Hồ Chí Minh",
        "F",
        2005,
    )


def test_decode_uses_pre_2025_codes_even_after_the_merger():
    # New code 44 is Quảng Trị; an ID prefix 044 still means the old Quảng Bình.
    assert idnumber.decode("044190000001").place_name == "Tỉnh Quảng Bình"


def test_decode_recognises_births_registered_abroad_and_unknown_prefixes():
    assert idnumber.decode("101090000001").born_abroad
    unknown = idnumber.decode("003090000001")
    assert unknown.place_name is None
    assert [c.code for c in idnumber.contradictions("003090000001", birth_date=None, sex=None)] == [
        "id_place_unknown"
    ]


def test_contradictions_are_warnings_for_each_disagreeing_fact():
    found = idnumber.contradictions(
        "001090012345", birth_date=date(1991, 1, 1), sex="F", birth_province_code="79"
    )
    assert {c.code for c in found} == {"id_birth_year_mismatch", "id_sex_mismatch", "id_province_mismatch"}
    assert all(c.message_vi and c.message_en for c in found)
    assert (
        idnumber.contradictions(
            "001090012345", birth_date=date(1990, 3, 15), sex="M", birth_province_code="1"
        )
        == []
    )


def test_prefix_refuses_unknown_places_and_years_outside_the_encoding():
    with pytest.raises(ValueError):
        idnumber.prefix_for("003", 1990, "M")
    with pytest.raises(ValueError):
        idnumber.prefix_for("001", 1899, "M")
    with pytest.raises(ValueError):
        idnumber.prefix_for("001", 1990, "X")


@given(
    place=st.sampled_from(sorted(idnumber.PROVINCES_PRE_2025)),
    year=st.integers(1900, 2299),
    sex=st.sampled_from(["M", "F"]),
)
def test_a_new_number_decodes_to_what_it_was_made_from(place, year, sex):
    number = idnumber.candidate_number(idnumber.prefix_for(place, year, sex))
    decoded = idnumber.decode(number)
    assert (decoded.place_code, decoded.birth_year, decoded.sex) == (place, year, sex)


def test_candidates_come_from_a_random_source():
    prefix = idnumber.prefix_for("001", 1990, "M")
    assert len({idnumber.candidate_number(prefix) for _ in range(200)}) > 190
