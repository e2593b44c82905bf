"""Token bucket per person and room: RATE tokens a second, at most BURST at once.

With REDIS_URL set, the bucket lives in Redis and one Lua script reads, refills, takes and writes it,
so it is atomic across all worker processes (two sends of one person racing on two workers cannot both
take the last token) and uses the Redis server's clock, the same for every worker. In the embedded mode
(one process) the buckets are a dict behind a lock.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.conf import settings

from peixun.chat import conf

# Separates test runs that share one Redis (room ids repeat between test databases).
NAMESPACE = os.environ.get("PEIXUN_CHAT_RATE_NS", "")

# KEYS[1] the bucket; ARGV rate, burst, ttl, now ("" = the server's clock). Returns the wait in seconds
# as a string (0 when a token was taken). The bucket is a hash {tokens, at}.
_TAKE = """
local rate, burst, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if tokens == nil or at == nil then
  tokens, at = burst, now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < 1 then
  wait = (1 - tokens) / rate
else
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
return tostring(wait)
"""

_lock = threading.Lock()
_buckets: dict[str, tuple[float, float]] = {}
_script: Any = None
_script_url = ""


def _ttl() -> int:
    return max(60, int(conf.RATE_BURST / conf.RATE_PER_SECOND) + 5)


def _key(room_id: int, user_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:chat:rl:{NAMESPACE}:{room_id}:{user_id}"


def _take_redis(key: str, now: float | None) -> float:
    global _script, _script_url
    if _script is None or _script_url != settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        _script, _script_url = client.register_script(_TAKE), settings.REDIS_URL
    args = [conf.RATE_PER_SECOND, conf.RATE_BURST, _ttl(), "" if now is None else repr(now)]
    return float(_script(keys=[key], args=args))


def _take_local(key: str, now: float | None) -> float:
    now = time.time() if now is None else now
    with _lock:
        tokens, at = _buckets.get(key, (float(conf.RATE_BURST), now))
        tokens = min(float(conf.RATE_BURST), tokens + max(0.0, now - at) * conf.RATE_PER_SECOND)
        if tokens < 1:
            _buckets[key] = (tokens, now)
            return (1 - tokens) / conf.RATE_PER_SECOND
        _buckets[key] = (tokens - 1, now)
        if len(_buckets) > 50_000:
            # Buckets full for longer than the TTL are the same as no bucket: forget them.
            horizon = now - _ttl()
            for stale in [k for k, (_t, a) in _buckets.items() if a < horizon]:
                del _buckets[stale]
        return 0.0


def rate_take(*, room_id: int, user_id: int, now: float | None = None) -> float:
    """Takes one token. Returns 0 when allowed, else the seconds to wait before the next send."""
    key = _key(room_id, user_id)
    if settings.REDIS_URL:
        return _take_redis(key, now)
    return _take_local(key, now)
