"""Loads the real unit lists from the installed packages (slow: one test, many assertions)."""

from datetime import date

import pytest

from cancuoc.units.loading import UnitsAlreadyLoaded, load_units
from cancuoc.units.models import AdministrativeUnit, Kind, Level, Structure
from cancuoc.units.selectors import resolve_to_units_in_force, search_units


@pytest.mark.django_db(transaction=False)
def test_both_structures_and_the_successions_load():
    report = load_units()
    count = AdministrativeUnit.objects.filter
    assert count(structure=Structure.Y2025, level=Level.PROVINCE).count() == 34
    assert count(structure=Structure.Y2025, level=Level.COMMUNE).count() == 3321
    assert count(structure=Structure.Y2025, level=Level.DISTRICT).count() == 0
    assert count(structure=Structure.PRE_2025, level=Level.PROVINCE).count() == 63
    assert 690 <= count(structure=Structure.PRE_2025, level=Level.DISTRICT).count() <= 710
    assert 10000 <= count(structure=Structure.PRE_2025, level=Level.COMMUNE).count() <= 10700
    assert count(kind=Kind.DAC_KHU).count() == 13
    assert not count(path="").exists()
    # Nearly every row of the old→new mapping finds both of its units.
    assert len(report.unmatched_succession_rows) < 100
    assert report.successions > 10000

    old_district = count(structure=Structure.PRE_2025, level=Level.DISTRICT, name="Huyện Thái Thụy").get()
    assert old_district.parent.name == "Tỉnh Thái Bình" and old_district.valid_to == date(2025, 6, 30)
    today_units = resolve_to_units_in_force(old_district, date(2026, 1, 1))
    assert today_units and all(
        u.structure == Structure.Y2025 and u.parent.name == "Tỉnh Hưng Yên" for u in today_units
    )
    assert "Xã Thái Thụy" in [u.name for u in today_units]
    # Every old commune of Hà Nội resolves to some commune of today's Hà Nội.
    old_ha_noi = count(structure=Structure.PRE_2025, level=Level.PROVINCE, code="01").get()
    sample = count(path__startswith=old_ha_noi.path, level=Level.COMMUNE)[:50]
    for commune in sample:
        resolved = resolve_to_units_in_force(commune, date(2026, 1, 1))
        assert resolved and all(u.parent.code == "01" for u in resolved), commune.full_name()

    assert [u.name for u in search_units("thai thuy")][:2] == ["Xã Thái Thụy", "Huyện Thái Thụy"]
    with pytest.raises(UnitsAlreadyLoaded):
        load_units()
