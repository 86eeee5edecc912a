"""Jobs whose worker was killed mid-way are marked failed and can run again; uploads are deleted after
their retention time and are stored owner-only."""

import io
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from cancuoc.audit.models import AuditEntry
from cancuoc.imports import services, tasks
from cancuoc.imports.models import ImportJob, ImportRowError
from cancuoc.registry.models import Citizen

HEADER = "Số định danh,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã thường trú,Địa chỉ thường trú\n"
ROWS = [f"0340900002{i:02d},Trần Văn Bình,01/01/1990,Nam,Kinh,12730,Thôn {i}" for i in range(6)]
BAD = "034090000299,Trần Văn 9,01/01/1990,Nam,Kinh,12730,Thôn 9"


def upload(tmp_path: Path, officer, content: str, name="dan-cu.csv") -> ImportJob:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return services.create_job(officer, path, name)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def as_if_run_by(job: ImportJob, pid: int, seconds_ago: float = 0.0) -> None:
    cache.set(services._heartbeat_key(job.pk), {"at": time.time() - seconds_ago, "host": os.uname().nodename,
                                                "pid": pid})  # fmt: skip


class Killed(BaseException):
    """What a worker's task sees when the worker is stopped hard (db_worker raises SystemExit)."""


@pytest.fixture
def checked(tmp_path, officers):
    return services.validate_job(
        upload(tmp_path, officers["thai_thuy"], HEADER + "\n".join([*ROWS, BAD]) + "\n")
    )


def kill_during_apply(job, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    original = services._apply_batch
    calls = []

    def dies_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Killed()
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "_apply_batch", dies_on_second_batch)
    with pytest.raises(Killed):
        services.apply_job(job)
    monkeypatch.undo()


def test_a_job_killed_while_applying_is_failed_by_the_next_worker_and_applies_again(checked, monkeypatch):
    entries = AuditEntry.objects.count()
    kill_during_apply(checked, monkeypatch)
    checked.refresh_from_db()
    assert checked.status == "applying" and not Citizen.objects.exists()
    assert cache.get(services._heartbeat_key(checked.pk))["pid"] == os.getpid()  # its last beat stays
    assert services.fail_interrupted_jobs() == []  # the process that ran it still lives (this one)

    as_if_run_by(checked, dead_pid())  # the worker that ran it is gone; this is the restarted one
    assert services.fail_interrupted_jobs() == [checked.pk]
    checked.refresh_from_db()
    assert (checked.status, checked.failed_phase, checked.error_code) == (
        "failed",
        "applying",
        "job_interrupted",
    )
    assert checked.error_vi.startswith("Tiến trình xử lý nền đã dừng") and "Run again" in checked.error_en
    assert checked.may_run_again
    # the check's report survived the rolled-back apply
    assert list(checked.row_errors.values_list("line", flat=True)) == [8]
    assert not Citizen.objects.exists() and AuditEntry.objects.count() == entries

    job = services.run_again(checked.uploaded_by, checked)
    assert job.status == "validated"
    tasks.start(job)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_rows) == ("applied", 6, 1)
    assert Citizen.objects.count() == 6
    assert services.fail_interrupted_jobs() == []


def test_a_job_killed_while_checking_keeps_no_partial_report_and_checks_again(
    tmp_path, officers, monkeypatch
):
    job = upload(
        tmp_path, officers["thai_thuy"], HEADER + "\n".join([BAD, *ROWS, BAD.replace("99", "98")]) + "\n"
    )
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    real = services._ErrorSink.add
    calls = []

    def dies_on_third_batch(self, rows):
        calls.append(1)
        if len(calls) == 3:
            raise Killed()
        real(self, rows)

    monkeypatch.setattr(services._ErrorSink, "add", dies_on_third_batch)
    with pytest.raises(Killed):
        services.validate_job(job)
    monkeypatch.undo()
    job.refresh_from_db()
    assert job.status == "validating" and ImportRowError.objects.filter(job=job).count() == 1

    as_if_run_by(job, dead_pid())
    assert services.fail_interrupted_jobs() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.failed_phase) == ("failed", "validating")
    assert not ImportRowError.objects.filter(job=job).exists()

    job = services.run_again(officers["thai_thuy"], job)
    assert job.status == "uploaded"
    tasks.start(job)
    job.refresh_from_db()
    assert (job.status, job.valid_rows, job.rejected_rows) == ("validated", 6, 2)


def test_a_silent_heartbeat_fails_the_job_after_the_stale_limit(checked, settings):
    settings.CANCUOC_IMPORT_STALE_AFTER_SECONDS = 300
    ImportJob.objects.filter(pk=checked.pk).update(status="applying")
    as_if_run_by(checked, os.getpid(), seconds_ago=200)  # alive as far as this machine can tell
    assert services.fail_interrupted_jobs() == []
    as_if_run_by(checked, os.getpid(), seconds_ago=400)  # e.g. a worker on another machine that went away
    assert services.fail_interrupted_jobs() == [checked.pk]
    cache.clear()  # no heartbeat at all: the job's own start time counts
    ImportJob.objects.filter(pk=checked.pk).update(status="validating", heartbeat_at=timezone.now())
    assert services.fail_interrupted_jobs() == []
    ImportJob.objects.filter(pk=checked.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=400))
    assert services.fail_interrupted_jobs() == [checked.pk]


def test_a_job_whose_task_ended_or_still_runs_in_a_dead_worker(checked):
    from django_tasks_db.models import DBTaskResult

    def task_result(status):
        return DBTaskResult.objects.create(
            status=status, args_kwargs={"args": [checked.pk], "kwargs": {}}, backend_name="default",
            task_path="cancuoc.imports.tasks.apply_import", worker_ids=["w1"],
        )  # fmt: skip

    ended = task_result("FAILED")
    ImportJob.objects.filter(pk=checked.pk).update(status="applying", task_id=str(ended.id))
    as_if_run_by(checked, os.getpid())
    assert services.fail_interrupted_jobs() == [checked.pk]  # its task ended without finishing it

    running = task_result("RUNNING")
    ImportJob.objects.filter(pk=checked.pk).update(status="applying", task_id=str(running.id))
    as_if_run_by(checked, os.getpid())
    assert services.fail_interrupted_jobs() == []
    as_if_run_by(checked, dead_pid())
    assert services.fail_interrupted_jobs() == [checked.pk]
    running.refresh_from_db()
    assert running.status == "FAILED" and "worker stopped" in running.traceback


def test_run_again_is_a_button_for_interrupted_jobs_only(
    client, checked, tmp_path, officers, django_capture_on_commit_callbacks
):
    ImportJob.objects.filter(pk=checked.pk).update(status="applying")
    as_if_run_by(checked, dead_pid())
    services.fail_interrupted_jobs()
    client.force_login(officers["thai_thuy"])
    page = client.get(f"/imports/{checked.pk}/").content.decode()
    assert f'action="/imports/{checked.pk}/run-again/"' in page and "Apply again" in page

    client.force_login(officers["ba_dinh"])
    assert client.post(f"/imports/{checked.pk}/run-again/").status_code == 404
    client.force_login(officers["thai_thuy"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{checked.pk}/run-again/")
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.status == "applied" and Citizen.objects.count() == 6

    refused = upload(tmp_path, officers["thai_thuy"], "Số định danh\n1\n")  # required columns missing
    refused = services.validate_job(refused)
    assert refused.status == "failed" and not refused.may_run_again
    assert "run-again" not in client.get(f"/imports/{refused.pk}/").content.decode()
    with pytest.raises(services.ImportRejected):
        services.run_again(officers["thai_thuy"], refused)
    refused.refresh_from_db()
    assert refused.status == "failed"


def test_the_worker_fails_interrupted_jobs_when_it_starts(checked, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    # the worker loop closes its connections between tasks; here that would be the test's transaction
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    ImportJob.objects.filter(pk=checked.pk).update(status="applying")
    as_if_run_by(checked, dead_pid())
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    checked.refresh_from_db()
    assert (checked.status, checked.error_code) == ("failed", "job_interrupted")
    # its housekeeping and campaign loops end with it: none is left to touch the database of later tests
    loops = [t for t in threading.enumerate() if t.name in ("imports-housekeeping", "campaign-counts")]
    for thread in loops:
        thread.join(5)
    assert not any(thread.is_alive() for thread in loops)


# --- stored uploads ------------------------------------------------------------------------------------


def test_uploads_are_stored_owner_only(tmp_path, officers, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    old = os.umask(0o022)  # what a shell usually has: 0644 files unless the code asks otherwise
    try:
        job = upload(tmp_path, officers["thai_thuy"], HEADER + ROWS[0] + "\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(job.stored_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.UPLOAD_ROOT).st_mode) == 0o700


def test_uploads_are_deleted_after_the_retention_time(tmp_path, officers, settings):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    settings.CANCUOC_IMPORT_RETENTION_DAYS = 7
    officer = officers["thai_thuy"]
    now = timezone.now()
    old_applied = services.apply_job(
        services.validate_job(upload(tmp_path, officer, HEADER + ROWS[0] + "\n"))
    )
    recent = services.validate_job(upload(tmp_path, officer, HEADER + ROWS[1] + "\n"))
    running = upload(tmp_path, officer, HEADER + ROWS[2] + "\n")
    never_checked = upload(tmp_path, officer, HEADER + ROWS[3] + "\n")
    ImportJob.objects.filter(pk=old_applied.pk).update(finished_at=now - timedelta(days=8))
    ImportJob.objects.filter(pk=recent.pk).update(finished_at=now - timedelta(days=6))
    ImportJob.objects.filter(pk=running.pk).update(status="applying", created_at=now - timedelta(days=30))
    ImportJob.objects.filter(pk=never_checked.pk).update(created_at=now - timedelta(days=8))
    stray_old = settings.UPLOAD_ROOT / "stray-old.upload"
    stray_new = settings.UPLOAD_ROOT / "stray-new.upload"
    for stray in (stray_old, stray_new):
        stray.write_bytes(b"x")
    eight_days_ago = (now - timedelta(days=8)).timestamp()
    os.utime(stray_old, (eight_days_ago, eight_days_ago))

    call_command("imports", "purge", stdout=io.StringIO())

    gone = {
        job.pk: not Path(job.stored_path).exists() for job in (old_applied, recent, running, never_checked)
    }
    assert gone == {old_applied.pk: True, recent.pk: False, running.pk: False, never_checked.pk: True}
    assert (not stray_old.exists(), stray_new.exists()) == (True, True)
    old_applied.refresh_from_db()
    assert old_applied.file_deleted_at is not None and old_applied.status == "applied"
    assert services.purge_expired_uploads() == 0


def test_a_checked_job_whose_file_was_deleted_cannot_apply(tmp_path, officers, settings, client):
    job = services.validate_job(upload(tmp_path, officers["thai_thuy"], HEADER + ROWS[0] + "\n"))
    ImportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=8))
    services.purge_expired_uploads()
    client.force_login(officers["thai_thuy"])
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "import-confirm" not in page and "deleted after its retention time" in page
    job.refresh_from_db()
    job = services.apply_job(job)
    assert (job.status, job.error_code) == ("failed", "file_deleted") and not job.may_run_again
    assert not Citizen.objects.exists()
