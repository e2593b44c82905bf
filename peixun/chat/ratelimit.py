"""Token bucket per person and room, kept in the cache (Redis when configured, so shared by workers).

Get-then-set is not atomic across workers; two sends of one person racing on two workers may both
pass. That is tolerable for a courtesy limit and costs one round trip instead of a script.
"""

from __future__ import annotations

import os
import time

from django.core.cache import cache

from peixun.chat import conf

# Separates test runs that share one Redis (room ids repeat between test databases).
NAMESPACE = os.environ.get("PEIXUN_CHAT_RATE_NS", "")


def rate_take(*, room_id: int, user_id: int, now: float | None = None) -> float:
    """Takes one token. Returns 0 when allowed, else the seconds to wait before the next send."""
    now = time.time() if now is None else now
    key = f"chat:rl:{NAMESPACE}:{room_id}:{user_id}"
    state = cache.get(key)
    tokens, last = (float(conf.RATE_BURST), now) if state is None else state
    tokens = min(float(conf.RATE_BURST), tokens + (now - last) * conf.RATE_PER_SECOND)
    if tokens < 1:
        cache.set(key, (tokens, now), timeout=max(60, int(conf.RATE_BURST / conf.RATE_PER_SECOND) + 5))
        return (1 - tokens) / conf.RATE_PER_SECOND
    cache.set(key, (tokens - 1, now), timeout=max(60, int(conf.RATE_BURST / conf.RATE_PER_SECOND) + 5))
    return 0.0
