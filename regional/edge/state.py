"""What one process of a region knows, and the thread that keeps it current.

Each process (each gunicorn worker) starts one daemon thread on first use. It long-polls the
console's revocation feed from cursor 0, so it holds every revocation that still matters before
it serves a request, and applies each new one as soon as the console commits it: a revoked client
ID stops its access tokens issued until then and drops its cached secret answer; a revoked token
ID stops that token. Between polls it sends the reports (reporting.py) and, every JWKS max-age,
fetches the signing keys again (also at once when a token names an unknown key).

Every authenticated request needs the feed heard from within CAAS_REVOCATION_MAX_STALENESS
seconds, or it gets 503: a region cut off from the console cannot learn of revocations, so it
stops trusting what it knows rather than serve a revoked credential for long.
"""

import contextlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt
from django.conf import settings
from jwt.algorithms import AllowedPublicKeys

from credentials import signing, tokens
from regional.edge.console import Console, ConsoleUnavailable, console
from regional.edge.reporting import Reporter

logger = logging.getLogger(__name__)
JWKS_REFRESH_AFTER_UNKNOWN_KID = 5.0
SECRET_ANSWERS_KEPT = 10_000
RETRY_AFTER_FAILURE = 0.5


@dataclass(frozen=True)
class VerifyingKey:
    kid: str
    algorithm: str
    public: AllowedPublicKeys


class Edge:
    def __init__(self, make_console=console) -> None:
        self._make_console = make_console
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self.console: Console | None = None
        self.keys: dict[str, VerifyingKey] = {}
        self._keys_fetched = float("-inf")
        self.revoked_clients: dict[str, float] = {}
        self.revoked_tokens: dict[str, float] = {}
        self._revoked_as: dict[str, int] = {}  # client ID: the delivery count its latest revocation made
        self._answers: OrderedDict[str, tuple[dict, float]] = OrderedDict()
        self._verified = tokens.VerifiedTokens(self.key)
        self._digests_of: dict[str, set[str]] = {}
        self.cursor = 0
        self.last_contact: float | None = None
        self.synced = threading.Event()
        self.error = ""
        self.reporter = Reporter()
        self.delivered = 0

    # The thread

    def start(self) -> None:
        """Once per process, also after a fork (each gunicorn worker has its own)."""
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._reset()
            self.console = self._make_console()
            self._pid = os.getpid()
            threading.Thread(target=self._follow, name="caas-revocation-feed", daemon=True).start()

    def _remote(self) -> Console:
        if self.console is None:
            raise ConsoleUnavailable("not started")
        return self.console

    def _wait_seconds(self) -> int:
        return max(1, min(settings.CAAS_FEED_WAIT_SECONDS, settings.CAAS_REVOCATION_MAX_STALENESS // 3))

    def _follow(self) -> None:
        next_jwks = 0.0
        more = True
        while True:
            try:
                if time.monotonic() >= next_jwks:
                    self._load_keys()
                    next_jwks = time.monotonic() + settings.OAUTH_JWKS_MAX_AGE
                answer = self._remote().revocations(self.cursor, 0 if more else self._wait_seconds())
                self.apply(answer["revocations"])
                self.cursor, more = int(answer["cursor"]), bool(answer["more"])
                self.last_contact, self.error = time.monotonic(), ""
                if not more:
                    self.synced.set()
                self.reporter.send_if_due(self._remote())
            except (ConsoleUnavailable, KeyError, TypeError, ValueError) as error:
                self.error = str(error) or type(error).__name__
                logger.warning("Revocation feed: %s", self.error)
                time.sleep(RETRY_AFTER_FAILURE)

    # What the thread learns

    def apply(self, entries: list[dict]) -> None:
        horizon = time.time() - max(settings.OAUTH_ACCESS_TOKEN_LIFETIME + settings.CAAS_SECRET_CACHE_SECONDS, 3600)
        with self._lock:
            for entry in entries:
                at = float(entry["at"])
                if "client_id" in entry:
                    client_id = entry["client_id"]
                    self.revoked_clients[client_id] = max(at, self.revoked_clients.get(client_id, at))
                    self._revoked_as[client_id] = self.delivered + 1
                    for digest in self._digests_of.pop(client_id, ()):
                        self._answers.pop(digest, None)
                else:
                    self.revoked_tokens[entry["jti"]] = at
                self.delivered += 1
            if len(self.revoked_clients) + len(self.revoked_tokens) > 10_000:
                self.revoked_clients = {k: v for k, v in self.revoked_clients.items() if v >= horizon}
                self.revoked_tokens = {k: v for k, v in self.revoked_tokens.items() if v >= horizon}
                self._revoked_as = {k: v for k, v in self._revoked_as.items() if k in self.revoked_clients}

    def _load_keys(self) -> None:
        keys = {}
        for jwk in self._remote().jwks()["keys"]:
            try:
                family, _ = signing.ALGORITHMS[jwk["alg"]]
                keys[jwk["kid"]] = VerifyingKey(jwk["kid"], jwk["alg"], family.from_jwk(json.dumps(jwk)))
            except (jwt.PyJWTError, KeyError, ValueError):
                logger.warning("Skipping a JWKS key this region cannot use: %s", jwk.get("kid"))
        self.keys, self._keys_fetched = keys, time.monotonic()

    # What requests ask

    def staleness(self) -> float | None:
        return None if self.last_contact is None else time.monotonic() - self.last_contact

    def fresh(self) -> bool:
        staleness = self.staleness()
        return staleness is not None and staleness <= settings.CAAS_REVOCATION_MAX_STALENESS

    def key(self, kid: str) -> "VerifyingKey | None":
        """A key of the JWKS; an unknown kid fetches the JWKS again, at most every few seconds."""
        found = self.keys.get(kid)
        if found is None and time.monotonic() - self._keys_fetched >= JWKS_REFRESH_AFTER_UNKNOWN_KID:
            with self._lock:
                if time.monotonic() - self._keys_fetched >= JWKS_REFRESH_AFTER_UNKNOWN_KID:
                    self._keys_fetched = time.monotonic()
                    with contextlib.suppress(ConsoleUnavailable):
                        self._load_keys()
            found = self.keys.get(kid)
        return found

    def claims(self, token: str) -> dict:
        """A token's verified claims with this region's JWKS copy, or InvalidToken (a signature is
        checked once per process: tokens.VerifiedTokens); revocations are the caller's check."""
        return self._verified.claims(token)

    def revoked(self, client_id: str, jti: str | None, issued_at: float) -> bool:
        at = self.revoked_clients.get(client_id)
        return (at is not None and at >= issued_at) or (jti is not None and jti in self.revoked_tokens)

    def answer_for(self, digest: str) -> dict:
        """The console's answer about a secret's digest, asked once per CAAS_SECRET_CACHE_SECONDS."""
        cached = self._answers.get(digest)
        if cached is not None and time.monotonic() - cached[1] < settings.CAAS_SECRET_CACHE_SECONDS:
            return cached[0]
        asked_at = time.monotonic()
        delivered_before = self.delivered
        answer = self._remote().secret(digest)
        with self._lock:
            if self._revoked_as.get(answer.get("client_id", ""), 0) > delivered_before:
                return {"active": False}  # revoked while we asked: not cached, refused
            self._answers[digest] = (answer, asked_at)
            self._answers.move_to_end(digest)
            if answer.get("client_id"):
                self._digests_of.setdefault(answer["client_id"], set()).add(digest)
            while len(self._answers) > SECRET_ANSWERS_KEPT:
                old, (old_answer, _) = self._answers.popitem(last=False)
                self._digests_of.get(old_answer.get("client_id", ""), set()).discard(old)
        return answer


edge = Edge()
