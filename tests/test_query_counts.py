"""The pages an officer opens most run a fixed number of queries, however much data they show: the
dashboard (one row per child unit), the search page (one row per result) and the citizen page (flags,
history). Each test counts the queries of a small page, grows the data, and asserts the same count."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cancuoc.registry import actions
from cancuoc.registry.models import QualityFlag
from cancuoc.units.models import Kind, Level
from cancuoc.units.selectors import invalidate_unit_index

from .factories import CitizenFactory, make_unit

Code = QualityFlag.Code


@pytest.fixture(autouse=True)
def _forget_the_unit_index():
    """The pages build the process-wide unit index from this test's units; the rollback at the end of
    the test does not reach it, so later tests would search stale units."""
    yield
    invalidate_unit_index()


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def flagged_citizen(unit, *codes, **fields):
    citizen = CitizenFactory(permanent_unit=unit, **fields)
    QualityFlag.objects.bulk_create([QualityFlag(citizen=citizen, code=code, detail="") for code in codes])
    return citizen


@pytest.fixture
def more_provinces(world):
    def make(count: int):
        for number in range(count):
            province = make_unit(f"Tỉnh Thử {number}", level=Level.PROVINCE, code=f"9{number}")
            commune = make_unit(f"Xã Thử {number}", level=Level.COMMUNE, code=f"99{number:03d}", parent=province,
                                kind=Kind.XA)  # fmt: skip
            flagged_citizen(commune, Code.MISSING_FIELDS, Code.SUSPECTED_DUPLICATE)
            CitizenFactory(permanent_unit=commune)

    return make


def test_the_dashboard_runs_the_same_queries_for_two_provinces_or_ten(client, world, officers, more_provinces,
                                                                      django_assert_num_queries):  # fmt: skip
    client.force_login(officers["admin"])
    flagged_citizen(world.thai_thuy, Code.MISSING_FIELDS)
    CitizenFactory(permanent_unit=world.ba_dinh)
    client.get("/")  # warm the per-process caches (unit index, translations)
    small = queries_of(client, "/")
    more_provinces(8)
    with django_assert_num_queries(small):
        response = client.get("/")
    rows = {row["unit"].name: row for row in response.context["child_rows"]}
    assert len(rows) == 10
    assert rows["Tỉnh Hưng Yên"]["citizens"] == 1 and rows["Tỉnh Hưng Yên"]["flagged"] == 1
    assert rows["Tỉnh Hưng Yên"][Code.MISSING_FIELDS] == 1
    assert rows["Thành phố Hà Nội"]["flagged"] == 0 and rows["Thành phố Hà Nội"]["clean_share"] == 1
    assert rows["Tỉnh Thử 3"] | {"unit": None} == {
        "unit": None, "citizens": 2, "flagged": 1, "clean_share": 0.5,
        **{code: 0 for code in Code.values}, Code.MISSING_FIELDS: 1, Code.SUSPECTED_DUPLICATE: 1,
    }  # fmt: skip


def test_the_supervisor_dashboard_rolls_up_every_commune_below_the_province(client, world, officers):
    flagged_citizen(world.thai_thuy, Code.MISSING_FIELDS)
    flagged_citizen(world.thai_thuy, Code.MISSING_FIELDS, Code.ID_CONTRADICTS_RECORD)
    CitizenFactory(permanent_unit=world.dong_thuy_anh)
    CitizenFactory(permanent_unit=world.ba_dinh)  # outside the supervisor's province
    client.force_login(officers["hung_yen"])
    rows = {row["unit"].name: row for row in client.get("/").context["child_rows"]}
    assert set(rows) == {"Xã Thái Thụy", "Xã Đông Thụy Anh"}
    assert (rows["Xã Thái Thụy"]["citizens"], rows["Xã Thái Thụy"]["flagged"]) == (2, 2)
    assert rows["Xã Thái Thụy"][Code.MISSING_FIELDS] == 2 and rows["Xã Thái Thụy"][Code.ID_CONTRADICTS_RECORD] == 1
    assert (rows["Xã Đông Thụy Anh"]["citizens"], rows["Xã Đông Thụy Anh"]["flagged"]) == (1, 0)


def test_the_search_page_runs_the_same_queries_for_two_results_or_thirty(client, world, officers,
                                                                          django_assert_num_queries):  # fmt: skip
    client.force_login(officers["thai_thuy"])
    for _ in range(2):
        flagged_citizen(world.thai_thuy, Code.MISSING_FIELDS)
    url = "/citizens/?q=Nguy%E1%BB%85n+V%C4%83n+An"
    client.get(url)
    small = queries_of(client, url)
    for number in range(28):
        flagged_citizen(world.thai_thuy if number % 2 else world.dong_thuy_anh, Code.MISSING_FIELDS,
                        temporary_unit=world.thai_thuy)  # fmt: skip
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.context["result"].citizens) == 30


def test_the_citizen_page_runs_the_same_queries_with_one_change_or_many(client, world, officers,
                                                                         django_assert_num_queries):  # fmt: skip
    officer = officers["thai_thuy"]
    client.force_login(officer)
    citizen = flagged_citizen(world.thai_thuy, Code.MISSING_FIELDS, temporary_unit=world.ba_dinh,
                              current_unit=world.dong_thuy_anh, origin_unit=world.hung_yen)  # fmt: skip
    actions.update_citizen(officer, citizen, {"permanent_address": "Thôn 1"}, reason="test")
    url = f"/citizens/{citizen.id_number}/"
    client.get(url)
    small = queries_of(client, url)
    for number in range(2, 12):
        actions.update_citizen(officer, citizen, {"permanent_address": f"Thôn {number}"}, reason="test")
    QualityFlag.objects.bulk_create([QualityFlag(citizen=citizen, code=Code.SUSPECTED_DUPLICATE, detail=""),
                                     QualityFlag(citizen=citizen, code=Code.LEGACY_BIRTH_DATE, detail="")])  # fmt: skip
    with django_assert_num_queries(small):
        response = client.get(url)
    assert len(response.context["history"]) >= 11 and len(response.context["flags"]) >= 2
    assert response.context["citizen"].birth_date == date(1990, 3, 15)
