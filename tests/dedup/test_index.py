import dataclasses
import datetime as dt
import unicodedata

import pytest

from cancuoc.dedup.errors import DedupError, DedupErrorCode
from cancuoc.dedup.index import DemographicIndex
from cancuoc.dedup.parameters import REFERENCE_MODEL

from .conftest import NAMESAKE, ORIGINAL, TWIN


def _strip(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _names(record, change):
    fields = ("family_name", "middle_name", "given_name", "father_name", "mother_name", "spouse_name")
    return dataclasses.replace(record, **{field: change(getattr(record, field)) for field in fields})


NEW_ID = "001187777777"
APPLICATION = dataclasses.replace(ORIGINAL, record_id=NEW_ID, old_id_number="", household_id="001000123456")
VARIATIONS = {
    "diacritics_lost": _names(APPLICATION, _strip),
    "nfd": _names(APPLICATION, lambda text: unicodedata.normalize("NFD", text)),
    "old_tone_placement": dataclasses.replace(APPLICATION, given_name="Thuý"),
    "typo_in_given_name": dataclasses.replace(APPLICATION, given_name="Thúi"),
    "day_month_swapped": dataclasses.replace(APPLICATION, birth_date=dt.date(1987, 9, 3)),
    "placeholder_01_01": dataclasses.replace(APPLICATION, birth_date=dt.date(1987, 1, 1)),
    "missing_middle_name": dataclasses.replace(APPLICATION, middle_name=""),
    "name_order_reversed": dataclasses.replace(APPLICATION, family_name="Thúy", given_name="Huỳnh"),
    "hoang_for_huynh": dataclasses.replace(APPLICATION, family_name="Hoàng"),
    "moved_elsewhere": dataclasses.replace(APPLICATION, address_unit="00100001", origin_place=""),
    "same_old_number_little_else": _names(
        dataclasses.replace(APPLICATION, old_id_number="123456789", birth_date=dt.date(1987, 1, 1), father_name="",
                            mother_name="", spouse_name="", address_unit="00100001"), _strip),
    "parents_missing": dataclasses.replace(APPLICATION, father_name="", mother_name="", spouse_name=""),
    "typo_and_diacritics_lost": _names(dataclasses.replace(APPLICATION, given_name="Thúi"), _strip),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(VARIATIONS))
def test_each_kind_of_variation_finds_the_original_above_the_threshold(index, kind):
    found = index.candidates(VARIATIONS[kind], limit=5)
    assert found and found[0].record_id == ORIGINAL.record_id, found[:2]
    assert found[0].score >= index.model.threshold
    assert index.duplicates(VARIATIONS[kind])[0].record_id == ORIGINAL.record_id


def test_reasons_say_which_comparisons_decided(index):
    top = index.candidates(VARIATIONS["day_month_swapped"])[0]
    assert "birth_date:day_month_swapped" in top.reasons and "name:exact" in top.reasons
    assert top.weight > 0 and 0 <= top.score <= 1


def test_twins_and_namesakes_are_candidates_but_not_duplicates(index):
    for person, other in ((TWIN, ORIGINAL), (NAMESAKE, ORIGINAL), (ORIGINAL, TWIN)):
        scores = {c.record_id: c.score for c in index.candidates(person, limit=50)}
        assert other.record_id in scores  # blocked together: the decision, not the blocking, tells them apart
        assert scores[other.record_id] < index.model.threshold
    twin_reasons = next(c.reasons for c in index.candidates(TWIN, 50) if c.record_id == ORIGINAL.record_id)
    assert "sibling:sibling_or_spouse" in twin_reasons


def test_a_shared_family_name_and_birth_date_alone_is_no_duplicate(index):
    stranger = dataclasses.replace(NAMESAKE, record_id="001187055555", given_name="Lan", middle_name="Ngọc",
                                   birth_date=ORIGINAL.birth_date)  # fmt: skip
    assert all(c.record_id != ORIGINAL.record_id for c in index.duplicates(stranger))


def test_a_record_already_in_the_index_never_finds_itself(index):
    assert ORIGINAL.record_id not in {c.record_id for c in index.candidates(ORIGINAL, 50)}


def test_records_added_and_removed_are_found_and_forgotten(background):
    index = DemographicIndex(background)
    assert index.model == REFERENCE_MODEL  # too few records to estimate u: the reference parameters
    assert not index.duplicates(VARIATIONS["hoang_for_huynh"])
    index.add(ORIGINAL)
    assert ORIGINAL.record_id in index and len(index) == len(background) + 1
    assert index.duplicates(VARIATIONS["hoang_for_huynh"])[0].record_id == ORIGINAL.record_id
    with pytest.raises(DedupError) as taken:
        index.add(ORIGINAL)
    assert taken.value.code == DedupErrorCode.RECORD_ID_TAKEN
    index.remove(ORIGINAL.record_id)
    assert ORIGINAL.record_id not in index
    assert all(c.record_id != ORIGINAL.record_id for c in index.candidates(VARIATIONS["hoang_for_huynh"], 50))
    with pytest.raises(DedupError) as unknown:
        index.remove(ORIGINAL.record_id)
    assert unknown.value.code == DedupErrorCode.RECORD_UNKNOWN
    index.add(dict(dataclasses.asdict(ORIGINAL), birth_date="09/03/1987"))  # back again, as a plain dict
    assert index.duplicates(VARIATIONS["nfd"])[0].record_id == ORIGINAL.record_id


def test_removing_a_record_updates_the_name_frequencies(background):
    index = DemographicIndex([*background, ORIGINAL, NAMESAKE])
    before = index.candidates(VARIATIONS["diacritics_lost"])[0]
    index.remove(NAMESAKE.record_id)  # one Huỳnh Thị Thúy fewer: the name is rarer, agreement weighs more
    after = index.candidates(VARIATIONS["diacritics_lost"])[0]
    assert after.record_id == before.record_id == ORIGINAL.record_id
    assert after.weight > before.weight


def test_the_same_records_give_the_same_answers(background):
    first, second = DemographicIndex(background), DemographicIndex(list(reversed(background)))
    for person in background[:200]:
        assert [(c.record_id, round(c.score, 12)) for c in first.candidates(person)] == [
            (c.record_id, round(c.score, 12)) for c in second.candidates(person)
        ]
