"""Limits on the shared cache (Redis in production): failure budgets and rate limits.

- Failure budgets (`take`) count failing requests per client address in fixed windows. Only the
  failing requests count and only they are refused: a valid secret never waits for anybody's
  guesses, and a 256-bit secret cannot be guessed, so a lockout would only help an attacker.
- Rate limits (`RateLimit`) cap one credential's successful use. They are on the success path, so
  a request does not go to Redis: each process leases a block of the window's budget there and
  spends it in memory.

If the cache is down both let requests through (config/cache.py fails open and logs it):
refusing every request would turn a cache outage into a full outage.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from config.cache import UNAVAILABLE

logger = logging.getLogger(__name__)


def _window(name: str) -> tuple[int, int, int, float]:
    """(limit, period, window number, seconds left in it) of the named rate, now."""
    limit, period = settings.THROTTLE_RATES[name]
    now = time.time()
    return limit, period, int(now // period), period - now % period


def count(key: str, amount: int, timeout: int) -> int:
    """Add `amount` to the counter `key` (made with `timeout` when new) and return its total:
    one atomic step, one round trip to Redis."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(key)
        try:
            pipeline = backend._cache.get_client(key, write=True).pipeline(transaction=False)
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incrby(key, amount)
            return pipeline.execute()[1]
        except UNAVAILABLE:
            logger.warning("Redis is unavailable; a limit was not counted")
            return amount
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between the two calls
        cache.set(key, amount, timeout=timeout)
        return amount


def take(name: str, ident: str) -> int | None:
    """Count one event against the named budget; seconds to wait when it is spent, else None."""
    limit, period, window, left = _window(name)
    total = count(f"throttle:{name}:{ident}:{window}", 1, period + 1)
    return math.ceil(left) if total > limit else None


@dataclass(frozen=True)
class Allowance:
    """One request's answer from a rate limit, as the RateLimit-* headers tell it."""

    allowed: bool
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


@dataclass
class _Lease:
    window: int
    left: int  # leased by this process and not spent yet
    unleased: int  # what the shared counter had left after this process's last lease
    spent: bool = False  # the window's whole budget is leased out: refuse without asking again


class RateLimit:
    """At most `limit` uses per `period` seconds per identity, across every process and server.

    Leases never add up to more than the limit, so together the processes never let more
    through. A process that stops serving an identity keeps what it leased until the window
    ends, so a block is a hundredth of the limit and shrinks to a tenth of what is left as the
    window runs out: with ten processes each holding a full unspent block, a client still gets
    90 % of its budget. A round trip buys a block: one in `limit / 100` requests at full speed.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._leases: dict[str, _Lease] = {}
        self._lock = threading.Lock()

    def spend(self, ident: str) -> Allowance:
        limit, period, window, left = _window(self.name)
        reset = math.ceil(left)
        with self._lock:
            lease = self._leases.get(ident)
            if lease is None or lease.window != window:
                lease = self._leases[ident] = _Lease(window=window, left=0, unleased=limit)
            if lease.left == 0 and not lease.spent:
                self._renew(lease, ident, limit, period)
            if lease.left == 0:
                return Allowance(False, limit, 0, reset)
            lease.left -= 1
            return Allowance(True, limit, lease.unleased + lease.left, reset)

    def _renew(self, lease: _Lease, ident: str, limit: int, period: int) -> None:
        if len(self._leases) > 10_000:  # forget identities not seen in this window
            self._leases = {key: held for key, held in self._leases.items() if held.window == lease.window}
            self._leases[ident] = lease
        block = max(1, min(limit // 100, lease.unleased // 10))
        total = count(f"ratelimit:{self.name}:{ident}:{lease.window}", block, period + 1)
        lease.left = max(0, min(block, limit - (total - block)))
        lease.unleased = max(0, limit - total)
        lease.spent = lease.left == 0

    def forget(self) -> None:
        """Drop every lease (tests: the shared counters they came from are cleared with the cache)."""
        with self._lock:
            self._leases.clear()


requests_per_credential = RateLimit("requests_per_credential")
introspections_per_credential = RateLimit("introspections_per_credential")
