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
from django.db.models import Exists
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.audit import client_ip
from accounts.models import Account, Membership, User
from credentials import keys, throttling, tokens
from credentials.models import Credential, RevokedToken
from credentials.scopes import ALL_SCOPES

LAST_USED_RESOLUTION = timedelta(minutes=1)
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
UNKNOWN_DIGEST = "0" * 64


@dataclass(frozen=True)
class Principal:
    """Who a bearer request acts for: one member, in one account, through one credential."""

    membership: Membership
    credential_id: int
    client_id: str
    credential_name: str
    scopes: frozenset[str]
    method: str
    token_id: str | None = None

    @property
    def account(self) -> Account:
        return self.membership.account

    @property
    def user(self) -> User:
        return self.membership.user


def usable_credentials():
    """Credentials that may authenticate: their member still belongs to the account and is active."""
    return Credential.objects.select_related("membership__user", "membership__account").filter(
        membership__user__is_active=True
    )


def unique_or_none(queryset) -> Credential | None:
    """The row a unique lookup finds; get() skips the ORDER BY that first() would add and plan."""
    try:
        return queryset.get()
    except Credential.DoesNotExist:
        return None


def credential_for_secret(secret: str) -> Credential | None:
    if not keys.is_well_formed(secret):
        return None
    digest = keys.digest(secret)
    credential = unique_or_none(usable_credentials().filter(secret_digest=digest))
    if credential is None or not hmac.compare_digest(credential.secret_digest, digest):
        return None
    return credential


def credential_for_client(client_id: str, secret: str) -> Credential | None:
    """Client ID + secret, as at the token endpoint: the same work whether or not the ID exists."""
    digest = keys.digest(secret) if keys.is_well_formed(secret) else UNKNOWN_DIGEST
    credential = None
    if keys.CLIENT_ID_PATTERN.fullmatch(client_id):
        credential = unique_or_none(usable_credentials().filter(client_id=client_id))
    expected = credential.secret_digest if credential is not None else UNKNOWN_DIGEST
    matches = hmac.compare_digest(expected, digest)
    return credential if matches and credential is not None and digest != UNKNOWN_DIGEST else None


def record_use(credential: Credential, ip: str | None) -> None:
    """At most one write a minute per credential, not one per request."""
    now = timezone.now()
    if credential.last_used_at is None or now - credential.last_used_at >= LAST_USED_RESOLUTION:
        Credential.objects.filter(pk=credential.pk).update(last_used_at=now, last_used_ip=ip)
        credential.last_used_at, credential.last_used_ip = now, ip


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
        wait = throttling.retry_after("failed_auth_per_ip", ip or "-")
        if wait is not None:
            raise exceptions.Throttled(wait, "Too many failed authentication attempts.")
        if tokens.looks_like_jwt(token):
            credential, scopes, token_id = self._from_access_token(request, token, ip)
            method = "access_token"
        else:
            credential = credential_for_secret(token)
            if credential is None:
                self._fail(request, ip, "The client secret is invalid or has been revoked.")
            scopes, token_id, method = ALL_SCOPES, None, "client_secret"
        record_use(credential, ip)
        principal = Principal(
            membership=credential.membership,
            credential_id=credential.pk,
            client_id=credential.client_id,
            credential_name=credential.name,
            scopes=scopes,
            method=method,
            token_id=token_id,
        )
        return credential.membership.user, principal

    def _from_access_token(self, request, token: str, ip: str | None):
        try:
            claims = tokens.decode(token)
        except tokens.InvalidToken as error:
            self._fail(request, ip, str(error))
        credential = unique_or_none(
            usable_credentials()
            .filter(client_id=claims["client_id"])
            .annotate(token_revoked=Exists(RevokedToken.objects.filter(jti=claims["jti"])))
        )
        if credential is None:
            self._fail(request, ip, "The credential behind this access token was deleted or revoked.")
        if credential.token_revoked:
            self._fail(request, ip, "The access token has been revoked.")
        return credential, frozenset(claims["scope"].split()) & ALL_SCOPES, claims["jti"]

    def _fail(self, request, ip: str | None, description: str):
        throttling.hit("failed_auth_per_ip", ip or "-")
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
        if view.scope_area is None:
            return True
        needed = f"{view.scope_area}:{'read' if request.method in SAFE_METHODS else 'write'}"
        if needed not in principal.scopes:
            raise InsufficientScope(needed)
        return True
