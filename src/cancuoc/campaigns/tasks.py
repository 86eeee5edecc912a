"""Periodic work of the campaign (django-tasks): fold the history tables into the kept counts."""

from django_tasks import task

from . import counting


@task()
def fold_counts() -> dict:
    """Run every minute by the worker's housekeeping (registration: see docs/campaigns.md)."""
    return counting.fold()


def housekeeping() -> dict:
    """What the worker's housekeeping loop calls (every minute): the same fold, without the task queue."""
    return counting.fold()
