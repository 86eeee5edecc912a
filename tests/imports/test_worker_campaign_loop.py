"""The worker keeps the campaign's counts: a fold every interval, and once a night a rebuild instead."""

import threading
from datetime import datetime, timedelta

from django.utils import timezone

from cancuoc.campaigns import counting
from cancuoc.imports.management.commands import worker


def _run(monkeypatch, rounds, now):
    calls = []
    stop = threading.Event()

    def called(name):
        def record(**kwargs):
            calls.append(name)
            if len(calls) >= rounds:
                stop.set()
            return {}

        return record

    monkeypatch.setattr(counting, "fold", called("fold"))
    monkeypatch.setattr(counting, "rebuild", called("rebuild"))
    monkeypatch.setattr(worker.connections, "close_all", lambda: None)
    monkeypatch.setattr(timezone, "localtime", lambda *a: now())
    thread = threading.Thread(target=worker._campaign_loop, args=(0.001, stop))
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    return calls


def test_folds_on_the_day_it_started(monkeypatch):
    today = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time())) + timedelta(hours=9)
    assert _run(monkeypatch, 3, lambda: today) == ["fold", "fold", "fold"]


def test_rebuilds_once_the_next_night_then_folds_again(monkeypatch):
    start = timezone.make_aware(datetime.combine(timezone.localdate(), datetime.min.time())) + timedelta(hours=23)

    def clock(later):
        readings = iter([start])  # the loop reads the clock once when it starts, then once a round
        return lambda: next(readings, later)

    assert _run(monkeypatch, 3, clock(start + timedelta(hours=3, minutes=5))) == ["rebuild", "fold", "fold"]
    assert _run(monkeypatch, 2, clock(start + timedelta(hours=2))) == ["fold", "fold"]  # 01:00: not before 02:00
