"""Bearer authentication (RFC 6750) for the management API and the regional services: the DRF adapter.

`Authorization: Bearer <client secret>` and `Authorization: Bearer <access token>` both give a
`Principal` (credentials/verify.py, which also decides whether the credential may be used now).
This module reads the header, throttles, answers with RFC 6750 challenges and checks scopes.
"""

import re
from typing import NoReturn

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.audit import client_ip
from config.logs import security_event
from credentials import throttling, tokens, usage
from credentials.models import Credential
from credentials.verify import (
    Principal,
    address_refusal,
    by_client_id_with_revocation,
    credential_for_secret,
    record_use,
    refusal,
    region_refusal,
)

B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def needed_scope(view, method: str) -> str | None:
    """The scope a request to `view` needs (`<scope_area>:read` or `:write`), or None when it needs none."""
    area = getattr(view, "scope_area", None)
    if area is None:
        return None
    return f"{area}:{'read' if method in SAFE_METHODS else 'write'}"


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


class BearerScheme(BaseAuthentication):
    """What the console's and a region's bearer authentication share (RFC 6750): reading the
    header, spending the failure budget on guesses, refusing real credentials, the challenge."""

    def bearer_token(self, request) -> str | None:
        if "access_token" in request.query_params:
            raise InvalidRequest("Send the token in the Authorization header, never in the URL.")
        scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        if not B64TOKEN.fullmatch(token):
            raise InvalidRequest("The Authorization header must be: Bearer <token>.")
        return token

    def _fail(self, request, ip: str | None, description: str) -> NoReturn:
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

    def _refused(self, request, client_id: str, description: str) -> NoReturn:
        """A real credential used where or when it may not be: not a guess (the caller has noted
        it in the credential's usage)."""
        security_event(request, "bearer.refused", reason=description, client_id=client_id)
        request._bearer_error = description
        raise InvalidToken(description)

    def authenticate_header(self, request) -> str:
        description = getattr(request, "_bearer_error", None)
        return challenge("invalid_token", description) if description else challenge()


class BearerAuthentication(BearerScheme):
    def authenticate(self, request):
        token = self.bearer_token(request)
        if token is None:
            return None
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
        record_use(credential, ip, region, permission if permission and permission in scopes else "")
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
            claims = tokens.verified.claims(token)
        except tokens.InvalidToken as error:
            self._fail(request, ip, str(error))
        credential = by_client_id_with_revocation.get(claims["client_id"], jti=claims["jti"])
        if credential is None:
            self._fail(request, ip, "The credential behind this access token was deleted or revoked.")
        if credential.token_revoked:
            self._refuse(request, credential, ip, None, "The access token has been revoked.")
        scopes = frozenset(claims["scope"].split()) & frozenset(credential.permissions)
        return credential, scopes, claims["jti"], tokens.regions_in_audience(claims["aud"])

    def _refuse(
        self, request, credential: Credential, ip: str | None, region: str | None, description: str
    ) -> NoReturn:
        usage.record_failure(credential.pk, region, ip, description)
        self._refused(request, credential.client_id, description)


class HasScope(BasePermission):
    """Bearer callers need the view's scope (`<scope_area>:read` or `:write`); fails closed without one."""

    def has_permission(self, request, view) -> bool:
        principal = request.auth
        if principal is None:  # a signed-in portal user, whose role decides
            return True
        if not hasattr(view, "scope_area"):
            return False
        needed = needed_scope(view, request.method)
        if needed is not None and needed not in principal.scopes:
            raise InsufficientScope(needed)
        return True
