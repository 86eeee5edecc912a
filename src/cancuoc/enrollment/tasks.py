"""Background work of enrollment, on django-tasks (``cancuoc worker``)."""

from django_tasks import task


@task()
def process_application_task(pk: int) -> str:
    from .processing import process_application

    return process_application(pk).stage
