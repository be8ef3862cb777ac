"""The OAuth 2.0 authorization server: client credentials grant (RFC 6749 §4.4), revocation
(RFC 7009), introspection (RFC 7662), metadata (RFC 8414) and the JWKS for offline verifiers."""

import base64
import binascii
import hmac
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import parse_qsl, unquote_plus

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from accounts.audit import AuditContext, client_ip
from config.logs import security_event
from credentials import keys, services, signing, throttling, tokens, usage
from credentials.models import Credential
from credentials.scopes import SCOPES, format_scope, parse_scope
from credentials.verify import (
    address_refusal,
    by_client_id_with_revocation,
    credential_for_client,
    credential_for_secret,
    record_use,
    refusal,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict | None = None) -> None:
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}

    def response(self) -> JsonResponse:
        """Every 401 says how to authenticate (RFC 9110 §15.5.2, RFC 6749 §5.2): HTTP Basic."""
        body = {"error": self.error, "error_description": self.description}
        headers = {**NO_STORE, **self.headers}
        if self.status == 401:
            headers.setdefault("WWW-Authenticate", f'Basic realm="{settings.BEARER_REALM}"')
        return JsonResponse(body, status=self.status, headers=headers)


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def form_parameters(request: HttpRequest) -> dict[str, str]:
    """The body's parameters: POST, form-encoded, none in the URL, none repeated (RFC 6749 §3.2)."""
    if request.method != "POST":
        raise OAuthError("invalid_request", "Use POST.", status=405, headers={"Allow": "POST"})
    if request.content_type != FORM:
        raise invalid_request(f"Send the parameters as {FORM}.")
    if request.META.get("QUERY_STRING"):
        raise invalid_request("Send the parameters in the request body, not in the URL.")
    try:
        pairs = parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise invalid_request("The request body is not valid UTF-8.") from None
    repeated = sorted(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
    if repeated:
        raise invalid_request(f"Parameters must not be repeated: {', '.join(repeated)}.")
    return {name: value for name, value in pairs if value != ""}


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise _spend_failure(
            request, OAuthError("invalid_client", "Authenticate the client with HTTP Basic or form parameters.", 401)
        )
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _spend_failure(request, _invalid_client()) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _spend_failure(request, _invalid_client())
    return unquote_plus(client_id), unquote_plus(secret)


def _invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "Client authentication failed.", 401)


def _too_many(wait: int, description: str = "Too many attempts. Try again later.") -> OAuthError:
    return OAuthError("too_many_requests", description, 429, {"Retry-After": str(wait)})


def _spend_failure(request: HttpRequest, error: OAuthError, client_id: str = "") -> OAuthError:
    """A failed client authentication spends its address's budget: past it, 429 instead of 401.
    Nothing is counted per client ID (which is public), and nothing on success, so no one can
    lock a valid client out."""
    wait = throttling.take("failed_auth_per_ip", client_ip(request) or "-")
    if wait is not None:
        security_event(request, "throttled", limit="failed_auth_per_ip", reason=error.description)
        return _too_many(wait, "Too many failed client authentications from this address. Try again later.")
    # The client ID sent may be anything, even a secret pasted in the wrong field: only a well-formed one is logged.
    named = client_id if keys.CLIENT_ID_PATTERN.fullmatch(client_id) else None
    security_event(request, "client.authentication_failed", reason=error.description, client_id=named)
    return error


def authenticate_client(request: HttpRequest, params: dict[str, str]) -> Credential:
    """client_secret_basic or client_secret_post, never both (RFC 6749 §2.3.1)."""
    basic = _basic_credentials(request)
    if basic is not None:
        if "client_secret" in params:
            raise invalid_request("Use one client authentication method: HTTP Basic or form parameters, not both.")
        if params.get("client_id", basic[0]) != basic[0]:
            raise invalid_request("The client_id parameter does not match the HTTP Basic credentials.")
        client_id, secret = basic
    elif "client_id" in params and "client_secret" in params:
        client_id, secret = params["client_id"], params["client_secret"]
    else:
        raise _spend_failure(request, _invalid_client())
    credential = credential_for_client(client_id, secret)
    if credential is None:
        services.record_failed_client_authentication(client_id=client_id, context=AuditContext.from_request(request))
        raise _spend_failure(request, _invalid_client(), client_id)
    problem = refusal(credential) or address_refusal(credential, client_ip(request), None)
    if problem is not None:
        usage.record_failure(credential.pk, None, client_ip(request), problem)
        security_event(request, "client.refused", reason=problem, client_id=credential.client_id)
        raise OAuthError("invalid_client", problem, 401)
    return credential


@csrf_exempt
def token(request: HttpRequest) -> JsonResponse:
    try:
        params = form_parameters(request)
        grant_type = params.get("grant_type")
        if grant_type is None:
            raise invalid_request("The grant_type parameter is missing.")
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.")
        credential = authenticate_client(request, params)
        granted = frozenset(credential.permissions)
        scopes = parse_scope(params.get("scope"), granted)
        if scopes is None:
            raise OAuthError("invalid_scope", f"Known scopes: {' '.join(sorted(SCOPES))}.")
        if not scopes <= granted:
            raise OAuthError(
                "invalid_scope",
                f"This credential may be granted only {format_scope(granted)}; "
                f"it lacks {format_scope(scopes - granted)}.",
            )
        wait = throttling.take("token_per_credential", str(credential.pk))
        if wait is not None:
            raise _too_many(wait)
    except OAuthError as error:
        return error.response()
    issued = tokens.issue(credential, scopes)
    record_use(credential, client_ip(request))
    services.record_token_issued(credential=credential, scope=issued.scope, context=AuditContext.from_request(request))
    body = {
        "access_token": issued.value,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JsonResponse(body, headers=NO_STORE)


def _verified_claims(value: str) -> dict | None:
    if not tokens.looks_like_jwt(value):
        return None
    try:
        return tokens.decode(value)
    except tokens.InvalidToken:
        return None


def _client_and_token(request: HttpRequest) -> tuple[Credential, str]:
    """What revocation and introspection both start with: an authenticated client and the `token` parameter."""
    params = form_parameters(request)
    credential = authenticate_client(request, params)
    if "token" not in params:
        raise invalid_request("The token parameter is missing.")
    return credential, params["token"]


@csrf_exempt
def revoke(request: HttpRequest) -> JsonResponse:
    """RFC 7009. A client can revoke only its own tokens, and its own client secret (which deletes
    the credential, as Delete does); anything else is left alone, and the answer is 200 either
    way, so the endpoint tells nothing about tokens it did not issue."""
    try:
        credential, value = _client_and_token(request)
    except OAuthError as error:
        return error.response()
    if keys.is_well_formed(value) and hmac.compare_digest(keys.digest(value), credential.secret_digest):
        services.revoke_own_secret(credential=credential, context=AuditContext.from_request(request))
        return JsonResponse({}, headers=NO_STORE)
    claims = _verified_claims(value)
    if claims is not None and claims["client_id"] == credential.client_id:
        services.revoke_access_token(
            credential=credential,
            jti=claims["jti"],
            expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
            context=AuditContext.from_request(request),
        )
    return JsonResponse({}, headers=NO_STORE)


def _describe_secret(credential: Credential) -> dict:
    """A usable client secret, in the claims an access token of the same credential would carry."""
    return {
        "active": True,
        "token_type": "Bearer",
        "sub": credential.client_id,
        "client_id": credential.client_id,
        "cloud_account_id": credential.membership.account.cloud_account_id,
        "scope": format_scope(credential.permissions),
        "aud": tokens.audience(credential.regions),
        "iat": int(credential.created_at.timestamp()),
        **({"exp": int(credential.expires_at.timestamp())} if credential.expires_at else {}),
    }


@csrf_exempt
def introspect(request: HttpRequest) -> JsonResponse:
    """RFC 7662, for resource servers holding a credential of the same account."""
    try:
        caller, value = _client_and_token(request)
    except OAuthError as error:
        return error.response()
    allowance = throttling.introspections_per_credential.spend(str(caller.pk))
    request.rate_limit = allowance  # type: ignore[attr-defined]  # its headers go on the answer (RateLimitHeadersMiddleware)
    if not allowance.allowed:
        security_event(request, "throttled", limit="introspections_per_credential", client_id=caller.client_id)
        period = settings.THROTTLE_RATES["introspections_per_credential"][1]
        description = f"This credential may make {allowance.limit} introspection requests per {period} seconds."
        return _too_many(allowance.reset, description).response()
    inactive = JsonResponse({"active": False}, headers=NO_STORE)
    holder = credential_for_secret(value)  # a client secret is a bearer token too
    if holder is not None:
        if holder.membership.account_id != caller.membership.account_id or refusal(holder) is not None:
            return inactive
        return JsonResponse(_describe_secret(holder), headers=NO_STORE)
    claims = _verified_claims(value)
    if claims is None or claims.get("cloud_account_id") != caller.membership.account.cloud_account_id:
        return inactive
    behind = by_client_id_with_revocation.get(claims["client_id"], jti=claims["jti"])
    if behind is None or behind.token_revoked or refusal(behind) is not None:
        return inactive
    body = {"active": True, "token_type": "Bearer", **claims}
    return JsonResponse(body, headers=NO_STORE)


@require_safe
def metadata(request: HttpRequest) -> JsonResponse:
    issuer = settings.OAUTH_ISSUER
    methods = ["client_secret_basic", "client_secret_post"]
    return JsonResponse(
        {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/oauth2/token",
            "revocation_endpoint": f"{issuer}/oauth2/revoke",
            "introspection_endpoint": f"{issuer}/oauth2/introspect",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": methods,
            "revocation_endpoint_auth_methods_supported": methods,
            "introspection_endpoint_auth_methods_supported": methods,
            "scopes_supported": sorted(SCOPES),
            "service_documentation": f"{issuer}/api/docs/",
        },
        headers={"Cache-Control": "public, max-age=300"},
    )


@require_safe
def jwks(request: HttpRequest) -> JsonResponse:
    """Every published key (next, current, retiring: signing.py), with its kid, alg and use."""
    keys = [row.public_jwk for row in signing.ensure_keys()]
    return JsonResponse({"keys": keys}, headers={"Cache-Control": f"public, max-age={signing.jwks_max_age()}"})
