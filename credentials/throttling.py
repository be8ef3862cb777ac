"""Fixed-window counters on the shared cache (Redis in production) against brute force.

If the cache is down they let requests through (config/cache.py fails open and logs it):
refusing every request would turn a cache outage into a full outage.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache


def _window(name: str, ident: str) -> tuple[str, int, int, int]:
    limit, period = settings.THROTTLE_RATES[name]
    now = time.time()
    key = f"throttle:{name}:{ident}:{int(now // period)}"
    return key, limit, period, math.ceil(period - now % period)


def retry_after(name: str, ident: str) -> int | None:
    """Seconds until `ident` may try again, or None while it is under the limit."""
    key, limit, _period, wait = _window(name, ident)
    return wait if cache.get(key, 0) >= limit else None


def first_retry_after(*checks: tuple[str, str]) -> int | None:
    """retry_after() of the first (name, ident) over its limit, or None: one cache round trip for all."""
    windows = [_window(name, ident) for name, ident in checks]
    counts = cache.get_many([key for key, _limit, _period, _wait in windows])
    for key, limit, _period, wait in windows:
        if counts.get(key, 0) >= limit:
            return wait
    return None


def hit(name: str, ident: str) -> None:
    key, _limit, period, _wait = _window(name, ident)
    if not cache.add(key, 1, timeout=period + 1):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=period + 1)


def take(name: str, ident: str) -> int | None:
    """Count one use; returns seconds to wait when the limit was already reached.

    Increments first and compares after: one atomic step (fewer cache round trips than a read
    and then a write, and two concurrent uses cannot both slip in under the limit).
    """
    key, limit, period, wait = _window(name, ident)
    try:
        count = cache.incr(key)
    except ValueError:  # the first use in this window
        count = 1 if cache.add(key, 1, timeout=period + 1) else cache.incr(key)
    return wait if count > limit else None
