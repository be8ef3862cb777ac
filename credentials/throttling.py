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


def hit(name: str, ident: str) -> None:
    key, _limit, period, _wait = _window(name, ident)
    if not cache.add(key, 1, timeout=period + 1):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=period + 1)


def take(name: str, ident: str) -> int | None:
    """Count one use; returns seconds to wait when the limit was already reached."""
    wait = retry_after(name, ident)
    if wait is None:
        hit(name, ident)
    return wait
