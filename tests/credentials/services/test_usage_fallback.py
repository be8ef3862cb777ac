"""The usage flush's fallback: when the batch fails because a credential was deleted while it ran,
the counts are written credential by credential, so only the deleted credential's are lost."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from credentials import services, usage
from credentials.models import Credential, CredentialUsage

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has one writer at a time: a delete cannot land inside a flush (CI runs this on PostgreSQL)",
    ),
    pytest.mark.django_db(transaction=True),
]


def blocked_by_this_transaction() -> bool:
    """Whether another backend waits for a lock this connection holds (the flush, at its commit)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
        )
        return cursor.fetchone()[0]


def flush_in_its_own_connection() -> None:
    try:
        usage.flush()
    finally:
        connection.close()


def test_a_credential_deleted_while_the_flush_runs_costs_only_its_own_counts(member, caplog):
    """The delete holds the credential's row until it commits; the flush inserts its batch (the
    credential still exists in its snapshot) and waits at its foreign-key check, which then fails."""
    kept, _ = services.generate_credential(membership=member, name="kept")
    gone, _ = services.generate_credential(membership=member, name="gone")
    usage.record_request(kept.pk, "us-region-1")
    usage.record_request(gone.pk, "us-region-1")
    with ThreadPoolExecutor(1) as pool:
        with transaction.atomic():
            Credential.objects.get(pk=gone.pk).delete()
            flushing = pool.submit(flush_in_its_own_connection)
            deadline = time.monotonic() + 10
            while not blocked_by_this_transaction():
                assert time.monotonic() < deadline, "the flush never waited for the deleted credential"
                time.sleep(0.01)
        flushing.result()
    assert list(CredentialUsage.objects.values_list("credential_id", "requests")) == [(kept.pk, 1)]
    assert "Could not write credential usage" not in caplog.text
