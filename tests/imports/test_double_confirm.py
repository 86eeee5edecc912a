"""Confirming a checked import twice (a double click, two workers) applies it once."""

from cancuoc.audit.models import AuditEntry
from cancuoc.imports import services, tasks
from cancuoc.registry.models import Citizen

HEADER = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Mã xã thường trú\n"


def test_a_second_confirmation_finds_the_job_taken(tmp_path, officers):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "034090000001,Nguyễn Văn An,15/03/1990,Nam,12730\n", encoding="utf-8")
    job = services.validate_job(services.create_job(officers["thai_thuy"], path, "a.csv"))
    assert tasks.apply_import.call(job.pk) == 1
    assert tasks.apply_import.call(job.pk) == 0  # no exception, nothing applied again
    job.refresh_from_db()
    assert job.status == "applied" and Citizen.objects.count() == 1
    assert AuditEntry.objects.filter(event="import_applied").count() == 1
