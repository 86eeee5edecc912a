"""The limiter of the public pages (cancuoc.web.ratelimit): a sliding window per client address and per
ID number or code, limits from settings, keys that never hold an ID number."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from cancuoc.web import ratelimit
from cancuoc.web.ratelimit import Limit, RateLimited, hit

T0 = 1_800_000_000.0  # a window boundary for a 600 s window (T0 % 600 == 0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def attempts(value, limit, at, count, scope="test"):
    """How many of ``count`` attempts at time ``at`` get through."""
    allowed = 0
    for _ in range(count):
        try:
            hit(scope, value, [limit], now=at)
            allowed += 1
        except RateLimited:
            pass
    return allowed


def test_the_limit_lets_exactly_its_attempts_through_then_says_how_long_to_wait():
    limit = Limit(10, 600)
    assert attempts("a", limit, T0 + 1, 10) == 10
    with pytest.raises(RateLimited) as refused:
        hit("test", "a", [limit], now=T0 + 1)
    # the rest of this window, then until its 11 attempts (the refused one too) weigh 9 in the next: 599 + 109
    assert refused.value.retry_after == 709
    assert attempts("b", limit, T0 + 1, 1) == 1, "another value has its own count"
    assert attempts("a", limit, T0 + 1, 1, scope="other") == 1, "another page has its own count"


def test_the_window_slides_the_previous_windows_attempts_fade_out():
    limit = Limit(10, 600)
    assert attempts("a", limit, T0 + 590, 10) == 10
    # just after the boundary the previous window still weighs almost fully: nothing gets through
    assert attempts("a", limit, T0 + 610, 1) == 0
    # half-way, half of the previous window's 10 attempts still counts (5), and the refused one: four more fit
    assert attempts("a", limit, T0 + 900, 10) == 4
    # a whole window later, the count starts afresh from the new window's attempts only
    assert attempts("a", limit, T0 + 1800, 10) == 10


@pytest.mark.parametrize(("attempts_before", "at"), [(5, 590), (5, 10), (9, 300), (1, 599)])
def test_the_wait_given_is_enough_and_not_more(attempts_before, at):
    """After the wait it names, one attempt gets through; two seconds earlier it would not have."""
    limit = Limit(5, 600)
    for value in ("early", "on time"):
        assert attempts(value, limit, T0 + at, attempts_before) == min(attempts_before, 5)
        with pytest.raises(RateLimited) as refused:
            for _ in range(6):
                hit("test", value, [limit], now=T0 + at + 5)
    wait = refused.value.retry_after
    assert 0 < wait <= 2 * 600
    assert attempts("early", limit, T0 + at + 5 + wait - 2, 1) == 0
    assert attempts("on time", limit, T0 + at + 5 + wait, 1) == 1


def test_every_limit_of_a_list_counts_the_daily_one_too():
    limits = [Limit(5, 600), Limit(8, 86400)]
    allowed = 0
    for n in range(6):  # six ten-minute windows, five attempts each: the daily limit stops at eight
        for _ in range(5):
            try:
                hit("test", "a", limits, now=T0 + n * 1200)
                allowed += 1
            except RateLimited:
                pass
    assert allowed == 8


def test_keys_never_hold_the_id_number():
    hit("booking", "identity:034090000001", [Limit(5, 600)], now=T0)
    keys = " ".join(str(key) for key in cache._cache)  # the test settings' local-memory cache
    assert keys and "034090000001" not in keys


def test_check_counts_per_address_and_per_identity(settings):
    settings.CANCUOC_RATELIMIT_PER_ADDRESS = [(3, 600)]
    settings.CANCUOC_RATELIMIT_PER_IDENTITY = [(2, 600)]
    factory = RequestFactory()

    def from_address(address, identity=None):
        try:
            ratelimit.check(factory.post("/x", REMOTE_ADDR=address), "page", identity=identity)
            return "ok"
        except RateLimited:
            return "refused"

    assert [from_address("10.0.0.1") for _ in range(4)] == ["ok"] * 3 + ["refused"]
    # one identity from many addresses: the identity's limit holds
    assert [from_address(f"10.0.1.{n}", "034090000001") for n in range(3)] == ["ok", "ok", "refused"]
    assert from_address("10.0.2.1", "034090000002") == "ok"


def test_the_limiter_can_be_switched_off(settings):
    settings.CANCUOC_RATELIMIT_ENABLED = False
    assert attempts("a", Limit(1, 600), T0, 5) == 5


def test_a_limit_needs_attempts_and_time():
    with pytest.raises(ValueError):
        Limit(0, 600)
    with pytest.raises(ValueError):
        Limit(5, 0)
