"""Export → import is a round trip: re-importing an unchanged export, CSV or XLSX, reports every row
unchanged, with every exported field filled and units of both structures (including pre-2025 units whose
code a 2025 unit reuses, such as the old Hà Nội "01")."""

import csv
import io
from datetime import date

import pytest

from cancuoc.imports import services
from cancuoc.imports.columns import qualified_unit_code
from cancuoc.imports.exporting import citizens_for_export, write_csv, write_xlsx
from cancuoc.registry.models import BloodType, Citizen, MaritalStatus, Relation
from cancuoc.units.models import Level, Structure

from ..factories import CitizenFactory, HouseholdFactory, make_unit


@pytest.fixture
def old_ha_noi(world):
    return make_unit("Thành phố Hà Nội", level=Level.PROVINCE, code="01", structure=Structure.PRE_2025,
                     valid_to=date(2025, 6, 30))  # fmt: skip


@pytest.fixture
def population(world, old_ha_noi):
    """A demo-like commune: every exported field filled, every choice of every enumeration, units of both
    structures in every unit column (old communes in force until 2025, a reused province code)."""
    birth_units = [old_ha_noi, world.ha_noi, world.old_thai_binh, world.hung_yen, world.old_thai_thuy]
    origin_units = [world.old_thai_thuy, old_ha_noi, world.old_thuy_hai, world.hung_yen, world.old_thai_binh]
    stay_units = [world.old_thuy_truong, world.dong_thuy_anh, world.old_diem_dien, world.thai_thuy]
    permanent_units = [world.thai_thuy, world.thai_thuy, world.old_thuy_hai]
    households = [HouseholdFactory(unit=world.thai_thuy) for _ in range(4)]
    relations, maritals, bloods = list(Relation), list(MaritalStatus), list(BloodType)
    citizens = []
    for n in range(42):
        sex = "M" if n % 2 == 0 else "F"
        year = 1940 + n
        citizens.append(CitizenFactory(
            id_number=f"0{34 if n % 3 else 1:02d}{(0 if sex == 'M' else 1) if year < 2000 else 2 + (sex == 'F')}"
                      f"{year % 100:02d}{n:06d}",
            family_name=["Nguyễn", "Trần", "Lê", "Phạm"][n % 4], middle_name=["Văn", "Thị", "Minh", ""][n % 4],
            given_name=["Hòa", "Thúy", "Khỏe", "Đức", "Ân"][n % 5], other_names=f"Tý {n}" if n % 3 else "",
            birth_date=date(year, 1 + n % 12, 1 + n % 28), sex=sex,
            birth_date_precision="year" if n % 7 == 0 else "day",
            ethnicity=["Kinh", "Tày", "Thái", "Mường"][n % 4], religion=["", "Phật giáo", "Công giáo"][n % 3],
            nationality="VNM", blood_type=bloods[n % len(bloods)], marital_status=maritals[n % len(maritals)],
            birth_registration_unit=birth_units[n % len(birth_units)], origin_unit=origin_units[n % len(origin_units)],
            permanent_unit=permanent_units[n % len(permanent_units)], permanent_address=f"Số {n}, thôn Đông, -",
            temporary_unit=stay_units[n % len(stay_units)], temporary_address=f"+84 phòng {n}",
            current_unit=stay_units[(n + 1) % len(stay_units)], current_address=f"=Ngõ {n}",
            household=households[n % len(households)], relation_to_head=relations[n % len(relations)],
            father_name="Nguyễn Văn Bố", mother_name="Lê Thị Mẹ", spouse_name="Trần Thị Vợ" if n % 2 else "",
            old_id_number=f"{151000000 + n}", date_of_death=date(2024, 5, 1) if n % 10 == 9 else None,
        ))  # fmt: skip
    return citizens


def _export_and_check(tmp_path, officer, file_format):
    citizens = citizens_for_export(officer, officer.unit)
    path = tmp_path / f"export.{file_format}"
    if file_format == "csv":
        out = io.StringIO()
        written = write_csv(citizens, out)
        path.write_text(out.getvalue(), encoding="utf-8")
    else:
        written = write_xlsx(citizens, path)
    job = services.validate_job(services.create_job(officer, path, path.name))
    return written, job


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_unchanged_export_reimports_with_every_row_unchanged(tmp_path, officers, population, file_format):
    officer = officers["thai_thuy"]
    before = list(Citizen.objects.order_by("id").values())
    written, job = _export_and_check(tmp_path, officer, file_format)
    # the commune's own citizens: those living, staying or registered there (some only stay there)
    assert written == citizens_for_export(officer, officer.unit).count() > 30
    assert [(e.line, e.column, e.code) for e in job.row_errors.all()] == []
    assert (job.total_rows, job.rejected_rows, job.created_count, job.updated_count, job.unchanged_count) == (
        written, 0, 0, 0, written
    )
    job = services.apply_job(job)
    assert (job.updated_count, job.unchanged_count) == (0, written)
    assert list(Citizen.objects.order_by("id").values()) == before


def test_the_export_names_a_pre_2025_unit_by_a_structure_qualified_code(world, old_ha_noi):
    assert qualified_unit_code(old_ha_noi) == "cũ:01"
    assert qualified_unit_code(world.old_diem_dien) == "cũ:12700"
    assert qualified_unit_code(world.ha_noi) == "01"
    assert qualified_unit_code(None) == ""


def test_the_resolver_reads_a_qualified_code_back_and_plain_codes_as_before(world, old_ha_noi):
    resolver = services.UnitResolver()
    assert resolver.resolve("cũ:01", None, "birth_registration_unit_code") == old_ha_noi
    assert resolver.resolve("CU:01", None, "birth_registration_unit_code") == old_ha_noi
    assert resolver.resolve("01", None, "birth_registration_unit_code") == world.ha_noi  # today's Hà Nội
    assert resolver.resolve("cũ:12700", Level.COMMUNE, "temporary_unit_code") == world.old_diem_dien
    assert resolver.resolve("12700", Level.COMMUNE, "temporary_unit_code") == world.thai_thuy  # its successor
    assert resolver.resolve("cũ:33", None, "origin_unit_code").code == "unknown_unit"  # 33 is a 2025 code only
    assert resolver.resolve("cũ:x1", None, "origin_unit_code").code == "bad_unit_code"


def test_a_plain_code_from_outside_still_means_todays_unit(tmp_path, officers, population, old_ha_noi):
    """Before the fix the export wrote "01" for the old Hà Nội; such a file (as another system writes it)
    still names today's Hà Nội, so the rows born in the old one would change."""
    officer = officers["thai_thuy"]
    out = io.StringIO()
    write_csv(citizens_for_export(officer, officer.unit), out)
    path = tmp_path / "plain.csv"
    path.write_text(out.getvalue().replace("cũ:", ""), encoding="utf-8")
    job = services.validate_job(services.create_job(officer, path, path.name))
    assert job.updated_count > 0


def test_enumerations_are_exported_as_words_not_codes(officers, population):
    officer = officers["thai_thuy"]
    out = io.StringIO()
    write_csv(citizens_for_export(officer, officer.unit), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header = rows[0]
    marital = {row[header.index("Tình trạng hôn nhân")] for row in rows[1:]}
    relation = {row[header.index("Quan hệ với chủ hộ")] for row in rows[1:]}
    sex = {row[header.index("Giới tính")] for row in rows[1:]}
    assert marital == {"độc thân", "đã kết hôn", "ly hôn", "góa"}
    assert relation == {"chủ hộ", "vợ", "chồng", "con", "cha", "mẹ", "cháu", "anh/chị/em", "khác"}
    assert sex == {"Nam", "Nữ"}


def test_a_move_to_another_household_is_an_update_not_unchanged(tmp_path, officers, world):
    from cancuoc.imports import services as import_services
    from cancuoc.registry.models import Citizen, Household
    from tests.factories import CitizenFactory, HouseholdFactory

    old_home = HouseholdFactory(number="HK-CU", unit=world.thai_thuy)
    CitizenFactory(id_number="034090000321", permanent_unit=world.thai_thuy, household=old_home,
                   relation_to_head="head")  # fmt: skip
    header = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú,Số hộ,Quan hệ với chủ hộ\n"
    path = tmp_path / "move.csv"
    path.write_text(header + "034090000321,Nguyễn Văn An,15/03/1990,Nam,12730,HK-MOI,Chủ hộ\n", encoding="utf-8")
    job = import_services.validate_job(import_services.create_job(officers["thai_thuy"], path, "move.csv"))
    assert (job.updated_count, job.unchanged_count) == (1, 0)
    import_services.apply_job(job)
    moved = Citizen.objects.get(id_number="034090000321")
    assert moved.household == Household.objects.get(number="HK-MOI")
