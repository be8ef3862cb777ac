"""The console's client-secret cache (credentials/bearer_cache.py): no query for a secret seen
before on this connection, and every committed change to what the lookup reads empties it first.

PostgreSQL only (SQLite has no notifications, and there the cache is off), outside a test
transaction, as a server's requests run: CI's second run."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials import bearer_cache, keys, services, tokens, verify
from credentials.models import Credential
from tests.credentials.helpers import bearer, deactivate_the_user, delete, disable, remove_the_member

if connection.vendor != "postgresql":
    pytest.skip("the cache needs PostgreSQL's LISTEN/NOTIFY (CI's second run)", allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)


def queries_for(secret: str) -> tuple[Credential | None, int]:
    with CaptureQueriesContext(connection) as captured:
        found = verify.credential_for_secret(secret)
    return found, len(captured)


def elsewhere(sql: str, *params) -> None:
    """A statement committed by another connection, as another server's request would."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute(sql, params)


@pytest.fixture
def warm(member_credential):
    """A credential whose secret this connection has looked up once, so the next use is a hit."""
    credential, secret = member_credential
    found, _ = queries_for(secret)
    assert found == credential
    assert queries_for(secret) == (credential, 0)
    return credential, secret


def test_a_secret_seen_before_on_this_connection_costs_no_query(warm):
    credential, secret = warm
    for _ in range(3):
        assert queries_for(secret) == (credential, 0)


def test_an_unknown_secret_is_asked_every_time_and_fills_nothing(warm):
    guess = keys.new_secret()
    for _ in range(2):
        assert queries_for(guess) == (None, 1)
    assert len(connection._caas_bearer_cache.entries) == 1


def narrow_its_permissions_elsewhere(credential):
    elsewhere("UPDATE credentials_credential SET permissions = '[\"compute:read\"]' WHERE id = %s", credential.pk)


def restrict_its_addresses_elsewhere(credential):
    elsewhere("UPDATE credentials_credential SET allowed_ips = '[\"203.0.113.0/24\"]' WHERE id = %s", credential.pk)


def rename_the_account_elsewhere(credential):
    elsewhere("UPDATE accounts_account SET name = 'renamed' WHERE id = %s", credential.membership.account_id)


def truncate_everything_elsewhere(credential):
    elsewhere("TRUNCATE credentials_credential CASCADE")


CHANGES = [
    disable,
    delete,
    remove_the_member,
    deactivate_the_user,
    narrow_its_permissions_elsewhere,
    restrict_its_addresses_elsewhere,
    rename_the_account_elsewhere,
    truncate_everything_elsewhere,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_every_change_to_what_the_lookup_reads_is_seen_on_the_next_use(warm, change):
    credential, secret = warm
    change(credential)
    time.sleep(0.05)  # the notification is in flight only as long as the kernel takes to deliver it
    found, queries = queries_for(secret)
    assert queries == 1
    fresh = verify.by_secret_digest.query(credential.secret_digest)
    assert (found is None) == (fresh is None)
    if fresh is not None:
        assert [getattr(found, field.attname) for field in Credential._meta.concrete_fields] == [
            getattr(fresh, field.attname) for field in Credential._meta.concrete_fields
        ]
        assert found.membership.account.name == fresh.membership.account.name
        assert verify.refusal(found) == verify.refusal(fresh)


def test_the_last_used_write_keeps_the_cache(warm):
    credential, secret = warm
    Credential.objects.filter(pk=credential.pk).update(last_used_at=None, last_used_ip="192.0.2.1")
    elsewhere("UPDATE accounts_user SET last_login = now()")
    time.sleep(0.05)
    assert queries_for(secret) == (credential, 0)


def test_a_change_committed_while_the_lookup_runs_is_not_kept(member_credential, monkeypatch):
    """The change lands after the lookup read the row; its notification arrives with the next
    statement on this connection, before the answer could be kept."""
    credential, secret = member_credential
    real = verify.by_secret_digest.query

    def overtaken(digest, jti=None):
        found = real(digest, jti)
        elsewhere("UPDATE credentials_credential SET name = 'renamed' WHERE id = %s", credential.pk)
        time.sleep(0.05)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # psycopg hands the notification over as this runs
        return found

    monkeypatch.setattr(verify.by_secret_digest, "query", overtaken)
    assert verify.credential_for_secret(secret).name == "ci"
    monkeypatch.undo()
    found, queries = queries_for(secret)
    assert (found.name, queries) == ("renamed", 1)


def test_a_new_connection_listens_again_and_starts_empty(warm):
    credential, secret = warm
    connection.close()
    elsewhere("UPDATE credentials_credential SET name = 'while-closed' WHERE id = %s", credential.pk)
    found, queries = queries_for(secret)
    assert (found.name, queries) == ("while-closed", 2)  # LISTEN, then the lookup
    assert queries_for(secret) == (found, 0)


def test_inside_a_transaction_every_use_is_looked_up(warm):
    credential, secret = warm
    with transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(name="uncommitted")
        found, queries = queries_for(secret)
        assert (found.name, queries) == ("uncommitted", 1)
        transaction.set_rollback(True)
    assert queries_for(secret)[0].name == "ci"


def test_an_entry_is_looked_up_again_after_the_configured_seconds(warm, settings, monkeypatch):
    credential, secret = warm
    later = time.monotonic() + settings.CAAS_BEARER_CACHE_SECONDS + 1
    monkeypatch.setattr(bearer_cache.time, "monotonic", lambda: later)
    assert queries_for(secret) == (credential, 1)
    assert queries_for(secret) == (credential, 0)
    settings.CAAS_BEARER_CACHE_SECONDS = 0
    assert queries_for(secret) == (credential, 1)


def test_each_thread_has_its_own_connection_and_cache(warm):
    credential, secret = warm
    answers = []

    def other_thread():
        answers.append(queries_for(secret))
        answers.append(queries_for(secret))
        connection.close()

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert [queries for _, queries in answers] == [2, 0]  # its own LISTEN and lookup, then a hit
    assert queries_for(secret) == (credential, 0)


def test_a_full_cache_lets_expired_answers_go_first_and_then_all(warm, monkeypatch):
    credential, _ = warm
    listener = connection._caas_bearer_cache
    monkeypatch.setattr(bearer_cache, "MOST_ENTRIES", 2)
    now = time.monotonic()
    listener.entries = {"expired": (now - 1, credential), "live": (now + 5, credential)}
    listener.keep("new", credential, now, now + 5)
    assert sorted(listener.entries) == ["live", "new"]
    listener.keep("newer", credential, now, now + 5)
    assert sorted(listener.entries) == ["newer"]


def test_an_access_token_seen_before_costs_no_lookup_until_it_is_revoked(client, member_credential, monkeypatch):
    """The same cache serves access tokens at the console, keyed by client ID and jti; revoking
    the token (a RevokedToken row) empties it like any other change."""
    credential, _ = member_credential
    issued = tokens.issue(credential, frozenset(credential.permissions))
    lookups = []
    real = verify.by_client_id_with_revocation.query
    monkeypatch.setattr(
        verify.by_client_id_with_revocation, "query", lambda *args, **kwargs: lookups.append(1) or real(*args, **kwargs)
    )

    def call() -> tuple[int, int]:
        lookups.clear()
        return client.get("/api/v1/me", headers=bearer(issued.value)).status_code, len(lookups)

    assert call() == (200, 1)
    assert call() == (200, 0)
    services.revoke_access_token(credential=credential, jti=issued.jti, expires_at=timezone.now() + timedelta(hours=1))
    assert call() == (401, 1)
