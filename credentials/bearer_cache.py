"""The console's bearer cache: the bearer lookup's answer for a client secret or an access token,
kept per database connection and emptied by PostgreSQL notifications, so a revoked credential or
token still fails on the next request.

A change to any row the lookup reads (a credential, its membership, its user, its account, the
revoked tokens; not the last-used columns or a user's last login) notifies the channel
`caas_auth` from a trigger (migration 0008) when its transaction commits, before the commit
returns to whoever made it. Each connection LISTENs before it caches anything, and before every
answer from the cache reads what has reached its socket (a system call, no round trip): a
notification empties the cache.

Only on PostgreSQL (SQLite has no notifications), only outside a transaction (inside one,
changes are not committed yet, and a test's changes are never committed), and an entry is looked
up again after CAAS_BEARER_CACHE_SECONDS anyway (default 5; 0 turns the cache off): that bounds
what a connection whose link broke silently, so that nothing more reaches it, could miss. Only
found credentials are kept, so guessing fills nothing.
"""

import time
from collections.abc import Callable

import psycopg
from django.conf import settings
from django.db import DatabaseError, connections, router

from credentials.models import Credential

CHANNEL = "caas_auth"
MOST_ENTRIES = 10_000  # per connection: past it, expired entries go, and if none has, all of them


class _Listener:
    """One psycopg connection's cache: key -> (monotonic deadline, credential)."""

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw
        self.entries: dict[tuple[str, ...], tuple[float, Credential]] = {}
        self.generation = 0  # bumped by every notification; a lookup it overtook is not kept
        raw.add_notify_handler(self._notified)

    def keep(self, key: tuple[str, ...], credential: Credential, now: float, until: float) -> None:
        if len(self.entries) >= MOST_ENTRIES:
            self.entries = {kept: entry for kept, entry in self.entries.items() if entry[0] > now}
            if len(self.entries) >= MOST_ENTRIES:
                self.entries.clear()
        self.entries[key] = (until, credential)

    def _notified(self, notify: psycopg.Notify) -> None:
        """psycopg hands over what arrives while a query runs."""
        if notify.channel == CHANNEL:
            self._forget()

    def _forget(self) -> None:
        self.entries.clear()
        self.generation += 1

    def drain(self) -> None:
        """What arrived between queries is still in the socket: read it without waiting."""
        pgconn = self.raw.pgconn
        pgconn.consume_input()
        while (notify := pgconn.notifies()) is not None:
            if notify.relname == CHANNEL.encode():
                self._forget()


def _listener(connection) -> _Listener | None:
    """This connection's cache, LISTENing, up to date with every notification received; None
    when the connection fails (the lookup then goes to the database and reconnects)."""
    try:
        connection.ensure_connection()
        listener = getattr(connection, "_caas_bearer_cache", None)
        if listener is not None and listener.raw is connection.connection:
            listener.drain()
            return listener
        with connection.cursor() as cursor:
            cursor.execute(f"LISTEN {CHANNEL}")
        listener = connection._caas_bearer_cache = _Listener(connection.connection)
        return listener
    except (psycopg.Error, DatabaseError):
        connection._caas_bearer_cache = None
        return None


def cached(key: tuple[str, ...], lookup: Callable[[], Credential | None]) -> Credential | None:
    """`lookup()`, the credential `key` names, from this connection's cache when it may be."""
    connection = connections[router.db_for_read(Credential)]
    seconds = settings.CAAS_BEARER_CACHE_SECONDS
    if connection.vendor != "postgresql" or seconds <= 0 or connection.in_atomic_block:
        return lookup()
    listener = _listener(connection)
    if listener is None:
        return lookup()
    now = time.monotonic()
    entry = listener.entries.get(key)
    if entry is not None and now < entry[0]:
        return entry[1]
    generation = listener.generation
    credential = lookup()
    if credential is not None and listener.generation == generation and listener.raw is connection.connection:
        listener.keep(key, credential, now, now + seconds)
    return credential
