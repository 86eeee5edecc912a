"""The batch mode (Splink on DuckDB) finds the same pairs with the same probabilities as the online index."""

import pytest

pytest.importorskip("splink")  # the batch engine is an optional dependency of the package

from cancuoc.dedup.batch import batch_duplicates  # noqa: E402
from cancuoc.dedup.index import DemographicIndex  # noqa: E402
from cancuoc.dedup.synthetic import generate_population  # noqa: E402

from .conftest import NAMESAKE, ORIGINAL, TWIN  # noqa: E402
from .test_index import VARIATIONS  # noqa: E402


@pytest.fixture(scope="module")
def registry():
    records, pairs = generate_population(4000, duplicate_rate=0.02, seed=4)
    return [*records, ORIGINAL, TWIN, NAMESAKE, VARIATIONS["name_order_reversed"]], pairs


def test_batch_finds_the_known_duplicates_and_not_the_twins(registry):
    records, pairs = registry
    phases: dict = {}
    found = batch_duplicates(records, timings=phases)
    assert set(phases) == {"keys", "fit", "table", "predict"} and all(t >= 0 for t in phases.values())
    got = {(a, b) for a, b, _ in found}
    truth = {tuple(sorted((p.original_id, p.duplicate_id))) for p in pairs}
    assert len(truth & got) >= 0.9 * len(truth)
    assert len(truth & got) >= 0.9 * len(got)
    reversed_pair = tuple(sorted((ORIGINAL.record_id, VARIATIONS["name_order_reversed"].record_id)))
    assert reversed_pair in got
    assert tuple(sorted((ORIGINAL.record_id, TWIN.record_id))) not in got
    assert tuple(sorted((ORIGINAL.record_id, NAMESAKE.record_id))) not in got


def test_both_modes_give_a_pair_the_same_probability(registry):
    records, _ = registry
    index = DemographicIndex(records)
    found = batch_duplicates(records, threshold=0.001, model=index.model)
    by_id = {record.record_id: record for record in records}
    assert len(found) > 50
    for first, second, probability in found[::5]:
        online = {c.record_id: c.score for c in index.candidates(by_id[first], 50)}
        assert online[second] == pytest.approx(probability, abs=1e-9)


def test_an_empty_registry_has_no_pairs(registry):
    index = DemographicIndex(registry[0][:50])
    assert batch_duplicates([], model=index.model) == []
