"""Batch duplicate detection over the whole registry with Splink on DuckDB, for data cleansing.

The Splink model is written from the shared ``MatchModel``: the same comparison levels (as SQL), the same
m and u, the same term-frequency adjustment (log2(m / frequency of the agreeing value)), the same prior and
the same blocking rules as the online index. A pair therefore gets the same probability in both modes and
the same decision at the threshold. (Splink's expectation maximisation of m on these blocking rules was
tried and left out: with the fixed rule weights and near-deterministic levels it drives some m to underflow.)

Splink and DuckDB are imported only when a batch runs, so the online path does not need them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping

from cancuoc.dedup.columns import Columns
from cancuoc.dedup.errors import DedupError, DedupErrorCode
from cancuoc.dedup.index import BLOCKING_RULES, fit_model
from cancuoc.dedup.model import COMPARISONS, MatchModel
from cancuoc.dedup.records import ComparisonKeys, PersonRecord, as_person_record, comparison_keys

_BOOLEAN_KEYS = {"placeholder_date", "name_plain"}
_CHUNK = 200_000


def _arrow_table(people: list[PersonRecord], keys: list[ComparisonKeys]):
    import pyarrow as pa

    columns: dict[str, list] = {"record_id": [person.record_id for person in people]}
    # one list per field straight from the tuples (zip(*) transposes in C, no loop per record in Python)
    transposed = map(list, zip(*keys, strict=True)) if keys else ([] for _ in ComparisonKeys._fields)
    columns.update(zip(ComparisonKeys._fields, transposed, strict=True))
    table = {}
    for name, values in columns.items():
        if name == "birth_year":
            table[name] = pa.array([value or None for value in values], pa.int32())
        elif name == "placeholder_date":
            known = columns["dob_text"]
            table[name] = pa.array(
                [flag if dob else None for flag, dob in zip(values, known, strict=True)], pa.bool_()
            )
        elif name == "name_plain":
            table[name] = pa.array([value == "y" for value in values], pa.bool_())
        else:
            table[name] = pa.array([value or None for value in values], pa.string())
    return pa.table(table)


def splink_settings(model: MatchModel, population: int) -> dict:
    """The Splink settings of ``model`` for a registry of ``population`` records."""
    from splink import block_on

    comparisons = []
    for comparison in COMPARISONS:
        levels = []
        for level, u in zip(comparison.levels, model.u[comparison.name], strict=True):
            entry: dict = {"sql_condition": level.sql, "label_for_charts": level.label}
            if level.null:
                entry["is_null_level"] = True
            elif level.fixed_weight is not None:
                # a rule stated as a weight: m/u = 2^weight, both fixed so that training leaves it alone
                entry.update(m_probability=0.5 * 2.0**level.fixed_weight, u_probability=0.5,
                             fix_m_probability=True, fix_u_probability=True)  # fmt: skip
            else:
                entry.update(m_probability=level.m, u_probability=u, fix_u_probability=True)
            if level.tf_key:
                entry.update(tf_adjustment_column=level.tf_key, tf_adjustment_weight=1.0,
                             disable_tf_exact_match_detection=True)  # fmt: skip
            levels.append(entry)
        comparisons.append({"output_column_name": comparison.name, "comparison_levels": levels})
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "record_id",
        "probability_two_random_records_match": model.probability_two_random_records_match(population),
        "blocking_rules_to_generate_predictions": [block_on(*rule) for rule in BLOCKING_RULES],
        "comparisons": comparisons,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


def batch_duplicates(records: Iterable[PersonRecord | Mapping], threshold: float | None = None, *,
                     model: MatchModel | None = None, seed: int = 0, timings: dict | None = None
                     ) -> list[tuple[str, str, float]]:  # fmt: skip
    """Every pair of records at or above ``threshold`` (default: the model's), as (id_a, id_b, probability)
    with id_a < id_b, the likeliest first. ``timings``, when given, receives the seconds of each phase
    ("keys", "fit", "table", "predict")."""
    timings = {} if timings is None else timings
    clock = time.perf_counter()

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = timings.get(phase, 0.0) + now - clock
        clock = now

    try:
        import duckdb
        from splink import DuckDBAPI, Linker
    except ImportError as error:
        raise DedupError(DedupErrorCode.BATCH_ENGINE_MISSING, detail=str(error)) from error
    people = [as_person_record(record) for record in records]
    keys = [comparison_keys(person) for person in people]  # once: the model's fit and the table share them
    lap("keys")
    if model is None:
        columns = Columns()
        for start in range(0, len(keys), _CHUNK):
            columns.append(keys[start : start + _CHUNK])
        model = fit_model(columns, seed=seed)
        lap("fit")
    threshold = model.threshold if threshold is None else threshold
    connection = duckdb.connect()
    database = DuckDBAPI(connection)
    table = database.register(_arrow_table(people, keys), table_name="registry")
    del keys
    lap("table")
    # the family and sibling comparisons have no null level on purpose (missing values fall to "different")
    linker = Linker(table, splink_settings(model, len(people)), log_level=logging.ERROR)
    predictions = linker.inference.predict(threshold_match_probability=max(threshold, 1e-12))
    rows = connection.sql(
        f"select record_id_l, record_id_r, match_probability from {predictions.physical_name}"
    ).fetchall()
    pairs = [(min(a, b), max(a, b), float(p)) for a, b, p in rows if p >= threshold]
    pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    connection.close()
    lap("predict")
    return pairs
