from datetime import date

from cancuoc.rules.people import age_on, is_eligible_for_card


def test_age_counts_whole_years():
    assert age_on(date(2012, 11, 24), date(2026, 11, 23)) == 13
    assert age_on(date(2012, 11, 23), date(2026, 11, 23)) == 14
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17


def test_eligibility_requires_alive_14_vietnamese_and_present():
    base = dict(
        birth_date=date(2000, 1, 1), on=date(2026, 1, 1), alive=True, nationality="VNM", present_in_unit=True
    )
    assert is_eligible_for_card(**base)
    assert not is_eligible_for_card(**{**base, "alive": False})
    assert not is_eligible_for_card(**{**base, "nationality": "LAO"})
    assert not is_eligible_for_card(**{**base, "present_in_unit": False})
    assert not is_eligible_for_card(**{**base, "birth_date": date(2012, 1, 2)})
    assert is_eligible_for_card(**{**base, "birth_date": date(2012, 1, 1)})
