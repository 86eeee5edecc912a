import datetime as dt
import unicodedata

import pytest

from cancuoc.dedup.errors import DedupError, DedupErrorCode
from cancuoc.dedup.records import PersonRecord, as_person_record, comparison_keys


def test_a_plain_dict_becomes_a_record_with_parsed_date_and_sex():
    record = as_person_record({"record_id": "001090012345", "family_name": "Nguyễn", "given_name": "An",
                               "birth_date": "15/03/1990", "sex": "Nam"})  # fmt: skip
    assert record == PersonRecord("001090012345", "Nguyễn", "", "An", dt.date(1990, 3, 15), "M")
    assert as_person_record({"record_id": "1", "birth_date": "1950"}).birth_date == dt.date(1950, 1, 1)
    assert as_person_record({"record_id": "1", "birth_date": "1990-03-15", "sex": "Nữ"}).sex == "F"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"given_name": "An"}, DedupErrorCode.RECORD_ID_MISSING),
        ({"record_id": "1", "birth_date": "31/02/1990"}, DedupErrorCode.BIRTH_DATE_INVALID),
        ({"record_id": "1", "sex": "X"}, DedupErrorCode.SEX_INVALID),
        ({"record_id": "1", "nickname": "Tí"}, DedupErrorCode.FIELD_UNKNOWN),
    ],
)
def test_records_that_cannot_be_compared_are_refused_with_a_code(value, code):
    with pytest.raises(DedupError) as refused:
        as_person_record(value)
    assert refused.value.code == code
    assert refused.value.message_vi and refused.value.message_en


def test_nfd_old_tone_placement_and_lost_diacritics_meet_on_the_keys():
    nfc = comparison_keys(PersonRecord("1", "Huỳnh", "Thị", "Thúy"))
    nfd = comparison_keys(
        PersonRecord("2", *(unicodedata.normalize("NFD", p) for p in ("Huỳnh", "Thị", "Thúy")))
    )
    new_placement = comparison_keys(PersonRecord("3", "Huỳnh", "Thị", "Thuý"))
    plain = comparison_keys(PersonRecord("4", "Huynh", "Thi", "Thuy"))
    assert nfc.name_exact == nfd.name_exact == new_placement.name_exact == "huỳnh thị thúy"
    assert nfc.name_key == plain.name_key == "hoang thi thuy"  # Huỳnh and Hoàng are one family name
    assert plain.name_plain == "y" and nfc.name_plain == ""


def test_order_and_missing_middle_name_share_the_pair_key_but_not_the_full_key():
    usual = comparison_keys(PersonRecord("1", "Vũ", "Văn", "An"))
    reversed_order = comparison_keys(PersonRecord("2", "An", "Văn", "Võ"))
    no_middle = comparison_keys(PersonRecord("3", "Vũ", "", "An"))
    assert usual.pair_key == reversed_order.pair_key == no_middle.pair_key
    assert usual.name_sorted == reversed_order.name_sorted != no_middle.name_sorted
    assert usual.name_key != reversed_order.name_key


def test_day_and_month_swap_and_the_first_of_january_are_keyed():
    keys = comparison_keys(PersonRecord("1", given_name="An", birth_date=dt.date(1990, 3, 9)))
    assert (keys.dob_text, keys.dob_swapped, keys.placeholder_date) == ("19900309", "19900903", False)
    legacy = comparison_keys(PersonRecord("2", given_name="An", birth_date=dt.date(1950, 1, 1)))
    assert legacy.placeholder_date and legacy.dob_swapped == ""
