from datetime import date

from cancuoc.registry import quality
from cancuoc.registry.selectors import search_citizens
from tests.factories import CitizenFactory


def people(world):
    unit = world.thai_thuy
    return {
        "an": CitizenFactory(id_number="034090000001", family_name="Nguyễn", middle_name="Văn", given_name="An", permanent_unit=unit),
        "hoa": CitizenFactory(id_number="034190000002", family_name="Lê", middle_name="Thị", given_name="Hòa",
                              birth_date=date(1991, 5, 2), sex="F", permanent_unit=unit),
        "ha": CitizenFactory(id_number="034190000003", family_name="Nguyễn", middle_name="Văn", given_name="Ân",
                             permanent_unit=unit),
        "elsewhere": CitizenFactory(id_number="001090000004", given_name="An", permanent_unit=world.ba_dinh),
    }  # fmt: skip


def test_search_by_exact_id_number(officers, world):
    found = people(world)
    assert search_citizens(officers["thai_thuy"], "034090000001").citizens == [found["an"]]
    assert search_citizens(officers["thai_thuy"], "001090000004").citizens == []  # outside the area


def test_search_by_name_ignores_diacritics_and_ranks_the_exact_spelling_first(officers, world):
    found = people(world)
    officer = officers["thai_thuy"]
    assert search_citizens(officer, "Nguyễn Văn Ân").citizens == [found["ha"], found["an"]]
    assert search_citizens(officer, "Nguyễn Văn An").citizens == [found["an"], found["ha"]]
    assert set(search_citizens(officer, "nguyen van an").citizens) == {found["an"], found["ha"]}
    assert search_citizens(officer, "le thi hoa").citizens == [found["hoa"]]
    assert search_citizens(officer, "Hoà").citizens == [found["hoa"]]  # new-style tone placement
    assert search_citizens(officer, "an nguyen van").citizens[0] in (
        found["an"],
        found["ha"],
    )  # word order free
    assert search_citizens(officer, "thi ho").citizens == [found["hoa"]]  # partial


def test_whole_words_rank_before_parts_of_words_and_unfinished_words_still_find(officers, world):
    def person(id_number, family, middle, given):
        return CitizenFactory(id_number=id_number, family_name=family, middle_name=middle, given_name=given,
                              permanent_unit=world.thai_thuy)  # fmt: skip

    van_an = person("034090200001", "Trần", "Văn", "An")
    thi_van_an = person("034090200002", "Phạm", "Thị Vân", "An")
    van_anh = person("034090200003", "Trần", "Văn", "Anh")
    hung = person("034090200004", "Trần", "Văn", "Hùng")
    officer = officers["thai_thuy"]
    # Every typed word is a whole word of someone's name: whole-word matches only, "Anh" is not "An".
    assert set(search_citizens(officer, "van an").citizens) == {van_an, thi_van_an}
    # "hu" is no one's whole word: it is taken as the start of a word being typed.
    assert search_citizens(officer, "tran van hu").citizens == [hung]
    # Word order is free in the whole-word tier too.
    assert search_citizens(officer, "anh tran").citizens == [van_anh]
    # No whole-word match at all: parts of words are searched (falls back, never returns nothing first).
    assert search_citizens(officer, "van hung tr").citizens == [hung]


def test_search_filters_by_birth_year_and_unit(officers, world):
    found = people(world)
    admin = officers["admin"]
    assert search_citizens(admin, "an", birth_year=1991).citizens == []
    assert set(search_citizens(admin, "an", birth_year=1990).citizens) == {
        found["an"],
        found["ha"],
        found["elsewhere"],
    }
    assert search_citizens(admin, "an", unit=world.ha_noi).citizens == [found["elsewhere"]]


def test_search_is_truncated_at_the_limit(officers, world):
    for i in range(12):
        CitizenFactory(id_number=f"034090100{i:03d}", permanent_unit=world.thai_thuy)
    result = search_citizens(officers["thai_thuy"], "nguyen", limit=10)
    assert len(result.citizens) == 10 and result.truncated


def test_quality_flags_and_counts_per_unit(officers, world):
    good = CitizenFactory(id_number="034090000010", permanent_unit=world.thai_thuy,
                          birth_registration_unit=world.old_thai_binh)  # fmt: skip
    dead_present = CitizenFactory(id_number="034090000011", given_name="Bình", permanent_unit=world.thai_thuy,
                                  current_unit=world.thai_thuy, date_of_death=date(2024, 1, 1),
                                  birth_registration_unit=world.old_thai_binh)  # fmt: skip
    twin = CitizenFactory(id_number="034090000012", permanent_unit=world.thai_thuy,
                          birth_registration_unit=world.old_thai_binh)  # fmt: skip
    missing = CitizenFactory(id_number="034090000013", given_name="Cúc", family_name="", ethnicity="",
                             permanent_unit=world.dong_thuy_anh)  # fmt: skip
    quality.refresh_flags([good, dead_present, twin, missing])
    flags = {
        c.id_number: {f.code for f in c.quality_flags.all()} for c in (good, dead_present, twin, missing)
    }
    assert flags["034090000011"] == {"dead_present"}
    assert flags["034090000010"] == flags["034090000012"] == {"duplicate"}
    assert "missing_fields" in flags["034090000013"]
    rows = quality.flag_counts_per_child_unit(world.hung_yen, search_scope(officers["hung_yen"]))
    by_unit = {row["unit"].name: row for row in rows}
    assert by_unit["Xã Thái Thụy"]["citizens"] == 3 and by_unit["Xã Thái Thụy"]["duplicate"] == 2
    assert by_unit["Xã Đông Thụy Anh"]["missing_fields"] == 1
    # Rolled up to the top: the province counts everything beneath it.
    top = {
        row["unit"].name: row
        for row in quality.flag_counts_per_child_unit(None, search_scope(officers["admin"]))
    }
    assert top["Tỉnh Hưng Yên"]["citizens"] == 4 and top["Tỉnh Hưng Yên"]["flagged"] == 4


def search_scope(user):
    from cancuoc.registry.selectors import scoped

    return scoped(user)


def test_the_partial_match_tier_has_a_time_budget_on_postgresql(db):
    from django.db import connection

    from cancuoc.registry.selectors import _within_time_budget

    def slow():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.5)" if connection.vendor == "postgresql" else "SELECT 1")

    assert _within_time_budget(slow) is (connection.vendor != "postgresql")
    # The connection is usable afterwards and the budget does not leak into later statements.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_sleep(0.1)")
