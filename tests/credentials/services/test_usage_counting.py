"""Usage counting: no database write per request, batched flushes, a bounded failure list."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials import services, usage
from credentials.models import CredentialFailure, CredentialUsage
from tests.credentials.helpers import bearer


@pytest.fixture
def credential(member):
    return services.generate_credential(membership=member, name="ci")


def usage_writes(queries) -> list[str]:
    # The bearer lookup is a prepared statement on PostgreSQL, which Django logs without its text.
    return [query["sql"] for query in queries if "credentialusage" in (query["sql"] or "").lower()]


def test_requests_are_counted_in_memory_and_written_in_one_batch(client, credential):
    _, secret = credential
    with CaptureQueriesContext(connection) as during:
        for _ in range(25):
            assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert usage_writes(during.captured_queries) == []
    assert not CredentialUsage.objects.exists()
    with CaptureQueriesContext(connection) as flushing:
        usage.flush()
    assert len(usage_writes(flushing.captured_queries)) == 1
    row = CredentialUsage.objects.get()
    assert (row.requests, row.failures, row.region) == (25, 0, "")
    assert row.hour == datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def test_a_second_flush_adds_to_the_same_hour(credential):
    stored, _ = credential
    for _ in range(2):
        usage.record_request(stored.pk, "us-region-1")
        usage.flush()
    assert CredentialUsage.objects.get().requests == 2


def test_flush_happens_by_itself_once_enough_keys_wait(credential, settings):
    settings.USAGE_MAX_PENDING = 3
    stored, _ = credential
    for region in ("a", "b"):
        usage.record_request(stored.pk, region)
    assert not CredentialUsage.objects.exists()
    usage.record_request(stored.pk, "c")
    assert CredentialUsage.objects.count() == 3


def test_flush_happens_by_itself_once_the_oldest_count_is_old_enough(credential, settings):
    settings.USAGE_FLUSH_SECONDS = 0
    stored, _ = credential
    usage.record_request(stored.pk, "us-region-1")
    assert CredentialUsage.objects.get().requests == 1


def test_only_the_latest_failures_are_kept(credential):
    stored, _ = credential
    for batch in range(6):
        for attempt in range(5):
            usage.record_failure(stored.pk, "us-region-9", "192.0.2.1", f"refused {batch}-{attempt}")
        usage.flush()
    kept = list(CredentialFailure.objects.filter(credential=stored).values_list("reason", flat=True))
    assert len(kept) == usage.FAILURES_KEPT
    assert kept[0] == "refused 5-4"
    assert CredentialUsage.objects.get().failures == 30


def test_old_hours_are_pruned(credential):
    stored, _ = credential
    old = timezone.now() - usage.NARROWING_WINDOW - timedelta(days=2)
    CredentialUsage.objects.create(credential=stored, hour=old.replace(minute=0, second=0, microsecond=0), requests=1)
    CredentialUsage.objects.create(credential=stored, hour=timezone.now().replace(minute=0, second=0, microsecond=0))
    assert usage.prune() == 1
    assert CredentialUsage.objects.count() == 1


def test_summary_spans_168_hours_per_region(credential):
    stored, _ = credential
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    CredentialUsage.objects.create(credential=stored, hour=hour, region="us-region-1", requests=4, failures=1)
    CredentialUsage.objects.create(credential=stored, hour=hour - timedelta(hours=5), region="", requests=2)
    CredentialUsage.objects.create(credential=stored, hour=hour - timedelta(days=8), region="", requests=99)
    summary = usage.summarize(stored)
    assert len(summary.hours) == 168 and summary.hours[-1] == hour
    assert summary.regions == ["", "us-region-1"]
    assert summary.requests["us-region-1"][-1] == 4
    assert summary.requests[""][-6] == 2
    assert (summary.total_requests, summary.total_failures) == (6, 1)


@pytest.mark.django_db(transaction=True)
def test_processes_flushing_the_same_keys_at_once_lose_nothing(member, caplog):
    """Each thread stands for a worker with its own counters and database connection; on
    PostgreSQL (CI) unordered upserts of the same rows deadlock and drop counts."""
    stored, _ = services.generate_credential(membership=member, name="ci")
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    keys = [
        (stored.pk, hour - timedelta(hours=h), region, permission)
        for h in range(20)
        for region in ("", "a", "b", "c", "d")
        for permission in ("compute:read", "compute:write")
    ]
    workers, rounds = 4, 5

    def flush(buffer, start):
        start.wait()
        buffer.flush()
        connection.close()

    for _ in range(rounds):
        buffers = []
        for seed in range(workers):
            buffer = usage.UsageBuffer()
            for key in random.Random(seed).sample(keys, len(keys)):  # noqa: S311 (an order, not a secret)
                buffer._counts[key][0] += 1
            buffers.append(buffer)
        start = threading.Barrier(workers)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(flush, buffers, [start] * workers))
    assert "Could not write credential usage" not in caplog.text
    assert sum(CredentialUsage.objects.values_list("requests", flat=True)) == len(keys) * workers * rounds


def test_counts_of_a_credential_deleted_before_the_flush_are_dropped_and_the_rest_written(member, caplog):
    kept, _ = services.generate_credential(membership=member, name="kept")
    gone, _ = services.generate_credential(membership=member, name="gone")
    usage.record_request(gone.pk, "us-region-1")
    usage.record_failure(gone.pk, "us-region-1", None, "refused")
    usage.record_request(kept.pk, "us-region-1")
    gone.delete()
    usage.flush()
    assert list(CredentialUsage.objects.values_list("credential_id", "requests")) == [(kept.pk, 1)]
    assert not CredentialFailure.objects.exists()
    assert "Could not write credential usage" not in caplog.text
