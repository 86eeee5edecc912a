"""Synthetic Vietnamese registries with known duplicates, for measuring and testing duplicate detection.

``generate_population(n, duplicate_rate, seed)`` makes households (parents, children, sometimes an elder),
family names with national shares (Nguyễn 38 %), Văn/Thị middle names weighted by age, given names with a
long-tailed frequency, twins, and people who share a common name, birth year and province. It then copies
some people into second records the way real duplicates arise: diacritics lost, NFD text, the other
tone-mark placement, a typo, day and month swapped, a 1 January placeholder, no middle name, name order
reversed, Hoàng written Huỳnh, a move to another address, the same old 9-digit number, parents not filled in.
Vectorised with NumPy: a million records take well under a minute. The same seed gives the same records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata
from typing import NamedTuple

import numpy as np

from cancuoc.dedup.records import PersonRecord, comparison_keys
from cancuoc.demo.population import (
    AGE_BANDS,
    ETHNICITIES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    SURNAMES,
)
from cancuoc.rules.idnumber import PROVINCES_PRE_2025

TODAY = dt.date(2026, 12, 1)
HOME_PROVINCE = "001"
# More given names than the demo's, so a city does not consist of a few dozen names (the tail is long).
_MORE_MALE = (
    "Bảo", "Cảnh", "Chiến", "Công", "Cường", "Danh", "Đạt", "Điệp", "Định", "Đông", "Duy", "Hà", "Hậu", "Hiển",
    "Hiệp", "Hoan", "Hòa", "Học", "Hợp", "Kiên", "Khải", "Khang", "Khôi", "Lâm", "Lực", "Mạnh", "Nhân", "Ninh",
    "Phát", "Phước", "Quý", "Quyết", "Sang", "Tân", "Thái", "Thanh", "Thông", "Thuận", "Tiến", "Toản", "Trí",
    "Trường", "Tú", "Tuệ", "Tùng", "Văn", "Vĩnh", "Vượng", "Xuân", "Hoàng", "Thủy", "Khoa", "Tuyên", "Đoàn",
)  # fmt: skip
_MORE_FEMALE = (
    "Ánh", "Bích", "Châu", "Chi", "Diệp", "Diệu", "Đào", "Duyên", "Gấm", "Hạnh", "Hậu", "Hiền", "Hoài", "Hồng",
    "Huệ", "Hương", "Khánh", "Kiều", "Lài", "Lệ", "Linh", "Loan", "Ly", "Mai", "Minh", "My", "Nguyệt", "Nhàn",
    "Nhi", "Nhung", "Nương", "Phượng", "Quế", "Sen", "Tâm", "Thảo", "Thoa", "Thơ", "Thư", "Thùy", "Tiên",
    "Trâm", "Trinh", "Tuyết", "Vi", "Xoan", "Yên", "Thúy", "Hòa", "Thủy", "Khuê", "Ngọc", "Oanh", "Hiếu",
)  # fmt: skip
PROVINCE_CODES = tuple(PROVINCES_PRE_2025)
VARIATIONS = (
    "diacritics_lost", "nfd", "old_tone", "typo_name", "day_month_swapped", "placeholder_date", "missing_middle",
    "reversed_order", "regional_surname", "moved", "same_old_id", "parents_missing",
)  # fmt: skip
_VARIATION_WEIGHTS = np.array([3, 1.5, 1, 2, 1, 1, 1.5, 1, 1, 3, 1.5, 1], dtype=float)
# spelling changes before reordering, text encodings last, so each variation still applies
_APPLICATION_ORDER = (
    "regional_surname", "old_tone", "typo_name", "missing_middle", "reversed_order", "diacritics_lost", "nfd",
    "day_month_swapped", "placeholder_date", "moved", "same_old_id", "parents_missing",
)  # fmt: skip
_REGIONAL = {"Hoàng": "Huỳnh", "Huỳnh": "Hoàng", "Vũ": "Võ", "Võ": "Vũ"}
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_HEAD, _SPOUSE, _CHILD, _ELDER = 0, 1, 2, 3


class DuplicatePair(NamedTuple):
    original_id: str
    duplicate_id: str
    variations: tuple[str, ...]


def _zipf_weights(count: int, rng: np.random.Generator) -> np.ndarray:
    weights = 1.0 / (np.arange(count) + 3.0) ** 1.1
    return rng.permutation(weights) / weights.sum()


def _ages(rng: np.random.Generator, count: int, lowest: int, highest: int) -> np.ndarray:
    bands = np.asarray(AGE_BANDS) / np.sum(AGE_BANDS)
    ages = rng.choice(len(bands), count, p=bands) * 5 + rng.integers(0, 5, count)
    outside = (ages < lowest) | (ages > highest)
    ages[outside] = rng.integers(lowest, np.maximum(highest, lowest) + 1, outside.sum())
    return ages


class _Names:
    """Name tables as arrays with their sampling weights."""

    def __init__(self, rng: np.random.Generator):
        self.surnames = np.array([name for name, _ in SURNAMES], dtype=object)
        shares = np.array([share for _, share in SURNAMES])
        self.surname_p = shares / shares.sum()
        self.given = {
            "M": np.array(sorted(set(GIVEN_MALE) | set(_MORE_MALE)), dtype=object),
            "F": np.array(sorted(set(GIVEN_FEMALE) | set(_MORE_FEMALE)), dtype=object),
        }
        self.given_p = {sex: _zipf_weights(len(names), rng) for sex, names in self.given.items()}
        self.middle = {"M": np.array(MIDDLE_MALE, dtype=object), "F": np.array(MIDDLE_FEMALE, dtype=object)}

    def surname(self, rng, count):
        return rng.choice(self.surnames, count, p=self.surname_p)

    def given_names(self, rng, sexes: np.ndarray) -> np.ndarray:
        names = np.empty(len(sexes), dtype=object)
        for sex in ("M", "F"):
            where = sexes == sex
            names[where] = rng.choice(self.given[sex], where.sum(), p=self.given_p[sex])
        return names

    def middle_names(self, rng, sexes: np.ndarray, years: np.ndarray) -> np.ndarray:
        names = np.empty(len(sexes), dtype=object)
        traditional = rng.random(len(sexes)) < np.where(years < 1990, 0.55, 0.25)
        for sex, usual in (("M", "Văn"), ("F", "Thị")):
            where = sexes == sex
            names[where] = rng.choice(self.middle[sex], where.sum())
            names[where & traditional] = usual
        return names


def _join(*parts: np.ndarray) -> np.ndarray:
    return np.array([" ".join(p for p in words if p) for words in zip(*parts, strict=True)], dtype=object)


def _people(n: int, rng: np.random.Generator, names: _Names) -> dict[str, np.ndarray]:
    """Columns of ``n`` distinct people living in households."""
    households = n // 2 + 16
    has_spouse = rng.random(households) < 0.78
    children = np.where(has_spouse, rng.choice(5, households, p=[0.15, 0.25, 0.40, 0.15, 0.05]), 0)
    has_elder = rng.random(households) < 0.12
    size = 1 + has_spouse + children + has_elder
    household = np.repeat(np.arange(households), size)
    position = np.arange(len(household)) - np.repeat(np.cumsum(size) - size, size)
    role = np.full(len(household), _CHILD)
    role[position == 0] = _HEAD
    role[(position == 1) & has_spouse[household]] = _SPOUSE
    role[has_elder[household] & (position == size[household] - 1)] = _ELDER
    total = len(household)

    head_age = _ages(rng, households, 22, 90)
    spouse_age = np.clip(head_age + rng.integers(-5, 3, households), 18, 95)
    age = np.empty(total, dtype=np.int64)
    age[role == _HEAD] = head_age
    spouse_rows = role == _SPOUSE
    age[spouse_rows] = spouse_age[household[spouse_rows]]
    child_rows = role == _CHILD
    youngest_parent = np.minimum(head_age, spouse_age)[household[child_rows]]
    # children born after their younger parent turned 19
    age[child_rows] = (rng.random(child_rows.sum()) * np.maximum(youngest_parent - 19, 1)).astype(int)
    age[role == _ELDER] = _ages(rng, (role == _ELDER).sum(), 70, 100)
    birth = TODAY.toordinal() - age * 365 - rng.integers(0, 365, total)

    head_male = np.where(has_spouse, rng.random(households) < 0.92, rng.random(households) < 0.55)
    sex = np.where(rng.random(total) < 0.51, "M", "F").astype(object)
    sex[role == _HEAD] = np.where(head_male, "M", "F")[household[role == _HEAD]]
    sex[spouse_rows] = np.where(head_male, "F", "M")[household[spouse_rows]]
    sex[role == _ELDER] = np.where(rng.random((role == _ELDER).sum()) < 0.6, "F", "M")

    head_family, spouse_family = names.surname(rng, households), names.surname(rng, households)
    father_family = np.where(head_male, head_family, spouse_family)
    family = names.surname(rng, total)
    family[role == _HEAD] = head_family[household[role == _HEAD]]
    family[spouse_rows] = spouse_family[household[spouse_rows]]
    family[child_rows] = father_family[household[child_rows]]
    years = np.array([dt.date.fromordinal(int(day)).year for day in birth])
    middle = names.middle_names(rng, sex, years)
    given = names.given_names(rng, sex)

    # twins: a child's brother or sister born the same day, with another given name
    twin_of = np.flatnonzero(child_rows & (rng.random(total) < 0.015))
    if len(twin_of):
        twin_sex = np.where(
            rng.random(len(twin_of)) < 0.5, sex[twin_of], np.where(sex[twin_of] == "M", "F", "M")
        )
        twin_given = names.given_names(rng, twin_sex.astype(object))
        clash = twin_given == given[twin_of]
        while clash.any():
            twin_given[clash] = names.given_names(rng, twin_sex[clash].astype(object))
            clash = twin_given == given[twin_of]
        take = lambda array: np.concatenate([array, array[twin_of]])  # noqa: E731
        household, role, birth, family, years = map(take, (household, role, birth, family, years))
        sex = np.concatenate([sex, twin_sex.astype(object)])
        middle = np.concatenate([middle, names.middle_names(rng, twin_sex.astype(object), years[twin_of])])
        given = np.concatenate([given, twin_given])
        total = len(household)

    _distinct_given_names_in_households(household, role, sex, given, names, rng)
    full = _join(family, middle, given)
    head_row = np.zeros(households, dtype=np.int64)
    head_row[household[role == _HEAD]] = np.flatnonzero(role == _HEAD)
    spouse_row = np.full(households, -1, dtype=np.int64)
    spouse_row[household[role == _SPOUSE]] = np.flatnonzero(role == _SPOUSE)
    father_row = np.where(head_male, head_row, spouse_row)
    mother_row = np.where(head_male, spouse_row, head_row)

    father_name = np.full(total, "", dtype=object)
    mother_name = np.full(total, "", dtype=object)
    child_rows = role == _CHILD
    father_name[child_rows] = full[father_row[household[child_rows]]]
    mother_name[child_rows] = full[mother_row[household[child_rows]]]
    # adults: their own parents are not in this registry, and a quarter of old records lack them
    adults = np.flatnonzero((role != _CHILD) & (rng.random(total) < 0.75))
    male, female = np.full(len(adults), "M", dtype=object), np.full(len(adults), "F", dtype=object)
    old = years[adults] - 25
    father_name[adults] = _join(
        family[adults], names.middle_names(rng, male, old), names.given_names(rng, male)
    )
    mother_name[adults] = _join(names.surname(rng, len(adults)), names.middle_names(rng, female, old),
                                names.given_names(rng, female))  # fmt: skip
    spouse_name = np.full(total, "", dtype=object)
    married = spouse_row[household] >= 0
    heads, spouses = married & (role == _HEAD), role == _SPOUSE
    spouse_name[heads] = full[spouse_row[household[heads]]]
    spouse_name[spouses] = full[head_row[household[spouses]]]

    provinces = np.array(PROVINCE_CODES, dtype=object)
    birth_place = np.where(rng.random(total) < 0.85, HOME_PROVINCE, rng.choice(provinces, total)).astype(
        object
    )
    province_names = np.array([PROVINCES_PRE_2025[code] for code in PROVINCE_CODES], dtype=object)
    household_origin = np.where(rng.random(households) < 0.7, PROVINCES_PRE_2025[HOME_PROVINCE],
                                rng.choice(province_names, households)).astype(object)  # fmt: skip
    origin = household_origin[household]
    own_origin = (role == _SPOUSE) | (role == _ELDER)
    origin[own_origin] = rng.choice(province_names, own_origin.sum())
    ethnic_names = np.array([name for name, _ in ETHNICITIES], dtype=object)
    ethnic_p = np.array([share for _, share in ETHNICITIES]) / sum(share for _, share in ETHNICITIES)
    ethnicity = rng.choice(ethnic_names, households, p=ethnic_p)[household]
    communes = max(10, n // 3000)
    commune = rng.integers(0, communes, households)
    address_unit = np.array([f"{HOME_PROVINCE}{c:05d}" for c in commune], dtype=object)[household]
    household_id = np.array([f"{HOME_PROVINCE}{h:09d}" for h in range(households)], dtype=object)[household]
    old_id = np.full(total, "", dtype=object)
    has_old = np.flatnonzero((years < 1999) & (rng.random(total) < 0.6))
    old_id[has_old] = [
        f"{number:09d}" for number in rng.choice(10**9 - 10**8, len(has_old), replace=False) + 10**8
    ]

    columns = {
        "family_name": family, "middle_name": middle, "given_name": given, "birth": birth, "sex": sex,
        "birth_place": birth_place, "origin_place": origin, "ethnicity": ethnicity, "father_name": father_name,
        "mother_name": mother_name, "spouse_name": spouse_name, "household_id": household_id,
        "address_unit": address_unit, "old_id_number": old_id, "year": years,
    }  # fmt: skip
    order = np.argsort(household, kind="stable")[:n]  # whole households first; the last may be cut
    columns = {name: array[order] for name, array in columns.items()}
    _add_namesakes(columns, rng)
    return columns


def _distinct_given_names_in_households(household, role, sex, given, names: _Names, rng) -> None:
    """Parents do not give two children, or a child and a parent, the same given name."""
    for _ in range(20):
        order = np.lexsort((role, given.astype(str), household))
        same = np.zeros(len(order), dtype=bool)
        same[1:] = (household[order][1:] == household[order][:-1]) & (given[order][1:] == given[order][:-1])
        clash = order[same & (role[order] == _CHILD)]
        if not len(clash):
            return
        given[clash] = names.given_names(rng, sex[clash])


def _add_namesakes(columns: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Some adults get the full name, sex, birth year and birth province of another, unrelated person."""
    total = len(columns["birth"])
    count = max(1, total // 300)
    adult = np.flatnonzero(columns["year"] < 2000)
    if len(adult) < 2 * count:
        return
    chosen = rng.choice(adult, 2 * count, replace=False)
    sources, targets = chosen[:count], chosen[count:]
    for name in ("family_name", "middle_name", "given_name", "sex", "birth_place"):
        columns[name][targets] = columns[name][sources]
    shift = rng.integers(1, 300, count)
    birth = columns["birth"][sources] + shift
    same_year = np.array([dt.date.fromordinal(int(a)).year == dt.date.fromordinal(int(b)).year
                          for a, b in zip(birth, columns["birth"][sources], strict=True)])  # fmt: skip
    birth[~same_year] = columns["birth"][sources][~same_year] - shift[~same_year]
    columns["birth"][targets] = birth
    columns["year"][targets] = columns["year"][sources]


def _record_ids(places, years, sexes, rng: np.random.Generator) -> list[str]:
    prefixes = [f"{place}{(year // 100 - 19) * 2 + (sex == 'F')}{year % 100:02d}"
                for place, year, sex in zip(places, years, sexes, strict=True)]  # fmt: skip
    suffix = np.concatenate([rng.permutation(10**6) for _ in range(len(prefixes) // 10**6 + 1)])[
        : len(prefixes)
    ]
    ids = [f"{prefix}{number:06d}" for prefix, number in zip(prefixes, suffix, strict=True)]
    seen: set[str] = set()
    for index, record_id in enumerate(ids):
        while record_id in seen:
            record_id = f"{prefixes[index]}{rng.integers(10**6):06d}"
        ids[index] = record_id
        seen.add(record_id)
    return ids


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def other_tone_placement(word: str) -> str:
    """'Hòa' → 'Hoà', 'Thúy' → 'Thuý': the tone mark moved to the second vowel of an open oa/oe/uy."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    lower = bare.lower()
    if not lower.endswith(("oa", "oe", "uy")) or lower.endswith("quy"):
        return word
    moved = unicodedata.normalize("NFC", bare + tones[0])
    return moved if moved != unicodedata.normalize("NFC", word) else word


def _typo(word: str, rng: np.random.Generator) -> str:
    letters = list(word)
    if len(letters) < 2:
        return word + "h"
    position = int(rng.integers(1, len(letters)))
    operation = rng.choice(["substitute", "delete", "insert", "transpose"] if len(letters) > 2 else
                           ["substitute", "insert"])  # fmt: skip
    letter = "abcdeghiklmnopqrstuvxy"[int(rng.integers(22))]
    if operation == "substitute":
        letters[position] = letter if letters[position] != letter else "n"
    elif operation == "delete":
        del letters[position]
    elif operation == "insert":
        letters.insert(position, letter)
    elif letters[position - 1] != letters[position] and position > 1:
        letters[position - 1], letters[position] = letters[position], letters[position - 1]
    else:
        letters[position] = letter if letters[position] != letter else "n"
    return "".join(letters)


_NAME_FIELDS = ("family_name", "middle_name", "given_name", "father_name", "mother_name", "spouse_name")


def _applicable(kind: str, person: dict, has_old_id: bool) -> bool:
    birth: dt.date = person["birth_date"]
    if kind == "old_tone":
        return any(
            other_tone_placement(w) != w for f in ("middle_name", "given_name") for w in person[f].split()
        )
    if kind == "day_month_swapped":
        return birth.day <= 12 and birth.day != birth.month
    if kind == "placeholder_date":
        return (birth.month, birth.day) != (1, 1)
    if kind == "missing_middle":
        return bool(person["middle_name"])
    if kind == "regional_surname":
        return person["family_name"] in _REGIONAL
    if kind == "same_old_id":
        return has_old_id
    if kind == "parents_missing":
        return bool(person["father_name"] or person["mother_name"])
    return True


def _vary(person: dict, kind: str, rng: np.random.Generator, moved_to: tuple[str, str]) -> None:
    if kind == "diacritics_lost":
        for field in _NAME_FIELDS:
            person[field] = _strip_marks(person[field])
    elif kind == "nfd":
        for field in _NAME_FIELDS:
            person[field] = unicodedata.normalize("NFD", person[field])
    elif kind == "old_tone":
        for field in ("middle_name", "given_name"):
            person[field] = " ".join(other_tone_placement(w) for w in person[field].split())
    elif kind == "typo_name":
        field = rng.choice(["given_name", "given_name", "given_name", "middle_name", "family_name"])
        if not person[field]:
            field = "given_name"
        person[field] = _typo(person[field], rng)
    elif kind == "day_month_swapped":
        birth = person["birth_date"]
        person["birth_date"] = birth.replace(month=birth.day, day=birth.month)
    elif kind == "placeholder_date":
        person["birth_date"] = dt.date(person["birth_date"].year, 1, 1)
    elif kind == "missing_middle":
        person["middle_name"] = ""
    elif kind == "reversed_order":
        person["family_name"], person["given_name"] = person["given_name"], person["family_name"]
    elif kind == "regional_surname":
        person["family_name"] = _REGIONAL[person["family_name"]]
    elif kind == "moved":
        person["household_id"], person["address_unit"] = moved_to
    elif kind == "parents_missing":
        person["father_name"] = person["mother_name"] = person["spouse_name"] = ""


def generate_population(n: int, duplicate_rate: float = 0.01, seed: int = 0
                        ) -> tuple[list[PersonRecord], list[DuplicatePair]]:  # fmt: skip
    """``n`` records of which ``round(n * duplicate_rate)`` are second records of someone else, and the list
    of those (original, duplicate) pairs with the variations each duplicate carries."""
    rng = np.random.default_rng(seed)
    names = _Names(rng)
    duplicates = int(round(n * duplicate_rate))
    people = _people(n - duplicates, rng, names)
    count = len(people["birth"])
    births = [dt.date.fromordinal(int(day)) for day in people["birth"]]
    ids = _record_ids(people["birth_place"], people["year"], people["sex"], rng)
    fields = ("family_name", "middle_name", "given_name", "sex", "birth_place", "origin_place", "ethnicity",
              "father_name", "mother_name", "spouse_name", "household_id", "address_unit", "old_id_number")  # fmt: skip
    values = [people[field].tolist() for field in fields]
    records = [PersonRecord(ids[i], *(column[i] for column in values[:3]), births[i], *(column[i] for column in values[3:]))
               for i in range(count)]  # fmt: skip

    originals = rng.choice(count, duplicates, replace=False) if duplicates else np.zeros(0, dtype=np.int64)
    copies, pairs = [], []
    for number, row in enumerate(originals):
        original = records[int(row)]
        person = dataclasses.asdict(original)
        person["old_id_number"] = ""
        person["birth_date"] = original.birth_date
        wanted = int(rng.choice([1, 2, 3], p=[0.5, 0.35, 0.15]))
        kinds: list[str] = []
        weights = _VARIATION_WEIGHTS.copy()
        while len(kinds) < wanted and weights.sum() > 0:
            kind = VARIATIONS[int(rng.choice(len(VARIATIONS), p=weights / weights.sum()))]
            weights[VARIATIONS.index(kind)] = 0
            if kind == "day_month_swapped" and "placeholder_date" in kinds:
                continue
            if kind == "placeholder_date" and "day_month_swapped" in kinds:
                continue
            if _applicable(kind, person, bool(original.old_id_number)):
                kinds.append(kind)
        moved_to = (
            f"{HOME_PROVINCE}9{number:08d}",
            f"{HOME_PROVINCE}{int(rng.integers(0, max(10, n // 3000))):05d}",
        )
        for kind in sorted(kinds, key=_APPLICATION_ORDER.index):
            _vary(person, kind, rng, moved_to)
        if "same_old_id" in kinds:
            person["old_id_number"] = original.old_id_number
        copies.append(person)
        pairs.append((original.record_id, tuple(sorted(kinds, key=VARIATIONS.index))))
    if copies:
        copy_ids = _record_ids([p["birth_place"] for p in copies], [p["birth_date"].year for p in copies],
                               [p["sex"] for p in copies], rng)  # fmt: skip
        taken = set(ids)
        for index, copy_id in enumerate(copy_ids):
            while copy_id in taken:
                copy_id = copy_id[:6] + f"{int(rng.integers(10**6)):06d}"
            taken.add(copy_id)
            copies[index]["record_id"] = copy_id
            records.append(PersonRecord(**copies[index]))
    order = rng.permutation(len(records))
    records = [records[i] for i in order]
    true_pairs = [DuplicatePair(original_id, copy["record_id"], kinds)
                  for (original_id, kinds), copy in zip(pairs, copies, strict=True)]  # fmt: skip
    return records, true_pairs


def hard_non_duplicates(
    records: list[PersonRecord], true_pairs: list[DuplicatePair]
) -> dict[str, list[tuple]]:
    """Pairs of different people that look alike: 'twins' (same parents and birth date) and 'namesakes'
    (same full name, birth year and place of birth registration, another birth date)."""
    duplicates = {frozenset((pair.original_id, pair.duplicate_id)) for pair in true_pairs}
    groups: dict[str, dict[tuple, list]] = {"twins": {}, "namesakes": {}}
    for record in records:
        keys = comparison_keys(record)
        if keys.father_key and keys.mother_key and keys.dob_text:
            groups["twins"].setdefault((keys.father_key, keys.mother_key, keys.dob_text), []).append(record)
        if keys.name_key and keys.birth_year:
            groups["namesakes"].setdefault((keys.name_key, keys.birth_year, keys.birth_place), []).append(
                record
            )
    found: dict[str, list[tuple]] = {"twins": [], "namesakes": []}
    for kind, grouped in groups.items():
        for members in grouped.values():
            for i, first in enumerate(members):
                for second in members[i + 1 :]:
                    if frozenset((first.record_id, second.record_id)) in duplicates:
                        continue
                    if kind == "namesakes" and first.birth_date == second.birth_date:
                        continue
                    if (
                        kind == "twins"
                        and comparison_keys(first).given_key == comparison_keys(second).given_key
                    ):
                        continue
                    found[kind].append((first.record_id, second.record_id))
    return found
