import collections

from cancuoc.dedup.records import comparison_keys
from cancuoc.dedup.synthetic import VARIATIONS, generate_population, hard_non_duplicates, other_tone_placement


def test_the_same_seed_gives_the_same_registry_and_another_seed_another():
    assert generate_population(3000, 0.02, seed=7) == generate_population(3000, 0.02, seed=7)
    assert generate_population(3000, 0.02, seed=7)[0] != generate_population(3000, 0.02, seed=8)[0]


def test_sizes_ids_and_the_duplicates_carry_every_kind_of_variation():
    records, pairs = generate_population(20_000, 0.05, seed=1)
    assert len(records) == 20_000 and len(pairs) == 1000
    ids = [record.record_id for record in records]
    assert len(set(ids)) == len(ids) and all(len(i) == 12 and i.isdigit() for i in ids)
    seen = collections.Counter(kind for pair in pairs for kind in pair.variations)
    assert set(seen) == set(VARIATIONS)
    keys = [comparison_keys(record) for record in records]
    share = sum(k.family_key == "nguyen" for k in keys) / len(keys)
    assert 0.3 < share < 0.45  # Nguyễn about 38 %
    hard = hard_non_duplicates(records, pairs)
    assert hard["twins"] and hard["namesakes"]


def test_the_other_tone_placement():
    assert other_tone_placement("Hòa") == "Hoà" and other_tone_placement("Thúy") == "Thuý"
    assert other_tone_placement("Hoàng") == "Hoàng" and other_tone_placement("Quý") == "Quý"
