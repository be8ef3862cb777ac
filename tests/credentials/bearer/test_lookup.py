"""The hand-written bearer lookup (one SELECT, built once per process) finds exactly what
usable_credentials() finds, and loads it the way the ORM loads it. Its SQL for each database
is pinned below, so that a change to it shows in review as a change to these strings."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQL
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, Membership, User
from credentials import keys
from credentials.models import Credential, RevokedToken
from credentials.verify import (
    by_client_id,
    by_client_id_with_revocation,
    by_secret_digest,
    usable_credentials,
)

# The select list is every concrete column of the credential (c), membership (m), user (u) and
# account (a), in model order: the field-by-field tests below check it, so the snapshots elide it.
COLUMNS = re.compile(r'(?:[cmua]\."\w+", )*[cmua]\."\w+"')
JOINS_SQLITE = (
    'FROM "credentials_credential" c '
    'INNER JOIN "accounts_membership" m ON m."id" = c."membership_id" '
    'INNER JOIN "accounts_user" u ON u."id" = m."user_id" '
    'INNER JOIN "accounts_account" a ON a."id" = m."account_id"'
)
JOINS_POSTGRESQL = (
    'FROM "credentials_credential" c '
    'CROSS JOIN LATERAL (SELECT * FROM "accounts_membership" t WHERE t."id" = c."membership_id" OFFSET 0) m '
    'CROSS JOIN LATERAL (SELECT * FROM "accounts_user" t WHERE t."id" = m."user_id" AND t."is_active" OFFSET 0) u '
    'CROSS JOIN LATERAL (SELECT * FROM "accounts_account" t WHERE t."id" = m."account_id" OFFSET 0) a'
)
REVOKED = 'EXISTS (SELECT 1 FROM "credentials_revokedtoken" r WHERE r."jti" = %s)'
SNAPSHOTS = {
    "sqlite": {
        "by_secret_digest": f'SELECT <columns> {JOINS_SQLITE} WHERE c."secret_digest" = %s AND u."is_active"',
        "by_client_id": f'SELECT <columns> {JOINS_SQLITE} WHERE c."client_id" = %s AND u."is_active"',
        "by_client_id_with_revocation": (
            f'SELECT <columns>, {REVOKED} {JOINS_SQLITE} WHERE c."client_id" = %s AND u."is_active"'
        ),
    },
    "postgresql": {
        "by_secret_digest": f'SELECT <columns> {JOINS_POSTGRESQL} WHERE c."secret_digest" = %s',
        "by_client_id": f'SELECT <columns> {JOINS_POSTGRESQL} WHERE c."client_id" = %s',
        "by_client_id_with_revocation": f'SELECT <columns>, {REVOKED} {JOINS_POSTGRESQL} WHERE c."client_id" = %s',
    },
}
LOOKUPS = {
    "by_secret_digest": by_secret_digest,
    "by_client_id": by_client_id,
    "by_client_id_with_revocation": by_client_id_with_revocation,
}


@pytest.mark.parametrize("name", LOOKUPS)
@pytest.mark.parametrize("database", [SQLite, PostgreSQL], ids=["sqlite", "postgresql"])
def test_the_lookup_sql_is_the_snapshot(database, name):
    """Rendered with an unconnected connection object of each vendor (quoting needs no server), so
    the PostgreSQL text is checked on every run, SQLite runs included."""
    unconnected = database({"ENGINE": "unused", "NAME": "unused"})
    assert unconnected.connection is None
    rendered = COLUMNS.sub("<columns>", LOOKUPS[name]._sql(unconnected), count=1)
    assert rendered == SNAPSHOTS[unconnected.vendor][name]


def test_the_lookup_runs_the_sql_of_the_database_in_use(member_credential):
    """On PostgreSQL (CI's second run, or DATABASE_URL) the LATERAL branch is what runs, prepared."""
    credential, secret = member_credential
    with CaptureQueriesContext(connection) as captured:
        assert by_secret_digest.get(keys.digest(secret)) == credential
    (query,) = captured.captured_queries
    if connection.vendor == "postgresql":  # a prepared statement: PostgreSQL lists its text
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            assert any(JOINS_POSTGRESQL in statement for (statement,) in cursor.fetchall())
    else:
        assert JOINS_SQLITE in query["sql"]


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_lookup_loads_what_the_orm_loads(member_credential, django_assert_num_queries):
    credential, secret = member_credential
    Credential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now(), last_used_ip="192.0.2.1")
    expected = usable_credentials().get(pk=credential.pk)
    with django_assert_num_queries(1):
        found = by_secret_digest.get(keys.digest(secret))
        assert found.membership.user.email == "member@example.com"
        assert found.membership.account.cloud_account_id == expected.membership.account.cloud_account_id
    assert field_values(found) == field_values(expected)
    assert field_values(found.membership) == field_values(expected.membership)
    assert field_values(found.membership.user) == field_values(expected.membership.user)
    assert field_values(found.membership.account) == field_values(expected.membership.account)
    assert isinstance(found.membership.user, User) and isinstance(found.membership.account, Account)
    assert isinstance(found.membership, Membership) and found.membership.user.is_active is True
    assert found._state.adding is False and found._state.db == "default"


def test_the_lookup_by_client_id_finds_the_same_credential(member_credential):
    credential, _ = member_credential
    assert by_client_id.get(credential.client_id) == credential


def test_unknown_values_find_nothing(member_credential):
    assert by_secret_digest.get(keys.digest(keys.new_secret())) is None
    assert by_client_id.get(keys.new_client_id()) is None


def test_a_deactivated_user_finds_nothing(member, member_credential):
    credential, secret = member_credential
    User.objects.filter(pk=member.user_id).update(is_active=False)
    assert by_secret_digest.get(keys.digest(secret)) is None
    assert by_client_id.get(credential.client_id) is None
    assert not usable_credentials().filter(pk=credential.pk).exists()


def test_the_access_token_lookup_tells_whether_the_token_was_revoked(member_credential):
    credential, _ = member_credential
    assert by_client_id_with_revocation.get(credential.client_id, jti="j-1").token_revoked is False
    RevokedToken.objects.create(jti="j-1", expires_at=timezone.now() + timedelta(hours=1))
    assert by_client_id_with_revocation.get(credential.client_id, jti="j-1").token_revoked is True
    assert by_client_id_with_revocation.get(credential.client_id, jti="j-2").token_revoked is False


def _prepared_runs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements "
            "WHERE statement LIKE '%%\"credentials_credential\" c%%'"
        )
        return int(cursor.fetchone()[0])


def test_on_postgresql_the_lookup_is_a_statement_prepared_once_per_connection(member_credential, settings):
    """Planning the join costs more than running it; a prepared statement is planned once. On
    SQLite (nothing to prepare) and with DJANGO_DB_PREPARED_LOOKUPS=false, Django's cursor runs it."""
    credential, _ = member_credential
    if connection.vendor != "postgresql":
        with CaptureQueriesContext(connection) as queries:
            assert by_secret_digest.get(credential.secret_digest) == credential
        assert len(queries) == 1
        return
    before = _prepared_runs()
    for _ in range(3):
        assert by_secret_digest.get(credential.secret_digest) == credential
    assert _prepared_runs() == before + 3
    settings.DATABASE_PREPARED_LOOKUPS = False
    with CaptureQueriesContext(connection) as queries:
        assert by_secret_digest.get(credential.secret_digest) == credential
    assert len(queries) == 1 and _prepared_runs() == before + 3
