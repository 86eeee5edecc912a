"""Background work of production, run by the django-tasks database worker (``cancuoc worker``): a batch
created on the page runs (or resumes) here; progress goes through the cache (``running.progress_of``)."""

from __future__ import annotations

import logging

from django_tasks import task

from cancuoc.accounts.models import User

from . import running
from .errors import ProductionError, ProductionErrorCode

logger = logging.getLogger(__name__)


@task()
def run_production_batch(batch_id: int, user_id: int | None = None) -> int:
    actor = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        batch = running.run_batch(batch_id, actor=actor)
    except ProductionError as error:
        if error.code in (ProductionErrorCode.BATCH_BUSY, ProductionErrorCode.BATCH_NOT_RUNNABLE):
            logger.info("production batch %s: %s", batch_id, error.message_en)
            return 0  # started twice: the other run has it, or it is done
        raise
    return batch.personalised_count


def start(batch, actor=None) -> None:
    """Enqueue the batch's run (call after the transaction that created or reopened it committed)."""
    run_production_batch.enqueue(batch.pk, getattr(actor, "pk", None))


def housekeeping() -> list[str]:
    """Running batches whose run is gone are marked interrupted (``cancuoc production resume`` or the
    page's button takes them up again). Returns their codes."""
    from .models import ProductionBatch

    codes = []
    for batch in running.stale_batches():
        updated = ProductionBatch.objects.filter(pk=batch.pk, runner=batch.runner, state=ProductionBatch.State.RUNNING).update(
            state=ProductionBatch.State.INTERRUPTED, runner="", error_code=ProductionErrorCode.RUN_FAILED,
            error_vi="Tiến trình chạy lô đã dừng giữa chừng; hãy chạy tiếp",
            error_en="the process running the batch stopped half-way; resume it",
        )  # fmt: skip
        if updated:
            codes.append(batch.code)
    return codes
