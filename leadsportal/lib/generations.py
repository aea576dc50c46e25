"""Generation counters in the cache: a cached value records the generation it was computed at,
and moving the generation makes every such value stale at once."""

from __future__ import annotations

from django.core.cache import cache


def generation_get(key: str) -> int:
    return int(cache.get(key, 0))


def generation_bump(key: str) -> None:
    # add() then incr(): atomic on Redis, so that two changes never share a generation.
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between the two calls
        cache.set(key, 1, timeout=None)
