"""The Fellegi–Sunter scoring model shared by the online index and the batch (Splink) run.

Each comparison puts a pair of records into one of its levels, tried in order. A level has an m probability
(how often true duplicates land there: set from what is known of data-entry errors) and a u probability (how
often two different people do: estimated from random pairs of the registry itself). Agreement on a name
weighs log2(m / term frequency): sharing a rare name says more than sharing Nguyễn Văn An. The weights of the
comparisons add up, with a prior for how rare duplicates are, to a match weight and a probability.

The same levels are written once as NumPy code (online) and once as SQL (Splink), so both modes put a pair in
the same levels and give it the same weight.

Records of one family are correlated in ways independent comparisons cannot see: twins share parents,
household, birth date and places. One comparison therefore states a rule as a weight: two records that share
a parent or a household but whose given names differ beyond a typo are siblings or spouses, not one person
(-30 bits); born in different years beyond a typo, they are elder and younger children (-15 bits).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from cancuoc.dedup.columns import Columns


@dataclasses.dataclass(frozen=True)
class Level:
    label: str
    sql: str  # the Splink condition on columns suffixed _l and _r
    m: float = 0.0
    tf_key: str | None = None  # weight by how common the agreeing value is
    null: bool = False  # nothing to compare: weight 0
    fixed_weight: float | None = None  # a rule stated as a weight, not estimated


@dataclasses.dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]


def _null(*keys: str) -> Level:
    return Level("null", " OR ".join(f"{key}_l IS NULL OR {key}_r IS NULL" for key in keys), null=True)


def _else(m: float) -> Level:
    return Level("different", "ELSE", m=m)


# One typing error: in the name with diacritics, in family + given name when one record has no middle name,
# or folded when one record was written without any diacritic.
_NAME_TYPO = (
    "damerau_levenshtein(name_exact_l, name_exact_r) <= 1"
    " OR ((middle_key_l IS NULL OR middle_key_r IS NULL) AND damerau_levenshtein(pair_exact_l, pair_exact_r) <= 1)"
    " OR ((name_plain_l OR name_plain_r) AND damerau_levenshtein(name_key_l, name_key_r) <= 1)"
)

COMPARISONS: tuple[Comparison, ...] = (
    Comparison("name", (
        _null("given_key"),
        Level("exact", "name_exact_l = name_exact_r", 0.80, tf_key="name_key"),
        Level("folded", "name_key_l = name_key_r", 0.08, tf_key="name_key"),
        Level("reordered", "name_sorted_l = name_sorted_r", 0.02, tf_key="name_sorted"),
        Level("middle_differs", "pair_key_l = pair_key_r", 0.04, tf_key="pair_key"),
        # with diacritics: folded, sibling names such as Hòa and Hà or Trọng and Thông are one letter apart
        Level("typo", _NAME_TYPO, 0.04),
        Level("given_only", "given_key_l = given_key_r", 0.01, tf_key="given_key"),
        _else(0.01),
    )),
    Comparison("birth_date", (
        _null("dob_text"),
        Level("exact", "dob_text_l = dob_text_r AND NOT placeholder_date_l", 0.84),
        Level("day_month_swapped", "dob_text_l = dob_swapped_r", 0.03),
        Level("placeholder_same_year", "birth_year_l = birth_year_r AND (placeholder_date_l OR placeholder_date_r)",
              0.05),
        Level("typo", "damerau_levenshtein(dob_text_l, dob_text_r) <= 1", 0.03),
        Level("same_year", "birth_year_l = birth_year_r", 0.03),
        _else(0.02),
    )),
    Comparison("sex", (_null("sex"), Level("same", "sex_l = sex_r", 0.995), _else(0.005))),
    Comparison("birth_place", (_null("birth_place"), Level("same", "birth_place_l = birth_place_r", 0.95),
                               _else(0.05))),
    Comparison("origin_place", (_null("origin_place"), Level("same", "origin_place_l = origin_place_r", 0.93),
                                _else(0.07))),
    Comparison("ethnicity", (_null("ethnicity"), Level("same", "ethnicity_l = ethnicity_r", 0.97, tf_key="ethnicity"),
                             _else(0.03))),
    Comparison("family", (
        Level("both_parents", "parents_key_l = parents_key_r", 0.55, tf_key="parents_key"),
        Level("household", "household_id_l = household_id_r", 0.15),
        # a typo in a parent's name is not another parent; a parent known on both sides and really different is
        Level("parents_typo", "damerau_levenshtein(father_key_l, father_key_r) <= 1"
                              " AND damerau_levenshtein(mother_key_l, mother_key_r) <= 1", 0.02),
        Level("parents_differ", "damerau_levenshtein(father_key_l, father_key_r) > 1"
                                " OR damerau_levenshtein(mother_key_l, mother_key_r) > 1", 0.005),
        Level("spouse", "spouse_key_l = spouse_key_r", 0.03, tf_key="spouse_key"),
        Level("address_unit", "address_unit_l = address_unit_r", 0.05),
        _else(0.195),
    )),
    Comparison("old_id", (_null("old_id_number"), Level("same", "old_id_number_l = old_id_number_r", 0.97),
                          _else(0.03))),
    Comparison("sibling", (
        Level("sibling_or_spouse",
              "(father_key_l = father_key_r OR mother_key_l = mother_key_r OR household_id_l = household_id_r)"
              " AND given_key_l <> given_key_r"
              f" AND pair_key_l <> pair_key_r AND NOT ({_NAME_TYPO})",
              fixed_weight=-30.0),
        # the same parents or household and birth years apart beyond a typo: an elder and a younger child
        Level("sibling_by_birth_date",
              "(father_key_l = father_key_r OR mother_key_l = mother_key_r OR household_id_l = household_id_r)"
              " AND birth_year_l <> birth_year_r AND damerau_levenshtein(dob_text_l, dob_text_r) > 1",
              fixed_weight=-15.0),
        Level("not_applicable", "ELSE", fixed_weight=0.0),
    )),
)  # fmt: skip

COMPARISON_NAMES = tuple(comparison.name for comparison in COMPARISONS)


def within_one_edit(first: str, second: str) -> bool:
    """Damerau–Levenshtein distance at most 1: one substitution, insertion, deletion or adjacent swap."""
    if first == second:
        return True
    length_first, length_second = len(first), len(second)
    if abs(length_first - length_second) > 1:
        return False
    if length_first == length_second:
        differences = [i for i in range(length_first) if first[i] != second[i]]
        if len(differences) == 1:
            return True
        if len(differences) != 2 or differences[1] != differences[0] + 1:
            return False
        i, j = differences
        return first[i] == second[j] and first[j] == second[i]
    if length_first > length_second:
        first, second = second, first
    i = 0
    while i < len(first) and first[i] == second[i]:
        i += 1
    return first[i:] == second[i + 1 :]


class Side:
    """One side of the pairs being compared: coded keys and date parts, gathered at some rows."""

    def __init__(
        self, codes: dict[str, np.ndarray], year, month, day, texts: Callable[[str, np.ndarray], list]
    ):
        self.codes, self.year, self.month, self.day = codes, year, month, day
        self._texts = texts

    @classmethod
    def rows(cls, columns: Columns, rows: np.ndarray) -> Side:
        codes = {name: array[rows] for name, array in columns.codes.items()}
        return cls(codes, columns.year[rows], columns.month[rows], columns.day[rows],
                   lambda name, where: columns.text(name, codes[name][where]))  # fmt: skip

    def texts(self, name: str, where: np.ndarray) -> list[str]:
        return self._texts(name, where)


def _known_equal(a: Side, b: Side, name: str) -> np.ndarray:
    # code 0 is unknown; -1 is a value of the application that no record has
    left, right = a.codes[name], b.codes[name]
    return (left == right) & (left > 0)


def _known_different(a: Side, b: Side, name: str) -> np.ndarray:
    left, right = a.codes[name], b.codes[name]
    return (left != right) & (left != 0) & (right != 0)


def _missing(a: Side, b: Side, name: str) -> np.ndarray:
    return (a.codes[name] == 0) | (b.codes[name] == 0)


def _first_true(conditions: list[np.ndarray], size: int) -> np.ndarray:
    levels = np.full(size, len(conditions), dtype=np.int8)
    for index in range(len(conditions) - 1, -1, -1):
        levels[np.broadcast_to(conditions[index], (size,))] = index
    return levels


def _within_one_edit_where(a: Side, b: Side, name: str, todo: np.ndarray) -> np.ndarray:
    result = np.zeros(len(todo), dtype=bool)
    where = np.flatnonzero(todo)
    if len(where):
        left, right = a.texts(name, where), b.texts(name, where)
        result[where] = [within_one_edit(x, y) for x, y in zip(left, right, strict=True)]
    return result


def _date_digits(year, month, day) -> np.ndarray:
    year, month, day = (np.asarray(x, dtype=np.int32) for x in (year, month, day))
    return np.stack([year // 1000, year // 100 % 10, year // 10 % 10, year % 10, month // 10, month % 10,
                     day // 10, day % 10], axis=-1)  # fmt: skip


def comparison_levels(a: Side, b: Side, size: int) -> dict[str, np.ndarray]:
    """The level of each comparison for each pair (a[i], b[i]); ``a`` may be one record broadcast."""
    levels: dict[str, np.ndarray] = {}

    # name
    null = _missing(a, b, "given_key")
    conditions = [null, _known_equal(a, b, "name_exact"), _known_equal(a, b, "name_key"),
                  _known_equal(a, b, "name_sorted"), _known_equal(a, b, "pair_key")]  # fmt: skip
    decided = np.zeros(size, dtype=bool)
    for condition in conditions:
        decided |= condition
    name_typo = _within_one_edit_where(a, b, "name_exact", ~decided)
    no_middle = (a.codes["middle_key"] == 0) | (b.codes["middle_key"] == 0)
    name_typo |= _within_one_edit_where(a, b, "pair_exact", ~decided & ~name_typo & no_middle)
    plain = (a.codes["name_plain"] > 0) | (b.codes["name_plain"] > 0)
    name_typo |= _within_one_edit_where(a, b, "name_key", ~decided & ~name_typo & plain)
    conditions.append(name_typo)
    conditions.append(_known_equal(a, b, "given_key"))
    levels["name"] = _first_true(conditions, size)

    # birth date
    same_year = (a.year == b.year) & (a.year > 0) & (b.year > 0)
    exact = _known_equal(a, b, "dob_text")
    a_placeholder = (a.month == 1) & (a.day == 1)
    b_placeholder = (b.month == 1) & (b.day == 1)
    swapped = same_year & (a.month == b.day) & (a.day == b.month) & (b.day <= 12) & (b.day != b.month)
    digits_differ = _date_digits(a.year, a.month, a.day) != _date_digits(b.year, b.month, b.day)
    differing = digits_differ.sum(axis=-1)
    adjacent = np.zeros(size, dtype=bool)
    if (differing == 2).any():
        da, db = (
            np.broadcast_to(_date_digits(a.year, a.month, a.day), digits_differ.shape),
            _date_digits(b.year, b.month, b.day),
        )
        for i in range(7):
            pair = digits_differ[:, i] & digits_differ[:, i + 1] & (differing == 2)
            adjacent |= pair & (da[:, i] == db[:, i + 1]) & (da[:, i + 1] == db[:, i])
    date_typo = (differing <= 1) | adjacent
    levels["birth_date"] = _first_true(
        [_missing(a, b, "dob_text"), exact & ~a_placeholder, swapped, same_year & (a_placeholder | b_placeholder),
         date_typo, same_year], size)  # fmt: skip

    for name, key in (("sex", "sex"), ("birth_place", "birth_place"), ("origin_place", "origin_place"),
                      ("ethnicity", "ethnicity"), ("old_id", "old_id_number")):  # fmt: skip
        levels[name] = _first_true([_missing(a, b, key), _known_equal(a, b, key)], size)

    father, mother = _known_equal(a, b, "father_key"), _known_equal(a, b, "mother_key")
    household = _known_equal(a, b, "household_id")
    both_known = (a.codes["parents_key"] != 0) & (b.codes["parents_key"] != 0)
    father_close = father | _within_one_edit_where(a, b, "father_key", _known_different(a, b, "father_key"))
    mother_close = mother | _within_one_edit_where(a, b, "mother_key", _known_different(a, b, "mother_key"))
    father_apart = _known_different(a, b, "father_key") & ~father_close
    mother_apart = _known_different(a, b, "mother_key") & ~mother_close
    levels["family"] = _first_true(
        [_known_equal(a, b, "parents_key"), household, both_known & father_close & mother_close,
         father_apart | mother_apart, _known_equal(a, b, "spouse_key"),
         _known_equal(a, b, "address_unit")], size)  # fmt: skip

    given_differs = _known_different(a, b, "given_key") & ~_known_equal(a, b, "pair_key")
    # undecided name pairs already had their typo test; decided ones have equal given names or pair keys
    sibling = (father | mother | household) & given_differs & ~name_typo
    years_apart = (a.year != b.year) & (a.year > 0) & (b.year > 0) & ~date_typo
    levels["sibling"] = _first_true([sibling, (father | mother | household) & years_apart], size)
    return levels


@dataclasses.dataclass(frozen=True)
class MatchModel:
    """m and u per level (u estimated on the registry), the prior and the decision threshold."""

    u: dict[str, tuple[float, ...]]
    expected_duplicate_share: float = 0.01  # share of records that duplicate another: sets the prior
    threshold: float = 0.5  # match probability from which a pair is called a duplicate

    def m(self, comparison: str) -> tuple[float, ...]:
        return tuple(level.m for level in _BY_NAME[comparison].levels)

    def level_weights(self, comparison: str) -> np.ndarray:
        """log2(m/u) per level, 0 for the null level, the stated weight for a rule."""
        weights = []
        for level, u in zip(_BY_NAME[comparison].levels, self.u[comparison], strict=True):
            if level.null:
                weights.append(0.0)
            elif level.fixed_weight is not None:
                weights.append(level.fixed_weight)
            else:
                weights.append(math.log2(level.m / u))
        return np.array(weights)

    def prior_weight(self, population: int) -> float:
        return math.log2(self.probability_two_random_records_match(population) /
                         (1 - self.probability_two_random_records_match(population)))  # fmt: skip

    def probability_two_random_records_match(self, population: int) -> float:
        # share × N duplicate pairs among N(N−1)/2 pairs
        return min(0.5, 2 * self.expected_duplicate_share / max(population - 1, 1))

    def probability(self, weight, population: int):
        return 1.0 / (1.0 + np.exp2(-(np.asarray(weight) + self.prior_weight(population))))

    def with_threshold(self, threshold: float) -> MatchModel:
        return dataclasses.replace(self, threshold=threshold)


_BY_NAME = {comparison.name: comparison for comparison in COMPARISONS}


def pair_weights(model: MatchModel, columns: Columns, levels: dict[str, np.ndarray], b: Side,
                 term_frequency_extra: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:  # fmt: skip
    """Match weight of each pair and the weight each comparison contributed.

    Term frequencies come from the registry's live counts of the value on side ``b`` (both sides agree at
    a term-frequency level); ``term_frequency_extra`` counts the other side when it is not in the registry.
    """
    contributions: dict[str, np.ndarray] = {}
    total = np.zeros(len(next(iter(levels.values()))))
    for comparison in COMPARISONS:
        level_of_pair = levels[comparison.name]
        weights = model.level_weights(comparison.name)[level_of_pair]
        for index, level in enumerate(comparison.levels):
            if level.tf_key is None:
                continue
            at_level = level_of_pair == index
            if not at_level.any():
                continue
            vocabulary = columns.vocabularies[level.tf_key]
            codes = b.codes[level.tf_key][at_level]
            frequency = (vocabulary.counts[codes] + term_frequency_extra) / max(
                vocabulary.known + term_frequency_extra, 1
            )
            weights = weights.copy()
            weights[at_level] = np.log2(level.m / frequency)
        contributions[comparison.name] = weights
        total = total + weights
    return total, contributions


def estimate_u(columns: Columns, pairs: int = 300_000, seed: int = 0) -> dict[str, tuple[float, ...]]:
    """u per level: the share of random pairs of live records at that level, among pairs with both values."""
    rng = np.random.default_rng(seed)
    live = np.flatnonzero(columns.alive[: columns.size])
    a, b = rng.choice(live, pairs), rng.choice(live, pairs)
    keep = a != b
    a, b = a[keep], b[keep]
    levels = comparison_levels(Side.rows(columns, a), Side.rows(columns, b), len(a))
    estimates = {}
    for comparison in COMPARISONS:
        counts = np.bincount(levels[comparison.name], minlength=len(comparison.levels)).astype(float)
        compared = sum(
            count for count, level in zip(counts, comparison.levels, strict=True) if not level.null
        )
        u = []
        for count, level in zip(counts, comparison.levels, strict=True):
            if level.null:
                u.append(1.0)
            elif level.fixed_weight is not None:
                u.append(0.5)
            else:
                # a level never seen among random pairs is rarer than one in the sample, not impossible
                u.append(max(count, 0.5) / max(compared, 1.0))
        estimates[comparison.name] = tuple(u)
    return estimates


def reasons(
    contributions: dict[str, np.ndarray], levels: dict[str, np.ndarray], index: int
) -> tuple[str, ...]:
    """'comparison:level' for every comparison that moved the weight, the strongest first."""
    moved = []
    for comparison in COMPARISONS:
        weight = float(contributions[comparison.name][index])
        if abs(weight) < 0.05:
            continue
        label = comparison.levels[int(levels[comparison.name][index])].label
        moved.append((-abs(weight), comparison.name, f"{comparison.name}:{label}"))
    return tuple(reason for _, _, reason in sorted(moved))
