"""The cache speeds things up and counts throttles; it is never needed to take a booking.

Every use goes through these helpers (an add, a counter), which treat an unreachable cache (Redis
stopped, a timeout) as a miss: an add reports nothing added, a
counter answers None so its throttle lets the request through. One warning is
logged when the cache stops answering, not one per request.
"""

import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Connection refused, timeouts and protocol errors; OSError for a socket that dies under redis-py.
CACHE_ERRORS = (RedisError, OSError)

_down = False

T = TypeVar("T")
_MISSING = object()

# How long a cached read of configuration may outlive a change that slipped past ``forget`` (see there).
CONFIG_TIMEOUT = 300


def _failed(exc: Exception) -> None:
    global _down
    if not _down:  # a race here costs at most a second warning
        logger.warning("the cache is unreachable (%s); carrying on without it", type(exc).__name__)
    _down = True


def _answered() -> None:
    global _down
    if _down:
        logger.warning("the cache answers again")
    _down = False


def safe_add(key: str, value, timeout: int) -> bool:
    """True when the key was new; False when it was there or the cache is unreachable."""
    try:
        added = cache.add(key, value, timeout)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return False
    _answered()
    return added


def cached(key: str, build: Callable[[], T], *, timeout: int = CONFIG_TIMEOUT) -> T:
    """``build()``, kept under ``key`` until ``forget(key)`` or ``timeout``; built afresh when the cache is unreachable.

    Built afresh too when the cache is each process's own memory (no Redis): a change saved in the web
    process could not be forgotten in the worker's, which would expire callbacks by yesterday's hours.
    """
    if isinstance(caches["default"], LocMemCache):
        return build()
    try:
        value = cache.get(key, _MISSING)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return build()
    _answered()
    if value is _MISSING:
        value = build()
        try:
            cache.set(key, value, timeout)
        except CACHE_ERRORS as exc:
            _failed(exc)
    return value


def forget(*keys: str) -> None:
    """Drop cached reads now and again when the transaction that changed their rows commits.

    Now, so this transaction reads its own change; after the commit, because a
    reader in another transaction may have cached the old rows in between. A
    reader that read before the commit and stores after it is what the
    timeout bounds.
    """

    def drop() -> None:
        try:
            cache.delete_many(list(keys))
        except CACHE_ERRORS as exc:
            _failed(exc)

    drop()
    transaction.on_commit(drop)


def cache_reachable() -> bool:
    try:
        cache.get("healthz")
    except CACHE_ERRORS:
        return False
    return True


def counter_hit(key: str, *, window: int, now: float | None = None) -> tuple[int, float] | None:
    """Count a hit in the current fixed window of ``window`` seconds: (hits so far, seconds until the window ends).

    None when the cache is unreachable. The window's number is part of the key, so a
    counter never outlives its window, whatever happens to its expiry.
    """
    now = time.time() if now is None else now
    index = math.floor(now / window)
    window_key = f"{key}:{index}"
    try:
        count = _incr_with_expiry(window_key, window)
    except CACHE_ERRORS as exc:
        _failed(exc)
        return None
    _answered()
    return count, (index + 1) * window - now


def _incr_with_expiry(key: str, window: int) -> int:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # INCR and EXPIRE in one MULTI: concurrent hits each get their own count (a read-then-write
        # let 400 through a limit of 300), and no key is ever left without its expiry.
        redis_key = backend.make_and_validate_key(key)
        # _cache, the client behind Django's RedisCache, is private: not in the stubs.
        pipeline = backend._cache.get_client(redis_key, write=True).pipeline(transaction=True)  # type: ignore[attr-defined]
        count, _ = pipeline.incr(redis_key).expire(redis_key, window).execute()
        return count
    # Other backends (the per-process memory cache of a development run): add then increment under their lock.
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: this hit starts a new count
        cache.add(key, 1, window)
        return 1
