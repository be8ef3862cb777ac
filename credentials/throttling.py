"""Fixed-window counters on the shared cache (Redis in production) against brute force.

If the cache is down, throttling degrades open: authentication keeps working and a warning is
logged, since refusing every request would turn a cache outage into a full outage.
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _window(name: str, ident: str) -> tuple[str, int, float]:
    limit, period = settings.THROTTLE_RATES[name]
    now = time.time()
    key = f"throttle:{name}:{ident}:{int(now // period)}"
    retry_after = math.ceil(period - now % period)
    return key, limit, retry_after


def retry_after(name: str, ident: str) -> int | None:
    """Seconds until `ident` may try again, or None while it is under the limit."""
    key, limit, wait = _window(name, ident)
    try:
        count = cache.get(key, 0)
    except Exception:
        logger.warning("Throttle cache unavailable; allowing %s", name, exc_info=True)
        return None
    return wait if count >= limit else None


def hit(name: str, ident: str) -> None:
    key, _limit, _wait = _window(name, ident)
    _, period = settings.THROTTLE_RATES[name]
    try:
        cache.add(key, 0, timeout=period + 1)
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=period + 1)
    except Exception:
        logger.warning("Throttle cache unavailable; not counting %s", name, exc_info=True)


def take(name: str, ident: str) -> int | None:
    """Count one use; returns seconds to wait when the limit was already reached."""
    wait = retry_after(name, ident)
    if wait is None:
        hit(name, ident)
    return wait
