"""``cancuoc worker``: the django-tasks database worker, plus the imports' housekeeping.

When it starts, and every ``--housekeeping-interval`` seconds in a background thread, the worker marks
failed the import jobs whose worker was killed mid-way (they may then run again) and deletes the uploads
past their retention time (``cancuoc.imports.tasks.housekeeping``).
"""

from __future__ import annotations

import logging
import os
import threading

from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from cancuoc.imports.tasks import housekeeping

logger = logging.getLogger(__name__)


def _production_housekeeping() -> None:
    """Production batches whose run is gone are marked interrupted (to resume)."""
    from cancuoc.production.tasks import housekeeping as production_housekeeping

    stopped = production_housekeeping()
    if stopped:
        logger.info("production housekeeping: batch(es) %s interrupted", ", ".join(stopped))


def _housekeeping_loop(interval: float, stop: threading.Event) -> None:
    while not stop.wait(interval):
        for name, job in (("imports", housekeeping), ("production", _production_housekeeping)):
            try:
                job()
            except Exception:  # the worker must keep running tasks whatever happens here
                logger.exception("%s housekeeping failed", name)
        connections.close_all()  # this thread's connections only


def _campaign_loop(interval: float, stop: threading.Event, rebuild_hour: int = 2) -> None:
    """The campaign's kept counts: folded every ``interval`` seconds, rebuilt from the records once a night
    (after ``rebuild_hour`` local time; a rebuild at 1,000,000 citizens takes minutes, docs/campaigns.md)."""
    from django.utils import timezone

    from cancuoc.campaigns import counting

    rebuilt_on = timezone.localdate()  # the first night after the worker started
    while not stop.wait(interval):
        try:
            now = timezone.localtime()
            if now.date() != rebuilt_on and now.hour >= rebuild_hour:
                counting.rebuild()
                rebuilt_on = now.date()
            else:
                counting.fold()
        except Exception:  # the worker must keep running tasks whatever happens here
            logger.exception("campaign counts failed")
        finally:
            connections.close_all()


class Command(DatabaseWorkerCommand):
    help = "Run the background task worker (django-tasks database backend) and the imports' housekeeping."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--housekeeping-interval", type=float, default=300.0,
            help="seconds between two housekeeping rounds (default: %(default)s)",
        )  # fmt: skip
        parser.add_argument(
            "--campaign-interval", type=float, default=60.0,
            help="seconds between two folds of the campaign's kept counts (default: %(default)s)",
        )  # fmt: skip

    def handle(self, *args, housekeeping_interval: float, campaign_interval: float, **options):
        stop = threading.Event()
        try:
            self._run(stop, housekeeping_interval, campaign_interval, *args, **options)
        finally:
            # the loops end with the worker (``--batch`` returns; a caller's process goes on without them)
            stop.set()

    def _run(self, stop: threading.Event, housekeeping_interval: float, campaign_interval: float, *args, **options):
        # With --reload the first process only watches files; the child runs the tasks.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            self.configure_logging(options.get("verbosity", 1))
            failed, deleted = housekeeping()
            if failed or deleted:
                logger.info("imports housekeeping: %d interrupted job(s) failed, %d upload(s) deleted",
                            len(failed), deleted)  # fmt: skip
            _production_housekeeping()
            threading.Thread(
                target=_housekeeping_loop, args=(housekeeping_interval, stop), name="imports-housekeeping",
                daemon=True,
            ).start()  # fmt: skip
            threading.Thread(target=_campaign_loop, args=(campaign_interval, stop), name="campaign-counts",
                             daemon=True).start()  # fmt: skip
        super().handle(*args, **options)
