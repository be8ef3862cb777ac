"""Access tokens: JWTs in the RFC 9068 profile, signed with the current key (signing.py)."""

import secrets
import time
from dataclasses import dataclass

import jwt
from django.conf import settings

from credentials.models import Credential
from credentials.scopes import format_scope
from credentials.signing import keyring

TOKEN_TYPE = "at+jwt"  # noqa: S105 (the JWT media type, not a secret)
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"]


class InvalidToken(Exception):
    """The token cannot be used; the message is safe to show to the caller."""


@dataclass(frozen=True)
class IssuedToken:
    value: str
    expires_in: int
    scope: str
    jti: str


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def issue(credential: Credential, scopes: frozenset[str]) -> IssuedToken:
    """A token for `scopes` that never outlives its credential: `exp` is at most its `expires_at`."""
    key, private = keyring.signing_key()
    now = int(time.time())
    lifetime = settings.OAUTH_ACCESS_TOKEN_LIFETIME
    if credential.expires_at is not None:
        lifetime = max(0, min(lifetime, int(credential.expires_at.timestamp()) - now))
    jti = secrets.token_urlsafe(16)
    scope = format_scope(scopes)
    claims = {
        "iss": settings.OAUTH_ISSUER,
        "sub": credential.client_id,
        "aud": audience(credential.regions),
        "iat": now,
        "exp": now + lifetime,
        "jti": jti,
        "client_id": credential.client_id,
        "cloud_account_id": credential.membership.account.cloud_account_id,
        "scope": scope,
        "email": credential.membership.user.email,
        **limits(credential),
    }
    value = jwt.encode(claims, private, algorithm=key.algorithm, headers={"kid": key.kid, "typ": TOKEN_TYPE})
    return IssuedToken(value=value, expires_in=lifetime, scope=scope, jti=jti)


def limits(credential: Credential) -> dict:
    """What a region checks offline besides scope, audience and expiry: the source addresses."""
    if not credential.allowed_ips:
        return {}
    return {"allowed_ips": list(credential.allowed_ips), "allowed_ips_mode": credential.allowed_ips_mode}


def audience(regions: list[str]):
    """The whole regional service, or, for a credential restricted to some regions, each of
    those regions' services (RFC 9068 §3: a resource server accepts a token naming it)."""
    if not regions:
        return settings.OAUTH_AUDIENCE
    return [f"{settings.OAUTH_AUDIENCE}/{slug}" for slug in sorted(regions)]


def regions_in_audience(aud) -> frozenset[str] | None:
    """The regions an `aud` claim allows; None for every region."""
    values = [aud] if isinstance(aud, str) else list(aud)
    if settings.OAUTH_AUDIENCE in values:
        return None
    prefix = f"{settings.OAUTH_AUDIENCE}/"
    return frozenset(value.removeprefix(prefix) for value in values if value.startswith(prefix))


def _check_audience(claims: dict) -> None:
    aud = claims["aud"]
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
        raise InvalidToken("The access token's audience is invalid.")
    if settings.OAUTH_AUDIENCE not in values and not regions_in_audience(values):
        raise InvalidToken("The access token is not meant for this service.")


def decode(token: str, key_for=keyring.verifying_key) -> dict:
    """Verified claims, or InvalidToken. Checks type, key, signature, issuer, audience and expiry.
    `key_for(kid)` gives the key (with its `algorithm` and `public` half): the console's own, or
    a region's copy of the JWKS (regional/edge/state.py)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("The access token is malformed.") from None
    if str(header.get("typ", "")).lower() not in {TOKEN_TYPE, f"application/{TOKEN_TYPE}"}:
        raise InvalidToken("The token is not an access token.")
    key = key_for(str(header.get("kid", "")))
    if key is None:
        raise InvalidToken("The access token was signed by an unknown key.")
    try:
        claims = jwt.decode(
            token,
            key.public,
            algorithms=[key.algorithm],  # the key's own: a token cannot pick another (RFC 8725 §3.1)
            issuer=settings.OAUTH_ISSUER,
            options={"require": REQUIRED_CLAIMS, "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidToken("The access token has expired.") from None
    except jwt.PyJWTError:
        raise InvalidToken("The access token is invalid.") from None
    _check_audience(claims)
    return claims


class VerifiedTokens:
    """decode() once per process for each token: a token seen before costs a dictionary lookup
    and the expiry check. A key retires only once every token it signed has expired (signing.py),
    so what verified once stays verified until `exp`; revocation is the caller's check, on every
    use. At most `most` tokens are kept (expired ones go first)."""

    def __init__(self, key_for, most: int = 10_000) -> None:
        self._key_for, self._most = key_for, most
        self._verified: dict[str, dict] = {}

    def claims(self, token: str) -> dict:
        """Verified claims, or InvalidToken."""
        claims = self._verified.get(token)
        if claims is not None and claims["exp"] > time.time():
            return claims
        claims = decode(token, key_for=self._key_for)
        if len(self._verified) >= self._most:
            now = time.time()
            self._verified = {value: kept for value, kept in self._verified.items() if kept["exp"] > now}
            if len(self._verified) >= self._most:
                self._verified.clear()
        self._verified[token] = claims
        return claims


verified = VerifiedTokens(keyring.verifying_key)  # the console's: its own keys
