"""Online duplicate search: one application against the whole registry in a few milliseconds.

Blocking keys (given name + birth date, family and given name in any order + birth date, the whole name in any
order + birth year + place of birth registration, birth date + sex + place of birth registration + family
name, both parents + sex, old 9-digit number, household + sex) map to sorted arrays of
64-bit key hashes, so a look-up is a binary search per key. The few dozen records found are scored
together with NumPy by the shared Fellegi–Sunter model. Records added later go to a small overlay; removed
ones are masked. No key is a family name alone: Nguyễn is a third of the country.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

from cancuoc.dedup.columns import Columns
from cancuoc.dedup.errors import DedupError, DedupErrorCode
from cancuoc.dedup.model import MatchModel, Side, comparison_levels, estimate_u, pair_weights, reasons
from cancuoc.dedup.parameters import REFERENCE_MODEL
from cancuoc.dedup.records import ComparisonKeys, PersonRecord, as_person_record, comparison_keys

# Each rule: the keys that must all be known and equal for two records to be compared.
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("given_key", "dob_text"),
    # Family + given name + birth year + sex was the widest block (Nguyễn Văn Anh, born 1990: hundreds per
    # block at 300,000 records, quadratic in the registry): the name with its birth date, and the whole name
    # (middle name included, any order) with the birth year, find the same duplicates with a fifth of the
    # comparisons (bench/dedup_demographic.py; misses: a middle name lost together with a move and a
    # placeholder date).
    ("pair_key", "dob_text"),
    # The four wide blocks made 16.5 million pairs at 1,000,000 records. Each gained a key that a duplicate
    # keeps (place of birth registration, family name, sex): 7.6 million pairs, the batch twice as fast,
    # and of the 10,000 known duplicates 4 fewer reach a comparison, none of them at the threshold
    # (bench/dedup_demographic.py; docs/benchmarks.md).
    ("name_sorted", "birth_year", "birth_place"),
    ("dob_text", "sex", "birth_place", "family_key"),
    ("parents_key", "sex"),
    ("old_id_number",),
    ("household_id", "sex"),
)
# Below this many records the registry's own random pairs say too little: keep the reference u.
MINIMUM_RECORDS_TO_ESTIMATE = 20_000
_MULTIPLIER = np.uint64(1_000_003)
_CHUNK = 100_000
_KEY_FIELD = {name: ComparisonKeys._fields.index(name) for name in ComparisonKeys._fields}


class Candidate(NamedTuple):
    record_id: str
    score: float  # match probability, 0..1
    reasons: tuple[str, ...]  # "comparison:level", strongest first
    weight: float  # match weight in bits, before the prior


def fit_model(columns: Columns, pairs: int = 300_000, seed: int = 0) -> MatchModel:
    """The reference model with u estimated on these records, if there are enough of them."""
    live = int(columns.alive[: columns.size].sum())
    if live < MINIMUM_RECORDS_TO_ESTIMATE:
        return REFERENCE_MODEL
    return MatchModel(u=estimate_u(columns, pairs, seed), threshold=REFERENCE_MODEL.threshold,
                      expected_duplicate_share=REFERENCE_MODEL.expected_duplicate_share)  # fmt: skip


def _combine(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(hash, every part known) for aligned arrays of codes."""
    known = np.ones(len(parts[0]), dtype=bool)
    combined = np.zeros(len(parts[0]), dtype=np.uint64)
    for part in parts:
        known &= part > 0
        combined = combined * _MULTIPLIER + part.astype(np.uint64)
    return combined, known


class DemographicIndex:
    """Candidate duplicates of an application among the registry's records."""

    def __init__(self, records: Iterable[PersonRecord | Mapping] = (), model: MatchModel | None = None, *,
                 estimate_pairs: int = 300_000, seed: int = 0):  # fmt: skip
        self.columns = Columns()
        self._row_of: dict[str, int] = {}
        self._record_ids: list[str] = []
        people = [as_person_record(record) for record in records]
        self._check_new_ids(person.record_id for person in people)
        for start in range(0, len(people), _CHUNK):  # chunks: the keys of a million people at once are large
            chunk = people[start : start + _CHUNK]
            rows = self.columns.append([comparison_keys(person) for person in chunk])
            for person, row in zip(chunk, rows, strict=True):
                self._row_of[person.record_id] = int(row)
                self._record_ids.append(person.record_id)
        self._sorted: list[tuple[np.ndarray, np.ndarray]] = []
        for rule in BLOCKING_RULES:
            hashes, known = self._rule_hashes(rule, np.arange(self.columns.size))
            rows_with_key = np.flatnonzero(known)
            order = np.argsort(hashes[rows_with_key], kind="stable")
            self._sorted.append((hashes[rows_with_key][order], rows_with_key[order].astype(np.int32)))
        self._overlay: list[dict[int, list[int]]] = [{} for _ in BLOCKING_RULES]
        self.model = model if model is not None else fit_model(self.columns, estimate_pairs, seed)

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, record_id: str) -> bool:
        return record_id in self._row_of

    def _check_new_ids(self, record_ids: Iterable[str]) -> None:
        seen = set(self._row_of)
        for record_id in record_ids:
            if record_id in seen:
                raise DedupError(DedupErrorCode.RECORD_ID_TAKEN, record_id=record_id)
            seen.add(record_id)

    def _rule_hashes(self, rule: tuple[str, ...], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        parts = [self.columns.year[rows].astype(np.int64) if name == "birth_year" else self.columns.codes[name][rows]
                 for name in rule]  # fmt: skip
        return _combine(parts)

    def _query_codes(self, keys: ComparisonKeys) -> dict[str, np.ndarray]:
        codes = {}
        for name, vocabulary in self.columns.vocabularies.items():
            value = keys[_KEY_FIELD[name]]
            codes[name] = np.array([vocabulary.codes.get(value, -1) if value else 0], dtype=np.int32)
        return codes

    def add(self, record: PersonRecord | Mapping) -> None:
        """Add one record; it can be found by the next search."""
        person = as_person_record(record)
        self._check_new_ids([person.record_id])
        row = int(self.columns.append([comparison_keys(person)])[0])
        self._row_of[person.record_id] = row
        self._record_ids.append(person.record_id)
        for rule, overlay in zip(BLOCKING_RULES, self._overlay, strict=True):
            hashes, known = self._rule_hashes(rule, np.array([row]))
            if known[0]:
                overlay.setdefault(int(hashes[0]), []).append(row)

    def remove(self, record_id: str) -> None:
        """Remove one record (merged into another, or deleted); it is never returned again."""
        row = self._row_of.pop(record_id, None)
        if row is None:
            raise DedupError(DedupErrorCode.RECORD_UNKNOWN, record_id=record_id)
        self.columns.retire(row)

    def _blocked_rows(self, codes: dict[str, np.ndarray], year: int) -> np.ndarray:
        found = []
        for rule, (hashes, rows), overlay in zip(BLOCKING_RULES, self._sorted, self._overlay, strict=True):
            parts = [
                np.array([year], dtype=np.int64) if name == "birth_year" else codes[name] for name in rule
            ]
            if any(part[0] <= 0 for part in parts):
                continue  # a key with an unknown part, or a value no record has, finds nothing
            key, _ = _combine(parts)
            start, stop = np.searchsorted(hashes, key[0], "left"), np.searchsorted(hashes, key[0], "right")
            found.append(rows[start:stop])
            if extra := overlay.get(int(key[0])):
                found.append(np.array(extra, dtype=np.int32))
        if not found:
            return np.zeros(0, dtype=np.int64)
        rows = np.unique(np.concatenate(found))
        return rows[self.columns.alive[rows]]

    def candidates(self, record: PersonRecord | Mapping, limit: int = 10) -> list[Candidate]:
        """Records that may be the same person as ``record`` (never itself), the likeliest first."""
        person = as_person_record(record)
        keys = comparison_keys(person)
        own_row = self._row_of.get(person.record_id)
        if own_row is not None:
            codes = {name: array[own_row : own_row + 1] for name, array in self.columns.codes.items()}
            extra = 0
        else:
            codes = self._query_codes(keys)
            extra = 1  # count the application itself in the term frequencies, as if it were registered
        rows = self._blocked_rows(codes, keys.birth_year)
        if own_row is not None:
            rows = rows[rows != own_row]
        if len(rows) == 0:
            return []
        birth = person.birth_date
        query = Side(codes, np.array([keys.birth_year]), np.array([birth.month if birth else 0]),
                     np.array([birth.day if birth else 0]),
                     lambda name, where: [keys[_KEY_FIELD[name]]] * len(where))  # fmt: skip
        found = Side.rows(self.columns, rows)
        levels = comparison_levels(query, found, len(rows))
        weights, contributions = pair_weights(self.model, self.columns, levels, found, extra)
        population = len(self) + (0 if own_row is not None else 1)
        probabilities = self.model.probability(weights, population)
        ids = [self._record_ids[row] for row in rows]
        order = sorted(range(len(rows)), key=lambda i: (-weights[i], ids[i]))[:limit]
        return [Candidate(ids[i], float(probabilities[i]), reasons(contributions, levels, i), float(weights[i]))
                for i in order]  # fmt: skip

    def duplicates(self, record: PersonRecord | Mapping, limit: int = 10) -> list[Candidate]:
        """The candidates at or above the model's decision threshold."""
        return [c for c in self.candidates(record, limit) if c.score >= self.model.threshold]

    def memory_bytes(self) -> int:
        """Bytes held in NumPy arrays (columns, counts, blocking arrays); Python strings and dicts come on top."""
        blocking = sum(hashes.nbytes + rows.nbytes for hashes, rows in self._sorted)
        return self.columns.nbytes() + blocking
