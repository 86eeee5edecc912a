"""The sealer on the background worker (``cancuoc worker``): a task that seals and schedules itself again.

The first run is scheduled after every ``migrate`` (``apps.py``) and by ``cancuoc audit seal``; each run
schedules the next one ``CANCUOC_AUDIT_SEAL_SECONDS`` later (default 60), unless one is already waiting,
so several workers or restarts never multiply it. Backends that cannot defer a task (the tests' immediate
backend) get no schedule.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


def seal_interval() -> int:
    return int(os.environ.get("CANCUOC_AUDIT_SEAL_SECONDS", "60"))


@task()
def seal_audit_log() -> int:
    from . import sealing

    try:
        result = sealing.seal_if_free()
        if result is not None and result.bad_entries:
            logger.error("audit log: entries with a bad MAC: %s", result.bad_entries[:20])
        return result.sealed if result is not None else 0
    finally:
        schedule_sealing()


def schedule_sealing() -> bool:
    backend = seal_audit_log.get_backend()
    if not getattr(backend, "supports_defer", False):
        return False
    try:
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(
            task_path=seal_audit_log.module_path, status__in=["READY"]
        ).exists()
    except ImportError:
        waiting = False
    if waiting:
        return False
    seal_audit_log.using(run_after=timezone.now() + timedelta(seconds=seal_interval())).enqueue()
    return True
