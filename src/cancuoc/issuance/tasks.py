"""Background work of issuance on the django-tasks worker (``cancuoc worker``):

- ``send_outbox`` sends the due messages; enqueued after each commit that queued one, and scheduling itself
  again for the next retry when one is waiting (backends that cannot defer get no schedule: the command
  ``cancuoc outbox send`` or the next queueing runs them);
- ``expire_cards`` moves the cards whose expiry date has come to ``expired`` once a day (scheduled after
  every ``migrate`` and by itself for the next day, like the audit sealer), and deletes spent one-time codes.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)
EXPIRY_HOUR = time(0, 30)


def _waiting(task_) -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:
        return False
    return DBTaskResult.objects.filter(task_path=task_.module_path, status__in=["READY"]).exists()


def _schedule(task_, at: datetime) -> bool:
    backend = task_.get_backend()
    if not getattr(backend, "supports_defer", False) or _waiting(task_):
        return False
    task_.using(run_after=at).enqueue()
    return True


@task()
def send_outbox() -> int:
    from . import outbox

    counts = outbox.deliver_due()
    upcoming = outbox.next_due_at()
    if upcoming is not None and upcoming > timezone.now():
        _schedule(send_outbox, upcoming)
    return counts["sent"]


def next_expiry_run(now: datetime | None = None) -> datetime:
    """The next 00:30 local time."""
    now = timezone.localtime(now or timezone.now())
    run = now.replace(hour=EXPIRY_HOUR.hour, minute=EXPIRY_HOUR.minute, second=0, microsecond=0)
    return run if run > now else run + timedelta(days=1)


def run_expiry(on=None) -> int:
    from cancuoc.cards import lifecycle

    on = on or timezone.localdate()
    total = 0
    while True:  # expire_due works in slices
        moved = lifecycle.expire_due(None, on)
        total += moved
        if moved == 0:
            return total


def purge_loss_codes(now: datetime | None = None) -> int:
    """One-time codes of the loss page a day after they expired: nothing left to check them against."""
    from .models import LossCode

    return LossCode.objects.filter(expires_at__lt=(now or timezone.now()) - timedelta(days=1)).delete()[0]


@task()
def expire_cards() -> int:
    try:
        purge_loss_codes()
        moved = run_expiry()
        if moved:
            logger.info("cards expired today: %d", moved)
        return moved
    finally:
        schedule_expiry()


def schedule_expiry() -> bool:
    return _schedule(expire_cards, next_expiry_run())
