"""A party's rate counted across processes: each process adds its queries to the shared counter every few
queries, so the total is respected within a few queries per process."""

import pytest

from cancuoc.relying import ratelimits
from cancuoc.web.ratelimit import RateLimited


def count_until_refused(key_id, rate, *, now, limit=10_000):
    for done in range(limit):
        try:
            ratelimits.hit(key_id, rate, now=now)
        except RateLimited as refused:
            return done, refused.retry_after
    return limit, 0


def test_two_processes_share_one_rate(db):
    # process A uses 300 of 500 a minute; process B (its own counts, the same cache) gets about the rest
    rate = 500
    for _ in range(300):
        ratelimits.hit("aaaaaaaaaaaa", rate, now=1_000_020.0)
    ratelimits.forget()  # what process B knows of its own
    allowed, retry_after = count_until_refused("aaaaaaaaaaaa", rate, now=1_000_021.0)
    assert abs(allowed - 200) <= ratelimits.sync_every(rate), "A's last few queries may not have reached the cache"
    assert 1 <= retry_after <= 60


def test_low_rates_are_exact_and_the_previous_minute_weighs(db):
    allowed, _ = count_until_refused("bbbbbbbbbbbb", 30, now=60 * 40_000 + 10.0)
    assert allowed == 30
    # 30 seconds into the next minute, half of the previous minute's 30 still counts
    allowed, _ = count_until_refused("bbbbbbbbbbbb", 30, now=60 * 40_001 + 30.0)
    assert allowed == pytest.approx(15, abs=1)


def test_parties_are_counted_apart(db):
    count_until_refused("cccccccccccc", 5, now=3_000_000.0)
    assert count_until_refused("dddddddddddd", 5, now=3_000_000.0)[0] == 5
