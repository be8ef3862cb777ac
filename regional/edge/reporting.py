"""What a region saw, for the console's Usage pages and Activity: counted in memory, sent in batches.

The same counts the console keeps in credentials/usage.py (requests and refusals per credential,
hour and permission, the latest refusals, last use), keyed by client ID, plus the Activity events
of the regional services. The feed thread sends them every USAGE_FLUSH_SECONDS; a batch the
console did not take is kept for the next try, up to MAX_KEPT keys, and the rest is dropped.
"""

import atexit
import logging
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime

from django.conf import settings

from regional.edge.console import Console, ConsoleUnavailable

logger = logging.getLogger(__name__)
FAILURES_KEPT = 5
MAX_KEPT = 20_000


def _hour() -> float:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0).timestamp()


class Reporter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._empty()
        self._since = time.monotonic()
        self._console: Console | None = None
        atexit.register(self.send_now)

    def _empty(self) -> None:
        self._counts: dict[tuple[str, float, str], list[int]] = defaultdict(lambda: [0, 0])
        self._failures: dict[str, deque] = defaultdict(lambda: deque(maxlen=FAILURES_KEPT))
        self._last_used: dict[str, tuple[float, str | None]] = {}
        self._activity: list[dict] = []

    def request(self, client_id: str, permission: str, ip: str | None) -> None:
        with self._lock:
            self._counts[(client_id, _hour(), permission)][0] += 1
            self._last_used[client_id] = (time.time(), ip)

    def refusal(self, client_id: str, ip: str | None, reason: str, *, counted: bool = True) -> None:
        """`counted=False`: a use that went ahead but would have been refused (report mode)."""
        with self._lock:
            if counted:
                self._counts[(client_id, _hour(), "")][1] += 1
            self._failures[client_id].append((time.time(), ip, reason))

    def activity(self, **event) -> None:
        with self._lock:
            self._activity.append({**event, "at": time.time()})

    def _take(self) -> dict:
        with self._lock:
            payload = {
                "usage": [[cid, hour, perm, req, ref] for (cid, hour, perm), (req, ref) in self._counts.items()],
                "failures": [
                    [cid, at, ip, reason] for cid, recent in self._failures.items() for at, ip, reason in recent
                ],
                "last_used": [[cid, at, ip] for cid, (at, ip) in self._last_used.items()],
                "activity": self._activity,
            }
            self._empty()
            self._since = time.monotonic()
        return payload

    def _give_back(self, payload: dict) -> None:
        with self._lock:
            if len(self._counts) + len(payload["usage"]) > MAX_KEPT:
                logger.warning("Could not report usage to the console; %d counters dropped", len(payload["usage"]))
                return
            for cid, hour, perm, req, ref in payload["usage"]:
                counts = self._counts[(cid, hour, perm)]
                counts[0] += req
                counts[1] += ref
            kept = defaultdict(list)
            for cid, at, ip, reason in payload["failures"]:
                kept[cid].append((at, ip, reason))
            for cid, older in kept.items():  # before the newer ones, of which the newest FAILURES_KEPT stay
                self._failures[cid] = deque([*older, *self._failures[cid]], maxlen=FAILURES_KEPT)
            for cid, at, ip in payload["last_used"]:
                self._last_used.setdefault(cid, (at, ip))
            self._activity[:0] = payload["activity"]

    def send_if_due(self, console: Console) -> None:
        self._console = console
        if time.monotonic() - self._since >= settings.USAGE_FLUSH_SECONDS:
            self.send_now()

    def send_now(self) -> None:
        if self._console is None:
            return
        payload = self._take()
        if not any(payload.values()):
            return
        try:
            self._console.report(payload)
        except ConsoleUnavailable as error:
            logger.warning("Could not report to the console (%s); kept for the next try", error)
            self._give_back(payload)
