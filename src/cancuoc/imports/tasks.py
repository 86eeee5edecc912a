"""Background work for imports, run by the django-tasks database worker (``cancuoc worker``).

``start_check`` / ``start_apply`` enqueue a job's task and remember its id on the job (so that a job whose
task ended without finishing it is known to be interrupted). ``housekeeping`` is what the worker runs when
it starts and every few minutes: fail the jobs whose worker is gone, delete expired uploads.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django_tasks import task

from .models import ImportJob
from .services import JobNotWaiting, apply_job, fail_interrupted_jobs, purge_expired_uploads, validate_job

logger = logging.getLogger(__name__)


@task()
def validate_import(job_id: int) -> int:
    job = validate_job(ImportJob.objects.get(pk=job_id))
    return job.rejected_rows


@task()
def apply_import(job_id: int) -> int:
    try:
        job = apply_job(ImportJob.objects.get(pk=job_id))
    except JobNotWaiting:
        return 0  # confirmed twice: the first confirmation applies it, this one has nothing to do
    return job.created_count + job.updated_count


def _enqueue(job: ImportJob, task_) -> None:
    result = task_.enqueue(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


def start_check(job: ImportJob) -> None:
    _enqueue(job, validate_import)


def start_apply(job: ImportJob) -> None:
    _enqueue(job, apply_import)


def start(job: ImportJob) -> None:
    """The task a job waits for: checking an uploaded job, applying a checked (and confirmed) one."""
    if job.status == ImportJob.Status.VALIDATED:
        start_apply(job)
    else:
        start_check(job)


def housekeeping() -> tuple[list[int], int]:
    """Fail interrupted jobs, delete expired uploads; (ids of failed jobs, files deleted)."""
    try:
        failed = fail_interrupted_jobs()
        deleted = purge_expired_uploads()
    except DatabaseError:
        logger.warning("imports housekeeping: database busy; will retry", exc_info=True)
        return [], 0
    for job_id in failed:
        logger.warning("import %s: its worker stopped mid-way; marked failed", job_id)
    return failed, deleted
