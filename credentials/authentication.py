"""Bearer authentication (RFC 6750) for the management API and the regional services.

`Authorization: Bearer <client secret>` and `Authorization: Bearer <access token>` both give a
`Principal`: the member, account and credential the request acts for, and its scopes. Each
costs one indexed query, which also makes deletion, revocation, member removal and user
deactivation take effect on the very next request in every process.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.audit import client_ip
from accounts.models import Account, Membership, User
from config.logs import security_event
from credentials import allowlist, keys, throttling, tokens, usage
from credentials.lineage import Ceiling
from credentials.models import Credential, RevokedToken, Status

LAST_USED_RESOLUTION = timedelta(minutes=1)
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
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
      same primary-key indexes, planned in a third of the time (it is planned on every request:
      prepared statements are off, as Django leaves them, for connection poolers).

    Rows become model instances exactly as the ORM would make them (same converters, from_db,
    related objects cached), and it is still one query, so revocation stays immediate.
    """

    MODELS = (Credential, Membership, User, Account)

    def __init__(self, column: str, *, revoked_jti: bool = False) -> None:
        self.column, self.revoked_jti = column, revoked_jti
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
        carries `token_revoked`: whether the access token `jti` was revoked."""
        alias = router.db_for_read(Credential)
        sql, models = self._compile(alias)
        connection = connections[alias]
        with connection.cursor() as cursor:
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


by_secret_digest = UsableCredentialLookup("secret_digest")
by_client_id = UsableCredentialLookup("client_id")
by_client_id_with_revocation = UsableCredentialLookup("client_id", revoked_jti=True)


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
    """Why a use from `ip` is refused by the credential's allow-list, or None. In report mode the
    use goes ahead and the refusal it would have been is noted in the credential's usage."""
    if not credential.allowed_ips:
        return None
    problem = allowlist.refusal(credential.allowed_ips, ip)
    if problem is not None and credential.allowed_ips_mode == allowlist.REPORT:
        usage.record_report(credential.pk, region, ip, f"Would have been refused: {ip or 'unknown address'}. {problem}")
        return None
    return problem


def needed_scope(view, method: str) -> str | None:
    """The scope a request to `view` needs (`<scope_area>:read` or `:write`), or None when it needs none."""
    area = getattr(view, "scope_area", None)
    if area is None:
        return None
    return f"{area}:{'read' if method in SAFE_METHODS else 'write'}"


def record_use(credential: Credential, ip: str | None, region: str | None = None, permission: str = "") -> None:
    """Counts the request in memory (usage.py); at most one database write a minute per credential."""
    usage.record_request(credential.pk, region, permission)
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at >= LAST_USED_RESOLUTION:
        Credential.objects.filter(pk=credential.pk).update(
            last_used_at=now, last_used_ip=ip, last_used_region=region or ""
        )
        credential.last_used_at, credential.last_used_ip, credential.last_used_region = now, ip, region or ""


def challenge(error: str | None = None, description: str | None = None, **extra: str) -> str:
    parts = [f'realm="{settings.BEARER_REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    parts.extend(f'{name}="{value}"' for name, value in extra.items())
    return "Bearer " + ", ".join(parts)


class InvalidToken(exceptions.AuthenticationFailed):
    oauth_error = "invalid_token"


class InvalidRequest(exceptions.APIException):
    status_code = 400
    default_code = "invalid_request"
    oauth_error = "invalid_request"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.auth_header = challenge("invalid_request", description)


class RateLimited(exceptions.Throttled):
    def __init__(self, allowance: throttling.Allowance) -> None:
        period = settings.THROTTLE_RATES["requests_per_credential"][1]
        super().__init__(allowance.reset, f"This credential may make {allowance.limit} requests per {period} seconds.")


class RateLimitHeadersMiddleware:
    """RateLimit-Limit, -Remaining and -Reset on every answer to a rate-limited credential."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        allowance = getattr(request, "rate_limit", None)
        if allowance is not None:
            for name, value in allowance.headers().items():
                response.headers[name] = value
        return response


class InsufficientScope(exceptions.PermissionDenied):
    oauth_error = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This request needs the {scope} scope.")
        self.auth_header = challenge("insufficient_scope", f"This request needs the {scope} scope.", scope=scope)


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request):
        if "access_token" in request.query_params:
            raise InvalidRequest("Send the token in the Authorization header, never in the URL.")
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        if not B64TOKEN.fullmatch(token):
            raise InvalidRequest("The Authorization header must be: Bearer <token>.")
        ip = client_ip(request)
        context = request.parser_context or {}
        region = context.get("kwargs", {}).get("region")
        if tokens.looks_like_jwt(token):
            credential, scopes, token_id, regions = self._from_access_token(request, token, ip)
            method = "access_token"
        else:
            credential = credential_for_secret(token)
            if credential is None:
                self._fail(request, ip, "The client secret is invalid or has been revoked.")
            scopes, token_id, method = frozenset(credential.permissions), None, "client_secret"
            regions = frozenset(credential.regions) or None
        problem = refusal(credential) or region_refusal(regions, region) or address_refusal(credential, ip, region)
        if problem is not None:
            self._refuse(request, credential, ip, region, problem)
        allowance = throttling.requests_per_credential.spend(str(credential.pk))
        request._request.rate_limit = allowance  # its headers go on the answer (RateLimitHeadersMiddleware)
        if not allowance.allowed:
            security_event(request, "throttled", limit="requests_per_credential", client_id=credential.client_id)
            raise RateLimited(allowance)
        permission = needed_scope(context.get("view"), request.method)
        record_use(credential, ip, region, permission if permission in scopes else "")
        principal = Principal(
            membership=credential.membership,
            credential=credential,
            scopes=scopes,
            method=method,
            token_id=token_id,
            regions=regions,
        )
        request._request.principal = principal  # for the request log (config/logs.py)
        return credential.membership.user, principal

    def _from_access_token(self, request, token: str, ip: str | None):
        try:
            claims = tokens.decode(token)
        except tokens.InvalidToken as error:
            self._fail(request, ip, str(error))
        credential = by_client_id_with_revocation.get(claims["client_id"], jti=claims["jti"])
        if credential is None:
            self._fail(request, ip, "The credential behind this access token was deleted or revoked.")
        if credential.token_revoked:
            self._refuse(request, credential, ip, None, "The access token has been revoked.")
        scopes = frozenset(claims["scope"].split()) & frozenset(credential.permissions)
        return credential, scopes, claims["jti"], tokens.regions_in_audience(claims["aud"])

    def _fail(self, request, ip: str | None, description: str):
        """A guess (an unknown secret, a forged or foreign token) spends its address's failure
        budget; past it, guesses get 429 instead of 401. Only guesses are counted and refused, so
        no one's guesses can lock a valid credential out."""
        wait = throttling.take("failed_auth_per_ip", ip or "-")
        if wait is not None:
            security_event(request, "throttled", limit="failed_auth_per_ip", reason=description)
            raise exceptions.Throttled(wait, "Too many failed authentication attempts from this address.")
        security_event(request, "bearer.refused", reason=description)
        request._bearer_error = description
        raise InvalidToken(description)

    def _refuse(self, request, credential: Credential, ip: str | None, region: str | None, description: str):
        """A real credential used where or when it may not be: shown in its usage, not a guess."""
        usage.record_failure(credential.pk, region, ip, description)
        security_event(request, "bearer.refused", reason=description, client_id=credential.client_id)
        request._bearer_error = description
        raise InvalidToken(description)

    def authenticate_header(self, request) -> str:
        description = getattr(request, "_bearer_error", None)
        return challenge("invalid_token", description) if description else challenge()


class HasScope(BasePermission):
    """Bearer callers need the view's scope (`<scope_area>:read` or `:write`); fails closed without one."""

    def has_permission(self, request, view) -> bool:
        principal = request.auth
        if not isinstance(principal, Principal):
            return True
        if not hasattr(view, "scope_area"):
            return False
        needed = needed_scope(view, request.method)
        if needed is not None and needed not in principal.scopes:
            raise InsufficientScope(needed)
        return True
