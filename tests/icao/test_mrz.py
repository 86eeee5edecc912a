from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.icao import mrz

DOMAIN_EXAMPLE = (
    "IDVNM0900123450001090012345<<1",
    "9003152M3003150VNM<<<<<<<<<<<2",
    "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<",
)
ICAO_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


def test_reproduces_the_vietnamese_example_exactly():
    data = mrz.MrzData("001090012345", "Nguyễn", "Văn An", date(1990, 3, 15), "M", date(2030, 3, 15))
    assert mrz.encode(data) == DOMAIN_EXAMPLE
    parsed = mrz.parse(DOMAIN_EXAMPLE)
    assert parsed.ok and parsed.id_number == "001090012345"
    assert (parsed.primary_identifier, parsed.secondary_identifier) == ("NGUYEN", "VAN AN")


def test_the_icao_specimen_checks_out():
    parsed = mrz.parse(ICAO_SPECIMEN)
    assert parsed.ok, parsed.problems
    assert (parsed.document_number, parsed.sex, parsed.nationality) == ("D23145890", "F", "UTO")
    assert parsed.birth_date(date(2026, 1, 1)) == date(1974, 8, 12) and parsed.expiry() == date(2012, 4, 15)


@pytest.mark.parametrize(
    ("line", "position", "field"),
    [
        (0, 14, "document_number"),
        (0, 29, "id_number"),
        (1, 6, "birth_date"),
        (1, 14, "expiry"),
        (1, 29, "composite"),
    ],
)
def test_a_wrong_check_digit_names_its_field(line, position, field):
    lines = list(DOMAIN_EXAMPLE)
    digit = lines[line][position]
    lines[line] = lines[line][:position] + str((int(digit) + 1) % 10) + lines[line][position + 1 :]
    problems = {p.field for p in mrz.parse(lines).problems}
    assert field in problems


def test_no_expiry_and_malformed_input():
    data = mrz.MrzData("001060012345", "Trần", "Thị Bình", date(1960, 1, 2), "F", None)
    lines = mrz.encode(data)
    assert lines[1][8:15] == "<<<<<<0"
    assert mrz.parse(lines).ok and mrz.parse(lines).expiry() is None
    assert not mrz.parse("garbage").ok
    assert not mrz.parse(["x" * 30] * 3).ok
    with pytest.raises(mrz.MrzError):
        mrz.encode(mrz.MrzData("12345", "A", "B", date(1990, 1, 1), "M", None))


def test_names_are_transliterated_and_truncated_at_the_end():
    assert mrz.transliterate("Đặng Thị Thu-Hà") == "DANG<THI<THU<HA"
    long = mrz.name_field("Tôn Nữ Hoàng", "Thị Ngọc Phương Khánh Linh")
    assert len(long) == 30 and long.startswith("TON<NU<HOANG<<THI<NGOC<PHUONG")


names = st.lists(
    st.sampled_from(["Nguyễn", "Văn", "Thị", "Đức", "Hòa", "Thúy", "Phương", "Ngọc", "Lê"]),
    min_size=1,
    max_size=4,
)


@given(
    number=st.from_regex(r"\A[0-9]{12}\Z"), family=names, given_names=names,
    birth=st.dates(date(1930, 1, 1), date(2025, 12, 31)), sex=st.sampled_from(["M", "F"]),
    expiry=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2099, 12, 31))),
)  # fmt: skip
def test_decode_of_encode_gives_back_the_data(number, family, given_names, birth, sex, expiry):
    data = mrz.MrzData(number, " ".join(family), " ".join(given_names), birth, sex, expiry)
    parsed = mrz.parse(mrz.encode(data))
    assert parsed.ok, parsed.problems
    assert parsed.id_number == number and parsed.sex == sex
    assert parsed.birth_date(date(2026, 1, 1)) == birth
    assert parsed.expiry() == expiry
    expected = mrz.name_field(data.family_name, data.given_names).rstrip("<").split("<<", 1)
    assert parsed.primary_identifier == expected[0].replace("<", " ")
