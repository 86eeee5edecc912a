"""Reads of administrative units: type-ahead search, subtrees, resolution of old units to today's."""

from __future__ import annotations

import bisect
import heapq
import re
import time
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, QuerySet
from django.db.models.signals import post_delete, post_save

from cancuoc.rules.text import fold

from .models import AdministrativeUnit, Level, Structure, UnitSuccession


@dataclass(frozen=True)
class _Entry:
    pk: int
    name_folded: str
    level: int
    valid_from: date | None
    valid_to: date | None


class _UnitIndex:
    """All units' folded names in memory (about 14,000 rows, a few MB).

    Type-ahead runs on every keystroke; `str.find` over one string of all names beats a LIKE scan and
    sort in the database. The index is rebuilt when a unit is saved in this process, after
    `cancuoc units load`, and when the table's size changed (checked at most once a minute, for other
    processes' loads).
    """

    RECHECK_SECONDS = 60
    # A query like "xa" matches every commune; the first matches in table order (units in force,
    # provinces first) are the ones worth ranking.
    MAX_CANDIDATES = 500

    def __init__(self):
        self._stamp = None
        self._checked_at = 0.0
        self.paths: dict[int, str] = {}
        self._entries: list[_Entry] = []
        self._text = ""
        self._starts: list[int] = []

    def invalidate(self, **_signal_arguments) -> None:
        self._stamp = None

    def _refresh(self) -> None:
        if self._stamp is not None and time.monotonic() - self._checked_at < self.RECHECK_SECONDS:
            return
        stamp = AdministrativeUnit.objects.aggregate(n=Count("id"), top=Max("id"))
        stamp = (stamp["n"], stamp["top"])
        self._checked_at = time.monotonic()
        if stamp == self._stamp:
            return
        rows = list(
            AdministrativeUnit.objects.values_list(
                "pk", "name_folded", "level", "valid_from", "valid_to", "path"
            )
        )
        self._entries = [_Entry(*row[:5]) for row in rows]
        self.paths = {row[0]: row[5] for row in rows}
        # "\nname\nname\n": every name starts after a newline, so a word start is " w" or "\nw".
        self._starts, offset = [], 1
        for entry in self._entries:
            self._starts.append(offset)
            offset += len(entry.name_folded) + 1
        self._text = "\n" + "\n".join(entry.name_folded for entry in self._entries) + "\n"
        self._stamp = stamp

    def candidates(self, words: list[str]):
        """Entries whose name contains every word; a word of one or two letters must start a word
        (officers typing "ha" mean Hà, Hạ, Hải..., not every "Thanh")."""
        self._refresh()
        key = max(words, key=len)
        patterns = [" " + key, "\n" + key] if len(key) <= 2 else [key]
        seen: set[int] = set()
        yielded = 0
        for pattern in patterns:
            shift = 1 if pattern[0] in " \n" and len(pattern) > len(key) else 0
            position = self._text.find(pattern)
            while position != -1:
                index = bisect.bisect_right(self._starts, position + shift) - 1
                if index not in seen:
                    seen.add(index)
                    entry = self._entries[index]
                    if all(_contains(entry.name_folded, word) for word in words):
                        yield entry
                        yielded += 1
                        if yielded >= self.MAX_CANDIDATES:
                            return
                position = self._text.find(pattern, position + 1)


def _contains(name: str, word: str) -> bool:
    if len(word) > 2:
        return word in name
    return name.startswith(word) or (" " + word) in name


_index = _UnitIndex()
post_save.connect(_index.invalidate, sender=AdministrativeUnit, dispatch_uid="unit-index")
post_delete.connect(_index.invalidate, sender=AdministrativeUnit, dispatch_uid="unit-index-delete")


def unit_path(unit_id: int) -> str:
    """A unit's materialised path from memory (used by the area check of every citizen lookup)."""
    _index._refresh()
    path = _index.paths.get(unit_id)
    if path is None:  # created since the last refresh (another process): read it and rebuild next time
        _index.invalidate()
        path = AdministrativeUnit.objects.filter(pk=unit_id).values_list("path", flat=True).first() or ""
    return path


def invalidate_unit_index() -> None:
    _index.invalidate()


def search_units(query: str, *, limit: int = 20, in_force_on: date | None = None) -> list[AdministrativeUnit]:
    """Diacritic-insensitive type-ahead: every word of the query must appear in the unit's name.

    Ranked: whole name equal, then the name after its type word ("Xã Thái Thụy" for "thai thuy"),
    then names that start with the query, then the rest; units in force before units that ceased;
    then by level (provinces first) and name.
    """
    folded = fold(query)
    if not folded:
        return []
    words = folded.split()
    found = []
    for entry in _index.candidates(words):
        name = entry.name_folded
        if in_force_on is not None and not (
            (entry.valid_from is None or entry.valid_from <= in_force_on)
            and (entry.valid_to is None or in_force_on <= entry.valid_to)
        ):
            continue
        if name == folded:
            rank = 0
        elif name.endswith(" " + folded):
            rank = 1
        elif name.startswith(folded):
            rank = 2
        else:
            rank = 3
        found.append((rank, entry.valid_to is not None, entry.level, name, entry.pk))
    best = [row[-1] for row in heapq.nsmallest(limit, found)]
    units = AdministrativeUnit.objects.select_related("parent__parent").in_bulk(best)
    return [units[pk] for pk in best if pk in units]


def subtree(unit: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(path__startswith=unit.path)


def children(unit: AdministrativeUnit | None) -> QuerySet[AdministrativeUnit]:
    if unit is None:
        return AdministrativeUnit.objects.filter(parent__isnull=True)
    return unit.children.all()


def resolve_to_units_in_force(unit: AdministrativeUnit, on: date) -> list[AdministrativeUnit]:
    """Today's unit(s) for an old one: follow successions until units in force on ``on``.

    A commune that was split resolves to several units; a unit still in force resolves to itself.
    """
    if unit.is_in_force(on):
        return [unit]
    frontier, seen, found = [unit.pk], {unit.pk}, {}
    while frontier:
        links = UnitSuccession.objects.filter(predecessor_id__in=frontier).select_related("successor")
        frontier = []
        for link in links:
            successor = link.successor
            if successor.pk in seen:
                continue
            seen.add(successor.pk)
            if successor.is_in_force(on):
                found[successor.pk] = successor
            else:
                frontier.append(successor.pk)
    return sorted(found.values(), key=lambda u: (u.level, u.name_folded))


# A unit of the pre-2025 structure written as "cũ:<code>" ("cũ" = old; our exports write it so): codes were
# reused in 2025 (the old Hà Nội and today's are both "01"), and a plain code names today's unit first.
OLD_STRUCTURE_PREFIX = "cũ:"


def parse_unit_code(text: str) -> tuple[bool, str]:
    """(names a pre-2025 unit, the code): "cũ:01" → (True, "01"); "01" → (False, "01")."""
    prefix, colon, rest = text.partition(":")
    if colon and fold(prefix) == "cu":
        return True, rest.strip()
    return False, text.strip()


def unit_for_code(code: str, level: int | None = None, *, on: date) -> tuple[AdministrativeUnit | None, list]:
    """The unit a code from outside names (today's structure first, as codes are reused) and, for a
    commune that has ceased, the units in force ``on`` that took it over (the unit itself otherwise).
    "cũ:<code>" names exactly that pre-2025 unit, never its successor. (None, []) when no unit has the code."""
    old_structure, code = parse_unit_code(code)
    if old_structure:
        units = AdministrativeUnit.objects.filter(
            structure=Structure.PRE_2025, code=code.zfill(5) if level == Level.COMMUNE else code
        )
        unit = (units.filter(level=level) if level is not None else units).first()
        return (unit, [unit]) if unit is not None else (None, [])
    units = AdministrativeUnit.objects.filter(code=code.zfill(5) if level == Level.COMMUNE else code)
    if level is not None:
        units = units.filter(level=level)
    unit = units.filter(structure=Structure.Y2025).first() or units.first()
    if unit is None:
        return None, []
    if unit.valid_to is not None and level == Level.COMMUNE:
        return unit, resolve_to_units_in_force(unit, on)
    return unit, [unit]


# The abbreviations of unit types on old cards and forms ("P. Ba Đình", "Tp Hà Nội", "TX. Sơn Tây")
_ABBREVIATION = re.compile(r"^(tp|tx|tt|q|p|h|x)(?:\.\s*|\s+)(?=\S)", re.IGNORECASE)
_TYPE_WORDS = {"tp": "Thành phố", "tx": "Thị xã", "tt": "Thị trấn", "q": "Quận", "p": "Phường", "h": "Huyện",
               "x": "Xã"}  # fmt: skip


def expand_unit_abbreviation(part: str) -> str:
    """"P. Ba Đình" → "Phường Ba Đình"; a part without an abbreviated type word is returned as it is."""
    match = _ABBREVIATION.match(part)
    if match is None:
        return part
    return f"{_TYPE_WORDS[match.group(1).lower()]} {part[match.end():]}"


def resolve_address_text(text: str, on: date) -> tuple[AdministrativeUnit | None, list[AdministrativeUnit]]:
    """An address as written on an old card ("Thôn 3, Xã Thụy Hải, Huyện Thái Thụy, Tỉnh Thái Bình") →
    (the unit it names, today's unit(s) for it). Walks down from the province, matching each part by
    its full name ("Phường Ba Đình") or, failing that, its name without the type word ("Ba Đình");
    street parts before the units are ignored. (None, []) when not even a province matches."""
    from .loading import short_key

    parts = [expand_unit_abbreviation(part.strip()) for part in text.split(",") if part.strip()]
    best: AdministrativeUnit | None = None
    candidates = list(AdministrativeUnit.objects.filter(level=1))
    for part in reversed(parts):
        exact = [unit for unit in candidates if unit.name_folded == fold(part)]
        matches = exact or [unit for unit in candidates if short_key(unit.name) == short_key(part)]
        if not matches:
            break
        best = sorted(matches, key=lambda unit: unit.valid_to is not None)[0]
        candidates = list(AdministrativeUnit.objects.filter(parent__in=matches))
    if best is None:
        return None, []
    return best, resolve_to_units_in_force(best, on)
