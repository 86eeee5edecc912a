import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from cancuoc.audit.models import AuditEntry
from cancuoc.imports import services
from cancuoc.imports.models import ImportJob
from cancuoc.protection.snapshots import reveal_changes
from cancuoc.registry.models import AllocatedIdNumber, Citizen, Household, QualityFlag

HEADER = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã thường trú,Địa chỉ thường trú,Số hộ,Quan hệ với chủ hộ\n"
GOOD = [
    "034090000001,Nguyễn Văn An,15/03/1990,Nam,Kinh,12730,Thôn 1,HK001,Chủ hộ",
    "034190000002,Lê Thị Hoà,02/05/1990,Nữ,Kinh,12730,Thôn 1,HK001,Vợ",
    "034210000003,Nguyễn Minh Khôi,01/01/2010,Nam,Kinh,12700,Thôn 2,,",
]


def upload(tmp_path: Path, officer, content, name="dan-cu.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return services.create_job(officer, path, name)


def run(tmp_path, officer, content, name="dan-cu.csv"):
    job = services.validate_job(upload(tmp_path, officer, content, name))
    return job


def errors(job):
    return [(e.line, e.column, e.code) for e in job.row_errors.all()]


def test_valid_file_is_checked_then_applied(tmp_path, officers):
    job = run(tmp_path, officers["thai_thuy"], HEADER + "\n".join(GOOD) + "\n")
    assert (job.status, job.total_rows, job.valid_rows, job.rejected_rows, job.created_count) == (
        "validated",
        3,
        3,
        0,
        3,
    )
    assert not Citizen.objects.exists(), "checking must not change the registry"
    job = services.apply_job(job)
    assert (job.status, job.created_count, job.updated_count) == ("applied", 3, 0)
    hoa = Citizen.objects.get(id_number="034190000002")
    assert (hoa.full_name, hoa.sex, hoa.relation_to_head) == ("Lê Thị Hòa", "F", "spouse")
    assert Household.objects.get(number="HK001").members.count() == 2
    assert (
        Citizen.objects.get(id_number="034210000003").permanent_unit.name == "Xã Thái Thụy"
    )  # old code resolved
    assert AuditEntry.objects.filter(action="create", object_type="citizen").count() == 3
    assert AllocatedIdNumber.objects.count() == 3


def test_reimporting_the_same_file_changes_nothing(tmp_path, officers):
    content = HEADER + "\n".join(GOOD) + "\n"
    services.apply_job(run(tmp_path, officers["thai_thuy"], content))
    before = list(Citizen.objects.order_by("id").values())
    entries = AuditEntry.objects.count()
    again = run(tmp_path, officers["thai_thuy"], content)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    again = services.apply_job(again)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert list(Citizen.objects.order_by("id").values()) == before
    assert AuditEntry.objects.count() == entries + 1  # only the job's own summary entry


def test_a_changed_row_updates_with_an_audited_diff(tmp_path, officers):
    services.apply_job(run(tmp_path, officers["thai_thuy"], HEADER + "\n".join(GOOD) + "\n"))
    changed = GOOD[0].replace("Kinh", "Tày")
    job = services.apply_job(run(tmp_path, officers["thai_thuy"], HEADER + changed + "\n"))
    assert (job.updated_count, job.created_count) == (1, 0)
    entry = AuditEntry.objects.get(action="update", object_type="citizen")
    assert reveal_changes(entry.changes)["fields"] == {"ethnicity": ["Kinh", "Tày"]}  # sealed in the log
    assert Citizen.objects.get(id_number="034090000001").version == 2


BAD_ROWS = [
    ("0340900000011,Nguyễn Văn A,15/03/1990,Nam,Kinh,12730,,,", "id_number", "id_not_12_digits"),
    ("034090000012,Nguyễn Văn B,15/03/2999,Nam,Kinh,12730,,,", "birth_date", "future_date"),
    ("034090000013,Nguyễn Văn C,1990/15/03,Nam,Kinh,12730,,,", "birth_date", "bad_date"),
    ("034090000014,Nguyễn Văn D,15/03/1990,X,Kinh,12730,,,", "sex", "bad_sex"),
    ("034090000015,Nguyễn Văn E,15/03/1990,Nam,Kinh,99999,,,", "permanent_unit_code", "unknown_unit"),
    ("034090000016,Nguyễn Văn F,15/03/1990,Nam,Kinh,12702,,,", "permanent_unit_code", "unit_split"),
    ("034090000017,Nguyễn Văn G,15/03/1990,Nam,Kinh,00004,,,", "permanent_unit_code", "outside_area"),
    ("034090000001,Nguyễn Văn H,15/03/1990,Nam,Kinh,12730,,,", "id_number", "duplicate_in_file"),
    ("034090000019,Nguyễn Văn 9,15/03/1990,Nam,Kinh,12730,,,", "given_name", "name_characters"),
    ("034090000020,Nguyễn Văn I,15/03/1990,Nam,Kinh,12730,,,Hàng xóm", "relation_to_head", "bad_relation"),
]


def test_every_bad_row_is_reported_with_line_column_and_reason(tmp_path, officers):
    lines = [GOOD[0], *[row for row, _, _ in BAD_ROWS]]
    job = run(tmp_path, officers["thai_thuy"], HEADER + "\n".join(lines) + "\n")
    assert (job.total_rows, job.valid_rows, job.rejected_rows) == (11, 1, 10)
    expected = [(line, column, code) for line, (_, column, code) in enumerate(BAD_ROWS, start=3)]
    assert errors(job) == expected
    assert all(e.message_vi and e.message_en for e in job.row_errors.all())
    job = services.apply_job(job)
    assert list(Citizen.objects.values_list("id_number", flat=True)) == ["034090000001"]
    assert errors(job) == expected


def test_a_crash_mid_import_leaves_the_registry_as_before(tmp_path, officers, monkeypatch):
    services.apply_job(run(tmp_path, officers["thai_thuy"], HEADER + GOOD[0] + "\n"))
    before = (list(Citizen.objects.values()), AuditEntry.objects.count(), AllocatedIdNumber.objects.count(),
              Household.objects.count(), QualityFlag.objects.count())  # fmt: skip
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    many = [
        f"0340900001{i:02d},Trần Văn Bình,01/01/1990,Nam,Kinh,12730,Thôn {i},HK{i:03d},Chủ hộ"
        for i in range(10)
    ]
    job = run(tmp_path, officers["thai_thuy"], HEADER + "\n".join(many) + "\n")
    with pytest.raises(services._InjectedFailure):
        services.apply_job(job, fail_after_batches=3)
    after = (list(Citizen.objects.values()), AuditEntry.objects.count(), AllocatedIdNumber.objects.count(),
             Household.objects.count(), QualityFlag.objects.count())  # fmt: skip
    assert after == before
    job.refresh_from_db()
    assert job.status == "failed" and "nothing was changed" in job.error_en


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("Số định danh,Họ và tên\n034090000001,Nguyễn Văn An\n".encode(), "Required columns missing"),
        (
            HEADER.encode() + "034090000001,Hélène,15/03/1990,Nam,Kinh,12730,,,".encode("latin-1"),
            "not UTF-8 (error at line 2)",
        ),
        (b"", "empty"),
        (b"PK\x03\x04garbage", "damaged"),
    ],
)
def test_unreadable_files_fail_clearly_and_change_nothing(tmp_path, officers, content, needle):
    name = "dan-cu.xlsx" if content.startswith(b"PK") else "dan-cu.csv"
    try:
        job = run(tmp_path, officers["thai_thuy"], content, name)
    except services.ImportRejected as error:
        message = str(error)
    else:
        assert job.status == "failed"
        message = f"{job.error_vi} / {job.error_en}"
    assert needle in message
    assert not Citizen.objects.exists()


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path, officers, settings):
    settings.CANCUOC_IMPORT_MAX_BYTES = 1000
    with pytest.raises(services.ImportRejected, match="too large"):
        upload(tmp_path, officers["thai_thuy"], HEADER + "\n".join(GOOD * 20))
    assert not ImportJob.objects.exists()


def test_semicolons_bom_and_nfd_text_are_accepted(tmp_path, officers):
    import unicodedata

    content = "\ufeff" + unicodedata.normalize("NFD", (HEADER + GOOD[1]).replace(",", ";"))
    job = services.apply_job(run(tmp_path, officers["thai_thuy"], content))
    assert job.created_count == 1
    assert Citizen.objects.get().full_name == "Lê Thị Hòa"


def test_xlsx_import_with_dates_as_cells(tmp_path, officers):
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SỐ ĐỊNH DANH", "Họ", "Chữ đệm", "Tên", "Ngày sinh", "Giới tính", "Mã xã thường trú"])
    sheet.append(["034090000001", "Nguyễn", "Văn", "An", datetime(1990, 3, 15), "Nam", "12730"])
    sheet.append(["034090000002", "Nguyễn", "Văn", "", datetime(1990, 3, 15), "Nam", "12730"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run(tmp_path, officers["thai_thuy"], buffer.getvalue(), "dan-cu.xlsx")
    assert job.file_format == "xlsx" and errors(job) == [(3, "given_name", "required")]
    services.apply_job(job)
    assert Citizen.objects.get().birth_date.isoformat() == "1990-03-15"


def test_export_reimports_as_unchanged(tmp_path, officers):
    from cancuoc.imports.exporting import citizens_for_export, write_csv, write_xlsx

    services.apply_job(run(tmp_path, officers["thai_thuy"], HEADER + "\n".join(GOOD) + "\n"))
    officer = officers["thai_thuy"]
    with open(tmp_path / "out.csv", "w", encoding="utf-8-sig", newline="") as handle:
        assert write_csv(citizens_for_export(officer, None), handle) == 3
    assert write_xlsx(citizens_for_export(officer, None), tmp_path / "out.xlsx") == 3
    for name in ("out.csv", "out.xlsx"):
        job = services.create_job(officer, tmp_path / name, name)
        job = services.validate_job(job)
        assert (job.rejected_rows, job.created_count, job.updated_count, job.unchanged_count) == (
            0,
            0,
            0,
            3,
        ), name


def test_upload_page_checks_then_confirm_applies(client, officers, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officers["thai_thuy"])
    upload_file = SimpleUploadedFile("dan-cu.csv", (HEADER + "\n".join(GOOD) + "\n").encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/upload/", {"file": upload_file})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "validated" and not Citizen.objects.exists()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert f'action="/imports/{job.pk}/confirm/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "applied" and Citizen.objects.count() == 3
    progress = client.get(f"/imports/{job.pk}/progress/")
    assert progress["HX-Refresh"] == "true" and "<progress" in progress.content.decode()


def test_another_officer_cannot_see_or_confirm_a_job(client, officers, tmp_path):
    job = run(tmp_path, officers["thai_thuy"], HEADER + GOOD[0] + "\n")
    client.force_login(officers["ba_dinh"])
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert client.post(f"/imports/{job.pk}/confirm/").status_code == 404
    client.force_login(officers["auditor"])
    assert client.get("/imports/").status_code == 403


def test_the_report_names_columns_as_the_file_does(tmp_path, client, officers):
    job = run(tmp_path, officers["thai_thuy"], HEADER + "0340900000011,Nguyễn Văn A,15/03/1990,Nam,Kinh,12730,,,\n")
    client.force_login(officers["thai_thuy"])
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert ">Số định danh<" in page and "<code>id_number</code>" not in page


def test_a_file_that_changes_nothing_offers_no_apply_button(tmp_path, client, officers):
    content = HEADER + "\n".join(GOOD) + "\n"
    services.apply_job(run(tmp_path, officers["thai_thuy"], content))
    again = run(tmp_path, officers["thai_thuy"], content)
    client.force_login(officers["thai_thuy"])
    page = client.get(f"/imports/{again.pk}/").content.decode()
    assert "không thay đổi gì" in page and f'action="/imports/{again.pk}/confirm/"' not in page
