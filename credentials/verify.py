"""May this credential be used now: the one place that answers it for bearer requests and the token endpoint.

A client secret, or a client ID and secret, becomes a `Credential` through one indexed query
(`UsableCredentialLookup`), which also makes deletion, revocation, member removal and user
deactivation take effect on the very next request in every process; a bearer's answer may come
from the connection's cache instead, which the database empties on every such change
(credentials/bearer_cache.py). `refusal`, `region_refusal` and `address_refusal` say why a
credential that was found may not be used; `record_use` counts a use that went ahead.
`Principal` is what a verified bearer request acts for. The DRF adapter (header parsing, RFC 6750
challenges, throttling) is `credentials/authentication.py`.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from accounts import audit
from accounts.audit import AuditContext
from accounts.models import Account, Membership, User
from credentials import allowlist, bearer_cache, keys, usage
from credentials.lineage import Ceiling
from credentials.models import Credential, RevokedToken, Status

LAST_USED_RESOLUTION = timedelta(minutes=1)
UNKNOWN_DIGEST = "0" * 64


@dataclass(frozen=True)
class Principal:
    """Who a bearer request acts for: one member, in one account, through one credential."""

    membership: Membership
    credential: Credential
    scopes: frozenset[str]
    method: str
    token_id: str | None = None
    regions: frozenset[str] | None = None

    @property
    def account(self) -> Account:
        return self.membership.account

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def credential_id(self) -> int:
        return self.credential.pk

    @property
    def client_id(self) -> str:
        return self.credential.client_id

    @property
    def credential_name(self) -> str:
        return self.credential.name

    @property
    def cloud_account_id(self) -> str:
        return self.membership.account.cloud_account_id

    @property
    def email(self) -> str:
        return self.membership.user.email

    def record_activity(self, *, action: str, target: str, context: AuditContext | None) -> None:
        audit.record(account=self.account, actor=self.user, action=action, target=target, context=context)

    def ceiling(self) -> Ceiling:
        """What a credential this caller makes may have at most: its credential, within this token's scope."""
        return Ceiling(credential=self.credential, scopes=self.scopes)


def usable_credentials():
    """Credentials whose member still belongs to the account and is active. Whether the credential
    itself is disabled or expired is checked after the lookup (refusal()), to say which it is."""
    return Credential.objects.select_related("membership__user", "membership__account").filter(
        membership__user__is_active=True
    )


class UsableCredentialLookup:
    """usable_credentials() by one unique column, as one hand-written SELECT. It is the hot path
    of every bearer request and every token request, so it costs as little as it can:

    - the ORM takes longer to compile this select_related query (~0.5 ms of CPU) than PostgreSQL
      takes to run it, so the SQL is built once per database and process;
    - PostgreSQL plans a four-way join for longer than it runs it, so there the membership, user
      and account come from LATERAL subqueries fenced with OFFSET 0: the same rows through the
      same primary-key indexes, planned in a third of the time, and prepared once per connection
      (`_prepared_cursor`).

    Rows become model instances exactly as the ORM would make them (same converters, from_db,
    related objects cached), and it is still one query, so revocation stays immediate. The SQL each
    database gets is pinned as snapshots in tests/credentials/bearer/test_lookup.py.
    """

    MODELS = (Credential, Membership, User, Account)

    def __init__(self, column: str, *, revoked_jti: bool = False, cached: bool = False) -> None:
        self.column, self.revoked_jti, self.cached = column, revoked_jti, cached
        self._compiled: dict[str, tuple[str, list]] = {}

    def _sql(self, connection) -> str:
        """Identifiers come from the models (quoted); the looked-up values are query parameters."""
        qn = connection.ops.quote_name
        credentials, memberships, users, accounts = (qn(model._meta.db_table) for model in self.MODELS)
        pk, active = qn("id"), qn("is_active")
        columns = [
            f"{alias}.{qn(field.column)}"
            for model, alias in zip(self.MODELS, "cmua", strict=True)
            for field in model._meta.concrete_fields
        ]
        if self.revoked_jti:
            revoked = qn(RevokedToken._meta.db_table)
            columns.append(f"EXISTS (SELECT 1 FROM {revoked} r WHERE r.{qn('jti')} = %s)")  # noqa: S608
        where = f"c.{qn(self.column)} = %s"
        if connection.vendor == "postgresql":

            def lateral(table: str, alias: str, condition: str) -> str:
                return f"CROSS JOIN LATERAL (SELECT * FROM {table} t WHERE {condition} OFFSET 0) {alias}"  # noqa: S608

            joins = [
                lateral(memberships, "m", f"t.{pk} = c.{qn('membership_id')}"),
                lateral(users, "u", f"t.{pk} = m.{qn('user_id')} AND t.{active}"),
                lateral(accounts, "a", f"t.{pk} = m.{qn('account_id')}"),
            ]
        else:
            joins = [
                f"INNER JOIN {memberships} m ON m.{pk} = c.{qn('membership_id')}",
                f"INNER JOIN {users} u ON u.{pk} = m.{qn('user_id')}",
                f"INNER JOIN {accounts} a ON a.{pk} = m.{qn('account_id')}",
            ]
            where += f" AND u.{active}"
        return f"SELECT {', '.join(columns)} FROM {credentials} c {' '.join(joins)} WHERE {where}"  # noqa: S608

    def _compile(self, alias: str) -> tuple[str, list]:
        """The SQL, and per model its fields with the converters the ORM would apply to them."""
        if alias not in self._compiled:
            connection = connections[alias]
            models = []
            for model in self.MODELS:
                fields = []
                for field in model._meta.concrete_fields:
                    column = field.get_col(model._meta.db_table)
                    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
                    fields.append((field.attname, column, converters))
                models.append((model, [attname for attname, _, _ in fields], fields))
            self._compiled[alias] = (self._sql(connection), models)
        return self._compiled[alias]

    def get(self, value: str, *, jti: str | None = None) -> Credential | None:
        """The usable credential whose column equals `value`, or None. With revoked_jti, it also
        carries `token_revoked`: whether the access token `jti` was revoked. With `cached`, from
        the connection's cache when it may be (credentials/bearer_cache.py)."""
        if self.cached:
            return bearer_cache.cached((self.column, value, jti or ""), lambda: self.query(value, jti))
        return self.query(value, jti)

    def query(self, value: str, jti: str | None = None) -> Credential | None:
        """get() from the database, always."""
        alias = router.db_for_read(Credential)
        sql, models = self._compile(alias)
        connection = connections[alias]
        with _prepared_cursor(connection) if _prepares(connection) else connection.cursor() as cursor:
            cursor.execute(sql, [jti, value] if self.revoked_jti else [value])
            row = cursor.fetchone()
        if row is None:
            return None
        instances, position = [], 0
        for model, attnames, fields in models:
            values = list(row[position : position + len(fields)])
            for index, (_, column, converters) in enumerate(fields):
                for converter in converters:
                    values[index] = converter(values[index], column, connection)
            instances.append(model.from_db(alias, attnames, values))
            position += len(fields)
        credential, membership, user, account = instances
        membership.user, membership.account, credential.membership = user, account, membership
        if self.revoked_jti:
            credential.token_revoked = bool(row[position])
        return credential


def _prepares(connection) -> bool:
    return connection.vendor == "postgresql" and settings.DATABASE_PREPARED_LOOKUPS


def _prepared_cursor(connection):
    """A server-side-binding cursor whose statements PostgreSQL prepares once per connection.
    Planning this join costs several times what running it does (0.65 ms against 0.1 ms
    prepared, measured here), and Django's own cursors bind on the client, which prepares
    nothing. Django's wrapper stays around it, so the query is logged and counted as any other."""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # only server-side-binding cursors (this one) ever prepare
        raw.prepare_threshold = 0
    return connection._prepare_cursor(psycopg.Cursor(raw))


# Bearers (a client secret, an access token) are cached; the token endpoint's client ID + secret is not.
by_secret_digest = UsableCredentialLookup("secret_digest", cached=True)
by_client_id = UsableCredentialLookup("client_id")
by_client_id_with_revocation = UsableCredentialLookup("client_id", revoked_jti=True, cached=True)


def credential_for_secret(secret: str) -> Credential | None:
    if not keys.is_well_formed(secret):
        return None
    digest = keys.digest(secret)
    credential = by_secret_digest.get(digest)
    if credential is None or not hmac.compare_digest(credential.secret_digest, digest):
        return None
    return credential


def credential_for_client(client_id: str, secret: str) -> Credential | None:
    """Client ID + secret, as at the token endpoint: the same work whether or not the ID exists."""
    digest = keys.digest(secret) if keys.is_well_formed(secret) else UNKNOWN_DIGEST
    credential = None
    if keys.CLIENT_ID_PATTERN.fullmatch(client_id):
        credential = by_client_id.get(client_id)
    expected = credential.secret_digest if credential is not None else UNKNOWN_DIGEST
    matches = hmac.compare_digest(expected, digest)
    return credential if matches and credential is not None and digest != UNKNOWN_DIGEST else None


def refusal(credential: Credential) -> str | None:
    """Why a credential that was found may not be used now, or None."""
    status = credential.status
    if status == Status.DISABLED:
        return "The credential is disabled. Its member can enable it again in the portal."
    if status == Status.EXPIRED:
        return f"The credential expired at {credential.expires_at:%Y-%m-%d %H:%M} UTC."
    return None


def region_refusal(regions, region: str | None) -> str | None:
    if region is None or regions is None or region in regions:
        return None
    return f"This credential may be used only in {', '.join(sorted(regions))}, not in {region}."


def address_refusal(credential: Credential, ip: str | None, region: str | None) -> str | None:
    """Why a use from `ip` is refused by the credential's allow-list, or None (allowlist.enforced_refusal)."""
    return allowlist.enforced_refusal(
        credential.allowed_ips,
        credential.allowed_ips_mode,
        ip,
        lambda reason: usage.record_report(credential.pk, region, ip, reason),
    )


def record_use(credential: Credential, ip: str | None, region: str | None = None, permission: str = "") -> None:
    """Counts the request in memory (usage.py); at most one database write a minute per credential."""
    usage.record_request(credential.pk, region, permission)
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at >= LAST_USED_RESOLUTION:
        Credential.objects.filter(pk=credential.pk).update(
            last_used_at=now, last_used_ip=ip, last_used_region=region or ""
        )
        credential.last_used_at, credential.last_used_ip, credential.last_used_region = now, ip, region or ""
