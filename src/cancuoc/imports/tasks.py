"""Background work for imports, run by the django-tasks database worker (``cancuoc worker``)."""

from django_tasks import task

from .models import ImportJob
from .services import apply_job, validate_job


@task()
def validate_import(job_id: int) -> int:
    job = validate_job(ImportJob.objects.get(pk=job_id))
    return job.rejected_rows


@task()
def apply_import(job_id: int) -> int:
    job = apply_job(ImportJob.objects.get(pk=job_id))
    return job.created_count + job.updated_count
