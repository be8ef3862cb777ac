"""Transactions of one kind that must run one at a time, also where no row exists yet that
SELECT ... FOR UPDATE could lock (the first signing key, the next revocation id)."""

from django.db import connections

# Every key in one place, so that no two kinds of transaction share one by accident.
FEED_WRITERS = 0x63616173  # "caas": the revocation feed's writers (credentials/federation/revocations.py)
SIGNING_KEY_MAKERS = 0x63616174  # servers making a signing key (credentials/signing.py)


def serialize(alias: str, key: int) -> None:
    """Inside a transaction on `alias`: wait until every other transaction that called this with
    `key` has ended. PostgreSQL takes a transaction-scoped advisory lock; SQLite needs none, as it
    runs one writing transaction at a time (transaction_mode IMMEDIATE in settings)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
