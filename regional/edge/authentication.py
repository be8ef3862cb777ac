"""Bearer authentication at a region deployed on its own: the same rules as the console's
(credentials/authentication.py), checked with what the region knows (state.py) instead of a query.

An access token is verified against the JWKS: type, key, signature, issuer, audience, expiry, then
the revocations followed on the feed, the regions in its audience and the source addresses it
carries. A client secret is looked up by its SHA-256 at the console once per
CAAS_SECRET_CACHE_SECONDS. Either way, with the feed silent for longer than
CAAS_REVOCATION_MAX_STALENESS, the answer is 503 with Retry-After.
"""

import time
from dataclasses import dataclass
from typing import NoReturn

from django.conf import settings
from rest_framework import exceptions

from accounts.audit import AuditContext, client_ip
from config.logs import security_event
from credentials import allowlist, keys, throttling, tokens
from credentials.authentication import BearerScheme, RateLimited, needed_scope
from credentials.verify import region_refusal
from regional.edge.console import ConsoleUnavailable
from regional.edge.state import edge

FIRST_SYNC_WAIT = 5.0


class Unavailable(exceptions.APIException):
    status_code = 503
    default_code = "temporarily_unavailable"

    def __init__(self, description: str, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RemoteMember:
    """The member behind a regional request, as far as a region knows them."""

    email: str
    is_authenticated = True
    is_active = True
    pk = None


@dataclass(frozen=True)
class RemotePrincipal:
    """What a verified bearer request acts for at a region: the Principal of the console, without
    the rows it would take a query to load."""

    client_id: str
    cloud_account_id: str
    email: str
    scopes: frozenset[str]
    method: str
    token_id: str | None = None
    regions: frozenset[str] | None = None

    def record_activity(self, *, action: str, target: str, context: AuditContext | None) -> None:
        edge.reporter.activity(
            client_id=self.client_id,
            cloud_account_id=self.cloud_account_id,
            action=action,
            target=target,
            ip=context.actor_address if context else None,
            user_agent=context.user_agent if context else "",
        )


@dataclass(frozen=True)
class Facts:
    """One credential's limits, from a token's claims or the console's answer about a secret."""

    client_id: str
    cloud_account_id: str
    email: str
    scopes: frozenset[str]
    regions: frozenset[str] | None
    allowed_ips: list[str]
    allowed_ips_mode: str


class RegionalBearerAuthentication(BearerScheme):
    def authenticate(self, request):
        token = self.bearer_token(request)
        if token is None:
            return None
        self._require_fresh_feed()
        ip = client_ip(request)
        region = settings.CAAS_REGION
        if tokens.looks_like_jwt(token):
            facts, token_id, method = self._from_access_token(request, token, ip)
        else:
            facts, token_id, method = self._from_secret(request, token, ip), None, "client_secret"
        problem = region_refusal(facts.regions, region) or self._address_refusal(facts, ip)
        if problem is not None:
            self._refuse(request, facts.client_id, ip, problem)
        allowance = throttling.requests_per_credential.spend(facts.client_id)
        request._request.rate_limit = allowance
        if not allowance.allowed:
            security_event(request, "throttled", limit="requests_per_credential", client_id=facts.client_id)
            raise RateLimited(allowance)
        permission = needed_scope((request.parser_context or {}).get("view"), request.method)
        edge.reporter.request(facts.client_id, permission if permission in facts.scopes else "", ip)
        principal = RemotePrincipal(
            client_id=facts.client_id,
            cloud_account_id=facts.cloud_account_id,
            email=facts.email,
            scopes=facts.scopes,
            method=method,
            token_id=token_id,
            regions=facts.regions,
        )
        request._request.principal = principal
        return RemoteMember(facts.email), principal

    def _require_fresh_feed(self) -> None:
        edge.start()
        if not edge.synced.is_set():
            edge.synced.wait(FIRST_SYNC_WAIT)
        if not edge.fresh():
            wait = max(1, settings.CAAS_REVOCATION_MAX_STALENESS // 4)
            raise Unavailable(
                "This region cannot reach the console to learn of revoked credentials. Try again shortly.", wait
            )

    def _from_access_token(self, request, token: str, ip: str | None) -> tuple[Facts, str, str]:
        try:
            claims = edge.claims(token)
        except tokens.InvalidToken as error:
            self._fail(request, ip, str(error))
        if not isinstance(claims.get("cloud_account_id"), str) or not isinstance(claims.get("email", ""), str):
            self._fail(request, ip, "The access token is invalid.")
        if edge.revoked(claims["client_id"], claims["jti"], float(claims["iat"])):
            self._refuse(
                request, claims["client_id"], ip, "The access token, or the credential behind it, was revoked."
            )
        facts = Facts(
            client_id=claims["client_id"],
            cloud_account_id=claims["cloud_account_id"],
            email=claims.get("email", ""),
            scopes=frozenset(str(claims["scope"]).split()),
            regions=tokens.regions_in_audience(claims["aud"]),
            allowed_ips=list(claims.get("allowed_ips", [])),
            allowed_ips_mode=claims.get("allowed_ips_mode", allowlist.ENFORCE),
        )
        return facts, claims["jti"], "access_token"

    def _from_secret(self, request, secret: str, ip: str | None) -> Facts:
        if not keys.is_well_formed(secret):
            self._fail(request, ip, "The client secret is invalid or has been revoked.")
        try:
            answer = edge.answer_for(keys.digest(secret))
        except ConsoleUnavailable:
            raise Unavailable(
                "This region cannot reach the console to check the client secret. Try again shortly.", 5
            ) from None
        if not answer.get("client_id"):
            self._fail(request, ip, "The client secret is invalid or has been revoked.")
        if not answer.get("active"):
            self._refuse(request, answer["client_id"], ip, answer.get("reason") or "The credential cannot be used.")
        expires_at = answer.get("expires_at")
        if expires_at is not None and expires_at <= time.time():
            self._refuse(
                request,
                answer["client_id"],
                ip,
                f"The credential expired at {time.strftime('%Y-%m-%d %H:%M', time.gmtime(expires_at))} UTC.",
            )
        return Facts(
            client_id=answer["client_id"],
            cloud_account_id=answer["cloud_account_id"],
            email=answer["email"],
            scopes=frozenset(answer["permissions"]),
            regions=frozenset(answer["regions"]) or None,
            allowed_ips=answer["allowed_ips"],
            allowed_ips_mode=answer["allowed_ips_mode"],
        )

    def _address_refusal(self, facts: Facts, ip: str | None) -> str | None:
        return allowlist.enforced_refusal(
            facts.allowed_ips,
            facts.allowed_ips_mode,
            ip,
            lambda reason: edge.reporter.refusal(facts.client_id, ip, reason, counted=False),
        )

    def _refuse(self, request, client_id: str, ip: str | None, description: str) -> NoReturn:
        edge.reporter.refusal(client_id, ip, description)
        self._refused(request, client_id, description)
