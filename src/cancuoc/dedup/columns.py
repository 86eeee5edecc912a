"""A column store of comparison keys: one integer code per key and record, so that scoring a block of
candidates is a handful of NumPy operations and a million records fit in a few hundred megabytes.

Code 0 means unknown. Every coded key keeps the count of live records per value, which gives the term
frequencies that weight name agreement by how common the name is.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cancuoc.dedup.records import ComparisonKeys

CODED_KEYS = (
    "name_exact", "name_key", "name_sorted", "pair_key", "pair_exact", "name_plain", "family_key", "middle_key", "given_key", "dob_text",
    "sex", "birth_place", "origin_place", "ethnicity", "father_key", "mother_key", "parents_key", "spouse_key", "household_id",
    "address_unit", "old_id_number",
)  # fmt: skip
_INDEX = {name: ComparisonKeys._fields.index(name) for name in ComparisonKeys._fields}


class Vocabulary:
    """Strings to codes (0 = empty) with a live count per code."""

    def __init__(self):
        self.codes: dict[str, int] = {"": 0}
        self.values: list[str] = [""]
        self.counts = np.zeros(1024, dtype=np.int64)
        self.known = 0  # live records with a non-empty value

    def encode(self, value: str) -> int:
        code = self.codes.get(value)
        if code is None:
            code = self.codes[value] = len(self.values)
            self.values.append(value)
            if code >= len(self.counts):
                self.counts = np.concatenate([self.counts, np.zeros(len(self.counts), dtype=np.int64)])
        return code

    def encode_many(self, values: Iterable[str]) -> np.ndarray:
        encode = self.encode
        return np.fromiter((encode(value) for value in values), dtype=np.int32)

    def count(self, codes: np.ndarray, sign: int = 1) -> None:
        known = codes[codes > 0]
        if len(known) < 64:
            np.add.at(self.counts, known, sign)
        else:
            size = len(self.values)
            self.counts[:size] += sign * np.bincount(known, minlength=size)[:size]
        self.known += sign * len(known)

    def frequency(self, codes: np.ndarray) -> np.ndarray:
        """The share of known values equal to each code (Splink's term frequency)."""
        return self.counts[codes] / max(self.known, 1)


class Columns:
    """Growable columns of coded comparison keys, one row per record ever added (rows are never reused)."""

    def __init__(self, capacity: int = 1024):
        self.size = 0
        self.vocabularies = {name: Vocabulary() for name in CODED_KEYS}
        self.codes = {name: np.zeros(capacity, dtype=np.int32) for name in CODED_KEYS}
        self.year = np.zeros(capacity, dtype=np.int16)
        self.month = np.zeros(capacity, dtype=np.int8)
        self.day = np.zeros(capacity, dtype=np.int8)
        self.alive = np.zeros(capacity, dtype=bool)

    def _grow(self, needed: int) -> None:
        capacity = len(self.alive)
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2)

        def grown(array):
            bigger = np.zeros(new_capacity, dtype=array.dtype)
            bigger[: self.size] = array[: self.size]
            return bigger

        self.codes = {name: grown(array) for name, array in self.codes.items()}
        self.year, self.month, self.day, self.alive = (
            grown(a) for a in (self.year, self.month, self.day, self.alive)
        )

    def append(self, keys: list[ComparisonKeys]) -> np.ndarray:
        """Add rows for ``keys``; returns their row numbers. They count for term frequencies at once."""
        start, count = self.size, len(keys)
        self._grow(start + count)
        rows = np.arange(start, start + count, dtype=np.int64)
        for name in CODED_KEYS:
            position = _INDEX[name]
            codes = self.vocabularies[name].encode_many(key[position] for key in keys)
            self.codes[name][start : start + count] = codes
            self.vocabularies[name].count(codes)
        dob = _INDEX["dob_text"]
        self.year[start : start + count] = np.fromiter((int(k[dob][:4] or 0) for k in keys), np.int16, count)
        self.month[start : start + count] = np.fromiter((int(k[dob][4:6] or 0) for k in keys), np.int8, count)
        self.day[start : start + count] = np.fromiter((int(k[dob][6:] or 0) for k in keys), np.int8, count)
        self.alive[start : start + count] = True
        self.size += count
        return rows

    def retire(self, row: int) -> None:
        """The row no longer counts (its record was removed); the row number is not reused."""
        if not self.alive[row]:
            return
        self.alive[row] = False
        for name in CODED_KEYS:
            self.vocabularies[name].count(self.codes[name][row : row + 1], -1)

    def text(self, name: str, codes: np.ndarray) -> list[str]:
        values = self.vocabularies[name].values
        return [values[code] for code in codes]

    def nbytes(self) -> int:
        arrays = [*self.codes.values(), self.year, self.month, self.day, self.alive]
        return sum(array.nbytes for array in arrays) + sum(
            v.counts.nbytes for v in self.vocabularies.values()
        )
