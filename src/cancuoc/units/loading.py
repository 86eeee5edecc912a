"""Load the official unit lists into the database, from the installed PyPI packages.

- Structure since 1 July 2025: ``vietnam-provinces`` 2025.x, a dependency of this project.
- Structure before 1 July 2025: ``vietnam-provinces`` 0.6.0. One environment cannot hold two versions of
  a package, so `make install` downloads its wheel once into ``var/data/`` (or ``CANCUOC_LEGACY_DATA_DIR``)
  and loading reads it from there: nothing is downloaded while loading or testing.
- Old → new successions: ``vietnam-address-converter`` maps old communes to new ones by name; we match
  those names to our units (the package's own codes are not GSO codes).

The packages are GPL-3.0 (vietnam-provinces) and Apache-2.0: their files are read, never copied here.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from cancuoc.rules.text import fold, normalize_name

from .models import STRUCTURE_2025_START, AdministrativeUnit, Kind, Level, Structure, UnitSuccession

LEGACY_PACKAGE_VERSION = "0.6.0"
LEGACY_LAST_DAY = date(2025, 6, 30)

_PREFIX_KINDS = [  # longest prefix first
    ("thành phố", Kind.THANH_PHO),
    ("thị trấn", Kind.THI_TRAN),
    ("thị xã", Kind.THI_XA),
    ("đặc khu", Kind.DAC_KHU),
    ("phường", Kind.PHUONG),
    ("huyện", Kind.HUYEN),
    ("quận", Kind.QUAN),
    ("tỉnh", Kind.TINH),
    ("xã", Kind.XA),
]
_FOLDED_PREFIXES = sorted(
    {fold(prefix) for prefix, _ in _PREFIX_KINDS} | {"huyen dao"}, key=len, reverse=True
)

ProgressCallback = Callable[[str, int, int], None]


def kind_from_name(name: str, level: int) -> str:
    lowered = name.lower()
    for prefix, kind in _PREFIX_KINDS:
        if lowered.startswith(prefix + " "):
            if level == Level.PROVINCE and kind == Kind.THANH_PHO:
                return Kind.THANH_PHO_TRUNG_UONG
            return kind
    return {Level.PROVINCE: Kind.TINH, Level.DISTRICT: Kind.HUYEN}.get(level, Kind.XA)


def short_key(name: str) -> str:
    """'Phường Phúc Xá' → 'phuc xa', 'Quận 3' → '3': the name without its unit-type prefix, folded."""
    folded = fold(name)
    for prefix in _FOLDED_PREFIXES:
        if folded.startswith(prefix + " "):
            return folded[len(prefix) + 1 :]
    return folded


class LegacyUnitsMissing(RuntimeError):
    """The pre-2025 unit list was not fetched at install time."""

    def __init__(self, folder: Path):
        wheel = f"vietnam_provinces-{LEGACY_PACKAGE_VERSION}-*.whl"
        super().__init__(
            f"Thiếu danh sách đơn vị trước 2025 ({wheel} trong {folder}): chạy `make install` / "
            f"the pre-2025 unit list is missing ({wheel} in {folder}): run `make install`, which downloads it "
            f"(or set CANCUOC_LEGACY_DATA_DIR to a folder that holds it)"
        )


def legacy_data_folder() -> Path:
    """Where `make install` puts the 0.6.0 wheel: ``var/data`` of the checkout, whatever CANCUOC_VAR_DIR says."""
    return Path(os.environ.get("CANCUOC_LEGACY_DATA_DIR") or Path(settings.BASE_DIR) / "var" / "data")


def legacy_data_path() -> Path:
    """The pre-2025 nested list, read from the 0.6.0 wheel fetched at install time; ``LegacyUnitsMissing``
    when it is absent (never downloaded here: loading and tests work offline)."""
    target = legacy_data_folder()
    extracted = target / f"vietnam-provinces-{LEGACY_PACKAGE_VERSION}-nested-divisions.json"
    wheels = sorted(target.glob(f"vietnam_provinces-{LEGACY_PACKAGE_VERSION}-*.whl"))
    if not wheels:
        raise LegacyUnitsMissing(target)
    if not extracted.exists():
        with zipfile.ZipFile(wheels[0]) as wheel:
            extracted.write_bytes(wheel.read("vietnam_provinces/data/nested-divisions.json"))
    return extracted


def current_data() -> list[dict]:
    return json.loads(
        resources.files("vietnam_provinces").joinpath("data/nested-divisions.json").read_text("utf-8")
    )


def legacy_data() -> list[dict]:
    return json.loads(legacy_data_path().read_text("utf-8"))


def succession_rows() -> list[dict]:
    from vietnam_address_converter.data import DEFAULT_DATA

    return DEFAULT_DATA["mapping"]["rows"]


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    successions: int = 0
    unmatched_succession_rows: list[str] = field(default_factory=list)


def _make(structure, level, code, name, parent, valid_from, valid_to, kind=None) -> AdministrativeUnit:
    clean = normalize_name(name)
    return AdministrativeUnit(
        structure=structure,
        level=level,
        kind=kind or kind_from_name(clean, level),
        code=code,
        name=clean,
        name_folded=fold(clean),
        parent=parent,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _bulk_insert(units: list[AdministrativeUnit]) -> list[AdministrativeUnit]:
    return AdministrativeUnit.objects.bulk_create(units, batch_size=2000)


def fill_paths() -> None:
    """Set ``path`` and ``depth`` of every unit still without one, top level first (one UPDATE a level)."""
    table = AdministrativeUnit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET path = '/' || CAST(id AS TEXT) || '/', depth = 0 "
            "WHERE parent_id IS NULL AND path = ''"
        )
        for _ in range(10):  # deeper than any real hierarchy
            cursor.execute(
                f"UPDATE {table} SET path = (SELECT p.path FROM {table} p WHERE p.id = {table}.parent_id) "
                f"|| CAST(id AS TEXT) || '/', depth = (SELECT p.depth + 1 FROM {table} p WHERE p.id = {table}.parent_id) "
                f"WHERE path = '' AND parent_id IN (SELECT id FROM {table} WHERE path <> '')"
            )
            if cursor.rowcount == 0:
                break


def _province_name(source: dict) -> str:
    """The 2025 list names most provinces bare ("Hưng Yên"); give them their title like the others."""
    name = source["name"]
    if source.get("division_type") == "tỉnh" and not name.lower().startswith(("tỉnh ", "thành phố ")):
        return f"Tỉnh {name}"
    return name


def _load_structure(structure: str, data: list[dict], report: LoadReport, progress: ProgressCallback | None):
    if structure == Structure.Y2025:
        valid_from, valid_to = STRUCTURE_2025_START, None
    else:
        valid_from, valid_to = None, LEGACY_LAST_DAY
    provinces = _bulk_insert([
        _make(structure, Level.PROVINCE, f"{p['code']:02d}", _province_name(p), None, valid_from, valid_to,
              Kind.THANH_PHO_TRUNG_UONG if p.get("division_type") == "thành phố trung ương" else None)
        for p in data
    ])  # fmt: skip
    report.created[f"{structure}:province"] += len(provinces)
    for index, (province, source) in enumerate(zip(provinces, data, strict=True), start=1):
        if structure == Structure.Y2025:
            communes = [
                _make(structure, Level.COMMUNE, f"{w['code']:05d}", w["name"], province, valid_from, valid_to)
                for w in source["wards"]
            ]
            report.created[f"{structure}:commune"] += len(_bulk_insert(communes))
        else:
            districts = _bulk_insert([
                _make(structure, Level.DISTRICT, f"{d['code']:03d}", d["name"], province, valid_from, valid_to)
                for d in source["districts"]
            ])  # fmt: skip
            report.created[f"{structure}:district"] += len(districts)
            communes = [
                _make(structure, Level.COMMUNE, f"{w['code']:05d}", w["name"], district, valid_from, valid_to)
                for district, d in zip(districts, source["districts"], strict=True)
                for w in d["wards"]
            ]
            report.created[f"{structure}:commune"] += len(_bulk_insert(communes))
        if progress:
            progress(f"{structure}", index, len(data))


def _province_key(name: str) -> str:
    key = short_key(name)
    return {"thua thien hue": "hue"}.get(key, key)


def _load_successions(report: LoadReport, progress: ProgressCallback | None) -> None:
    old_communes: dict[tuple[str, str, str], AdministrativeUnit] = {}
    for unit in AdministrativeUnit.objects.filter(
        structure=Structure.PRE_2025, level=Level.COMMUNE
    ).select_related("parent__parent"):
        district, province = unit.parent, unit.parent.parent
        old_communes[(_province_key(province.name), short_key(district.name), short_key(unit.name))] = unit
    new_communes: dict[tuple[str, str], AdministrativeUnit] = {}
    for unit in AdministrativeUnit.objects.filter(
        structure=Structure.Y2025, level=Level.COMMUNE
    ).select_related("parent"):
        new_communes[(_province_key(unit.parent.name), short_key(unit.name))] = unit

    pairs: set[tuple[int, int]] = set()
    old_by_id: dict[int, AdministrativeUnit] = {}
    new_by_id: dict[int, AdministrativeUnit] = {}
    rows = succession_rows()
    for row in rows:
        old_names, new_names = row["old"], row["new"]
        old = old_communes.get((_province_key(old_names["province_name"]), short_key(old_names["district_name"]),
                                short_key(old_names["ward_name"])))  # fmt: skip
        new = new_communes.get((_province_key(new_names["province_name"]), short_key(new_names["ward_name"])))
        if old is None or new is None:
            report.unmatched_succession_rows.append(
                f"{old_names['ward_name']}, {old_names['district_name']}, {old_names['province_name']}"
                f" → {new_names['ward_name']}, {new_names['province_name']}"
                f" ({'old' if old is None else 'new'} not found)"
            )
            continue
        pairs.add((old.pk, new.pk))
        old_by_id[old.pk] = old
        new_by_id[new.pk] = new
    # Districts and provinces succeed to whatever their communes went to.
    derived: set[tuple[int, int]] = set()
    for old_id, new_id in pairs:
        old, new = old_by_id[old_id], new_by_id[new_id]
        derived.add((old.parent_id, new_id))  # old district → new commune
        derived.add((old.parent.parent_id, new.parent_id))  # old province → new province
    links = [
        UnitSuccession(
            predecessor_id=a,
            successor_id=b,
            effective=STRUCTURE_2025_START,
            source="vietnam-address-converter",
        )
        for a, b in sorted(pairs | derived)
    ]
    UnitSuccession.objects.bulk_create(links, batch_size=5000)
    report.successions = len(links)
    if progress:
        progress("successions", len(rows), len(rows))


@transaction.atomic
def load_units(progress: ProgressCallback | None = None, *, replace: bool = False) -> LoadReport:
    """Load both structures and the successions in one transaction (all or nothing).

    Refuses to load twice unless ``replace``; replacing is only possible while no citizen, user or
    other record points at a unit (foreign keys are PROTECT).
    """
    report = LoadReport()
    if AdministrativeUnit.objects.exists():
        if not replace:
            raise UnitsAlreadyLoaded()
        UnitSuccession.objects.all().delete()
        for level in (Level.COMMUNE, Level.DISTRICT, Level.PROVINCE):
            AdministrativeUnit.objects.filter(level=level).delete()
    _load_structure(Structure.Y2025, current_data(), report, progress)
    _load_structure(Structure.PRE_2025, legacy_data(), report, progress)
    fill_paths()
    _load_successions(report, progress)
    from .selectors import invalidate_unit_index

    transaction.on_commit(invalidate_unit_index)
    return report


class UnitsAlreadyLoaded(Exception):
    pass
