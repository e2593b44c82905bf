"""The token bucket: about 1 message/s with bursts of 5, atomic within a process and, through one Redis
script, across processes (tests/chat_stack/test_rate_limit.py runs it in two worker processes)."""

from __future__ import annotations

import threading

import pytest

from peixun.chat import conf, ratelimit
from peixun.chat.ratelimit import rate_take


def redis_url() -> str | None:
    import os

    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        return None
    return url


@pytest.fixture(params=["in-process", "redis"])
def backend(request, settings):
    if request.param == "redis":
        url = redis_url()
        if url is None:
            pytest.skip("no Redis at REDIS_URL / 127.0.0.1:6379")
        settings.REDIS_URL = url
    else:
        settings.REDIS_URL = ""
    return request.param


def test_a_burst_of_five_passes_then_the_bucket_refills_at_one_a_second(backend):
    t0 = 1_000_000.0
    assert [rate_take(room_id=1, user_id=7, now=t0) for _ in range(5)] == [0.0] * 5
    wait = rate_take(room_id=1, user_id=7, now=t0)
    assert wait == pytest.approx(1.0)
    assert rate_take(room_id=1, user_id=7, now=t0 + 0.5) == pytest.approx(0.5)
    assert rate_take(room_id=1, user_id=7, now=t0 + 1.0) == 0.0
    # Another person, or the same person in another room, has a bucket of their own.
    assert rate_take(room_id=1, user_id=8, now=t0) == 0.0
    assert rate_take(room_id=2, user_id=7, now=t0) == 0.0


def test_the_bucket_never_holds_more_than_the_burst(backend):
    t0 = 2_000_000.0
    rate_take(room_id=3, user_id=7, now=t0)
    results = [rate_take(room_id=3, user_id=7, now=t0 + 3600) for _ in range(6)]
    assert results[:5] == [0.0] * 5 and results[5] > 0


def test_racing_takes_never_pass_more_than_the_burst(backend, monkeypatch):
    monkeypatch.setattr(conf, "RATE_PER_SECOND", 0.001)
    passed: list[float] = []
    gate = threading.Barrier(8)

    def take():
        gate.wait()
        for _ in range(10):
            passed.append(rate_take(room_id=4, user_id=7))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(1 for w in passed if w == 0) == conf.RATE_BURST and len(passed) == 80


def test_the_redis_bucket_uses_the_servers_clock_and_expires(settings, monkeypatch):
    url = redis_url()
    if url is None:
        pytest.skip("no Redis at REDIS_URL / 127.0.0.1:6379")
    import redis

    settings.REDIS_URL = url
    assert rate_take(room_id=5, user_id=7) == 0.0
    key = ratelimit._key(5, 7)
    client = redis.Redis.from_url(url)
    assert float(client.hget(key, "tokens")) == pytest.approx(conf.RATE_BURST - 1, abs=0.01)
    assert 0 < client.ttl(key) <= max(60, int(conf.RATE_BURST / conf.RATE_PER_SECOND) + 5)
