"""The downloadable import template, and who may see and confirm an import job."""

import csv
import io

import pytest
from openpyxl import load_workbook

from cancuoc.imports import services
from cancuoc.imports.columns import COLUMNS, EXAMPLE_ID_NUMBER, export_headers
from cancuoc.imports.models import ImportJob
from cancuoc.registry.models import Citizen

from .test_imports import GOOD, HEADER, run


def _check(tmp_path, officer, content: bytes, name: str) -> ImportJob:
    path = tmp_path / name
    path.write_bytes(content)
    return services.validate_job(services.create_job(officer, path, name))


# --- the template ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["thai_thuy", "hung_yen"])
def test_the_csv_template_has_the_headers_and_an_example_refused_only_as_an_example(client, tmp_path, officers, who):
    client.force_login(officers[who])
    response = client.get("/imports/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == export_headers()
    assert len(rows) == 2 and rows[1][0] == EXAMPLE_ID_NUMBER
    job = _check(tmp_path, officers[who], content, "mau.csv")
    assert [(e.line, e.column, e.code) for e in job.row_errors.all()] == [(2, "id_number", "example_number")]
    assert (job.total_rows, job.rejected_rows) == (1, 1)
    services.apply_job(job)
    assert not Citizen.objects.exists()


def test_the_xlsx_template_explains_each_column_and_reimports(client, tmp_path, officers):
    client.force_login(officers["thai_thuy"])
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Công dân", "Hướng dẫn"]
    data = [list(row) for row in workbook["Công dân"].iter_rows(values_only=True)]
    assert data[0] == export_headers() and data[1][0] == EXAMPLE_ID_NUMBER
    guide = {row[1]: row for row in workbook["Hướng dẫn"].iter_rows(min_row=2, values_only=True) if row[1]}
    assert set(guide) == {field for field, _header, _aliases in COLUMNS}
    assert "Nam, Nữ" in guide["sex"][3] and guide["sex"][2].startswith("bắt buộc")
    assert "độc thân" in guide["marital_status"][3]
    job = _check(tmp_path, officers["thai_thuy"], response.content, "mau.xlsx")
    assert [(e.line, e.column, e.code) for e in job.row_errors.all()] == [(2, "id_number", "example_number")]


def test_the_example_row_is_valid_once_its_number_is_replaced(client, tmp_path, officers):
    client.force_login(officers["thai_thuy"])
    content = client.get("/imports/template.csv").content.decode("utf-8-sig")
    job = _check(tmp_path, officers["thai_thuy"], content.replace(EXAMPLE_ID_NUMBER, "034090000123").encode(), "a.csv")
    assert (job.rejected_rows, job.created_count) == (0, 1)


@pytest.mark.parametrize("who, status", [("auditor", 403), ("production", 403)])
def test_the_template_is_for_users_who_may_import(client, officers, who, status):
    client.force_login(officers[who])
    assert client.get("/imports/template.csv").status_code == status
    assert client.get("/imports/template.xlsx").status_code == status


def test_the_template_needs_a_login(client, db):
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 302 and "login" in response["Location"]


# --- who sees and confirms a job -------------------------------------------------------------------------


@pytest.fixture
def checked_job(tmp_path, officers):
    job = run(tmp_path, officers["thai_thuy"], HEADER + "\n".join(GOOD) + "\n")
    assert job.status == ImportJob.Status.VALIDATED
    return job


@pytest.mark.parametrize("who", ["thai_thuy", "hung_yen"])
def test_creator_and_supervisor_above_see_the_job(client, officers, checked_job, who):
    client.force_login(officers[who])
    assert client.get(f"/imports/{checked_job.pk}/").status_code == 200
    listing = client.get("/imports/").content.decode()
    assert f'href="/imports/{checked_job.pk}/"' in listing
    if who == "hung_yen":
        assert "officer_thai_thuy" in listing  # who uploaded it


@pytest.mark.parametrize("who", ["thai_thuy", "hung_yen"])
def test_creator_and_supervisor_above_may_confirm(client, officers, checked_job, who, django_capture_on_commit_callbacks):
    client.force_login(officers[who])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{checked_job.pk}/confirm/")
    assert response.status_code == 302
    checked_job.refresh_from_db()
    assert checked_job.status == ImportJob.Status.APPLIED
    assert Citizen.objects.count() == 3


@pytest.mark.parametrize("who", ["ba_dinh", "auditor", "production"])
def test_others_get_not_found_and_cannot_confirm(client, officers, checked_job, who, django_capture_on_commit_callbacks):
    client.force_login(officers[who])
    assert client.get(f"/imports/{checked_job.pk}/").status_code == 404
    assert client.get(f"/imports/{checked_job.pk}/errors.csv").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{checked_job.pk}/confirm/").status_code == 404
    checked_job.refresh_from_db()
    assert checked_job.status == ImportJob.Status.VALIDATED
    assert not Citizen.objects.exists()


def test_another_communes_officer_does_not_list_the_job(client, officers, checked_job):
    client.force_login(officers["ba_dinh"])
    assert f'href="/imports/{checked_job.pk}/"' not in client.get("/imports/").content.decode()
