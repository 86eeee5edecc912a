"""Background work of biometrics, on django-tasks (``cancuoc worker``)."""

from __future__ import annotations

from django_tasks import task

from .models import AbisRequest


@task()
def run_abis_request(pk: int) -> str:
    from .requests import process

    return process(pk).status


def requeue_waiting() -> int:
    """Hand every request still waiting (an engine failure, a worker that died) to a worker again."""
    from .requests import requeue_stale

    requeue_stale()
    waiting = list(AbisRequest.objects.filter(status=AbisRequest.Status.QUEUED).values_list("pk", flat=True))
    for pk in waiting:
        run_abis_request.enqueue(pk)
    return len(waiting)
