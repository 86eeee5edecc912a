from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cancuoc.rules.workdays import (
    DayOff,
    add_working_days,
    holidays_between,
    is_covered,
    is_working_day,
    return_date,
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 1))


def test_lunar_new_year_and_hung_kings_fall_on_the_known_dates():
    assert not is_working_day(date(2025, 1, 29))  # Wednesday, mùng một Tết Ất Tỵ
    assert not is_working_day(date(2026, 2, 17))  # Tuesday, mùng một Tết Bính Ngọ
    assert not is_working_day(date(2025, 4, 7))  # Monday, 10/3 âm lịch
    names = {day: (vi, en) for day, vi, en in holidays_between(date(2025, 1, 1), date(2026, 12, 31))}
    assert names[date(2025, 1, 29)] == ("Tết Nguyên Đán", "Lunar New Year")
    assert names[date(2026, 2, 17)][0] == "Tết Nguyên Đán"
    assert names[date(2025, 4, 7)] == ("Ngày Giỗ Tổ Hùng Vương", "Hung Kings' Commemoration Day")
    assert names[date(2026, 4, 26)][0] == "Ngày Giỗ Tổ Hùng Vương"
    # 26/04/2026 is a Sunday: the day off moves to Monday
    assert "nghỉ bù" in names[date(2026, 4, 27)][0] and not is_working_day(date(2026, 4, 27))


def test_the_whole_tet_break_is_listed_as_published():
    # 2025: Monday 27/01 (29 Tết) to Friday 31/01 (mùng ba); with the weekends 25/01–02/02 off
    tet_2025 = [day for day, _vi, _en in holidays_between(date(2025, 1, 20), date(2025, 2, 10))]
    assert [d for d in tet_2025 if d.weekday() < 5] == [date(2025, 1, d) for d in range(27, 32)]
    # 2026: Monday 16/02 (28 Tết, the eve) to Friday 20/02 (mùng bốn)
    assert [d for d in range(14, 23) if is_working_day(date(2026, 2, d))] == []
    assert is_working_day(date(2026, 2, 13)) and is_working_day(date(2026, 2, 23))
    # 2024: Thursday 08/02 (29 Tết) to Wednesday 14/02 (mùng năm)
    assert [d for d in range(8, 15) if is_working_day(date(2024, 2, d))] == []
    assert is_working_day(date(2024, 2, 7)) and is_working_day(date(2024, 2, 15))


def test_fixed_holidays_and_the_day_beside_national_day():
    for day in (date(2025, 1, 1), date(2025, 4, 30), date(2025, 5, 1), date(2025, 9, 2), date(2025, 9, 1)):
        assert not is_working_day(day), day
    assert not is_working_day(date(2024, 9, 3))  # 2/9/2024 is a Monday: the day after
    assert not is_working_day(date(2025, 5, 2))  # 2025 swap: Friday 02/05 off for Saturday 26/04
    assert is_working_day(date(2025, 9, 3)) and is_working_day(date(2025, 5, 5))


def test_seven_working_days_from_before_tet_skip_the_whole_break():
    # Thursday 23/01/2025: Fri 24/01, then 03/02 … 07/02, then 10/02
    assert add_working_days(date(2025, 1, 23), 7) == date(2025, 2, 10)
    assert add_working_days(date(2025, 1, 24), 7) == date(2025, 2, 11)
    assert add_working_days(date(2026, 2, 12), 7) == date(2026, 3, 2)  # Thu: 13/02, 23/02 … 27/02, 02/03


def test_the_return_date_is_seven_working_days_after_the_capture():
    assert return_date(date(2025, 1, 23)) == date(2025, 2, 10)
    assert return_date(date(2025, 1, 23), extra_days_off=[date(2025, 2, 3)]) == date(2025, 2, 11)


def test_seven_working_days_from_a_friday_skip_the_weekend():
    assert add_working_days(date(2025, 3, 7), 1) == date(2025, 3, 10)
    assert add_working_days(date(2025, 3, 7), 7) == date(2025, 3, 18)
    # a weekend capture (mobile team on Saturday) counts from the Monday
    assert add_working_days(date(2025, 3, 8), 1) == date(2025, 3, 10)


def test_hung_kings_observed_and_may_holidays_in_2026():
    # Fri 24/04/2026: 28, 29 April; 27/04 (observed), 30/04 and 01/05 are off; then 04/05 … 08/05
    assert add_working_days(date(2026, 4, 24), 7) == date(2026, 5, 8)


def test_extra_days_off_named_or_bare_push_the_date():
    base = add_working_days(date(2027, 3, 1), 7)
    assert base == date(2027, 3, 10)
    bridge = DayOff(date(2027, 3, 3), "Ngày nghỉ bù", "Bridge day off")
    assert add_working_days(date(2027, 3, 1), 7, extra_days_off=[bridge]) == date(2027, 3, 11)
    assert add_working_days(date(2027, 3, 1), 7, extra_days_off=[date(2027, 3, 3), date(2027, 3, 4)]) == date(
        2027, 3, 12
    )
    assert not is_working_day(date(2027, 3, 3), extra_days_off={date(2027, 3, 3): ("Nghỉ", "Off")})
    listed = holidays_between(date(2027, 3, 1), date(2027, 3, 31), extra_days_off=[bridge, date(2027, 3, 5)])
    assert listed == [
        (date(2027, 3, 3), "Ngày nghỉ bù", "Bridge day off"),
        (date(2027, 3, 5), "Ngày nghỉ theo thông báo", "Announced day off"),
    ]


def test_an_extra_day_on_a_public_holiday_keeps_the_holiday_name():
    listed = holidays_between(date(2025, 1, 1), date(2025, 1, 1), extra_days_off=[date(2025, 1, 1)])
    assert listed == [(date(2025, 1, 1), "Tết Dương lịch", "New Year's Day")]


def test_a_make_up_saturday_counts_only_when_given():
    # 2024: Monday 29/04 off in exchange for Saturday 04/05 worked
    assert not is_working_day(date(2024, 4, 29))
    assert not is_working_day(date(2024, 5, 4))
    assert is_working_day(date(2024, 5, 4), extra_working_days=[date(2024, 5, 4)])
    assert add_working_days(date(2024, 5, 3), 1) == date(2024, 5, 6)
    assert add_working_days(date(2024, 5, 3), 1, extra_working_days=[date(2024, 5, 4)]) == date(2024, 5, 4)


def test_holidays_between_spans_years_in_order_and_is_inclusive():
    listed = holidays_between(date(2025, 12, 31), date(2026, 1, 1))
    assert listed == [(date(2026, 1, 1), "Tết Dương lịch", "New Year's Day")]
    days = [day for day, _vi, _en in holidays_between(date(2024, 1, 1), date(2027, 12, 31))]
    assert days == sorted(days) and len(days) == len(set(days)) and len(days) > 40


def test_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(date(2025, 1, 29), 0) == date(2025, 1, 29)
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 29), -1)


def test_outside_the_lunar_tables_only_weekends_are_off():
    assert is_covered(2100) and not is_covered(2101)
    assert not is_working_day(date(2100, 1, 1))  # a Friday, New Year
    assert is_working_day(date(2103, 1, 1))  # a Monday, New Year, but past the package's tables
    assert holidays_between(date(2103, 1, 1), date(2103, 12, 31)) == []


@given(dates, st.integers(min_value=1, max_value=40))
def test_the_result_is_a_working_day_strictly_after_the_start(start, n):
    result = add_working_days(start, n)
    assert result > start
    assert is_working_day(result)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(is_working_day(day) for day in between) == n


@given(dates, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30))
def test_more_days_never_give_an_earlier_date(start, a, b):
    low, high = sorted((a, b))
    assert add_working_days(start, low) <= add_working_days(start, high)
    if low < high:
        assert add_working_days(start, low) < add_working_days(start, high)


@given(dates, st.integers(min_value=1, max_value=20), st.lists(dates, max_size=5))
def test_extra_days_off_never_bring_the_date_forward(start, n, extra):
    assert add_working_days(start, n, extra_days_off=extra) >= add_working_days(start, n)
    for day in extra:
        assert not is_working_day(day, extra_days_off=extra)
