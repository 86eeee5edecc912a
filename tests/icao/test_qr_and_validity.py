from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.icao import qr, validity


def test_qr_build_and_parse():
    data = qr.QrData("001090012345", "012345678", "Nguyễn Văn An", date(1990, 3, 15), "M",
                     "Số 5, Phường Ba Đình, Thành phố Hà Nội", date(2026, 11, 1))  # fmt: skip
    payload = qr.build(data)
    assert (
        payload
        == "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 5, Phường Ba Đình, Thành phố Hà Nội|01112026"
    )
    assert qr.parse(payload) == data
    assert qr.parse(payload.encode("utf-8")) == data


def test_qr_tolerates_the_2024_cards_extra_fields():
    payload = "001090012345||Lê Thị Hòa|01011990|Nữ|Hà Nội|01072024|extra1|extra2"
    parsed = qr.parse(payload)
    assert parsed.extra == ("extra1", "extra2") and parsed.sex == "F" and parsed.old_id_number == ""


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ("001090012345|a|b", "at least 7 fields"),
        ("00109001234|||01011990|Nam|x|01012024", "id_number"),
        ("001090012345|12|An|01011990|Nam|x|01012024", "old_id_number"),
        ("001090012345||An|32011990|Nam|x|01012024", "birth_date"),
        ("001090012345||An|01011990|X|x|01012024", "sex"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_qr_malformed_payloads_say_what_is_wrong(payload, needle):
    with pytest.raises(qr.QrError, match=needle):
        qr.parse(payload)


@pytest.mark.parametrize(
    ("age_at_issue", "expires_at_age"),
    [(20, 25), (24, 40), (39, 60), (59, None), (58, None), (10, 14), (13, 25), (22, 25), (23, 40), (45, 60)],
)
def test_expiry_follows_renewal_ages_and_the_two_year_window(age_at_issue, expires_at_age):
    # Issued on 1 September 2025, a few months after the birthday that made the holder that age.
    birth = date(2025 - age_at_issue, 6, 15)
    issued = date(2025, 9, 1)
    expected = None if expires_at_age is None else date(birth.year + expires_at_age, 6, 15)
    assert validity.expiry_date(birth, issued) == expected


def test_the_2014_law_had_no_renewal_at_14():
    birth = date(2008, 5, 1)
    assert validity.expiry_date(birth, date(2022, 6, 1)) == date(2033, 5, 1)  # 2014 law: next is 25
    assert validity.expiry_date(birth, date(2024, 7, 1)) == date(2033, 5, 1)  # at 16: 2023 law, 25 as well
    assert validity.expiry_date(date(2014, 5, 1), date(2024, 8, 1)) == date(2028, 5, 1)  # at 10: renew at 14


def test_leap_day_birthdays_expire_on_28_february():
    assert validity.expiry_date(date(2004, 2, 29), date(2026, 1, 10)) == date(2029, 2, 28)


@given(birth=st.dates(date(1925, 1, 1), date(2024, 6, 1)), days_after=st.integers(0, 36000))
def test_expiry_is_always_a_renewal_birthday_more_than_two_years_ahead(birth, days_after):
    from datetime import timedelta

    issued = max(birth + timedelta(days=days_after), date(2024, 7, 1))
    expiry = validity.expiry_date(birth, issued)
    if expiry is None:
        assert validity.anniversary(birth, 60) <= validity.anniversary(issued, 2)
    else:
        assert expiry > validity.anniversary(issued, 2)
        assert expiry in {validity.anniversary(birth, age) for age in validity.LAW_2023.renewal_ages}
