"""Access-token signing keys: shared by every process through the database, rotated so that no
verifier notices.

Every key's life follows from two timestamps, so servers need no coordination to agree on it:

- **next**: published in the JWKS from the moment it is made (`created_at`), not yet signing.
  A rotation makes one that starts signing (`activates_at`) only after every verifier that
  honours the JWKS `Cache-Control: max-age` has fetched it: max-age plus a margin.
- **current**: the latest key whose `activates_at` has come; it signs every new token.
- **retiring**: superseded by a newer current key (at that key's `activates_at`), still
  published until the last token it signed has expired.
- **retired**: gone from the JWKS.

The private key is stored as encrypted PKCS#8 (the password is derived from SECRET_KEY), so a
database dump alone cannot sign tokens. Each process keeps the keys in memory for a short while;
a key it has not seen (after a rotation elsewhere) is looked up at once.
"""

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings
from django.db import router, transaction
from django.utils import timezone
from jwt.algorithms import Algorithm, AllowedPrivateKeys, AllowedPublicKeys, ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from config import locks
from credentials.models import SigningKey

# RFC 9864 names Ed25519 by its curve; PyJWT knows it only as the deprecated "EdDSA", which
# tokens signed before this name keep verifying with until their key retires.
jwt.register_algorithm("Ed25519", OKPAlgorithm())
ALGORITHMS: dict[str, tuple[type[Algorithm], Callable[[], AllowedPrivateKeys]]] = {
    "RS256": (RSAAlgorithm, lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    "ES256": (ECAlgorithm, lambda: ec.generate_private_key(ec.SECP256R1())),
    "Ed25519": (OKPAlgorithm, ed25519.Ed25519PrivateKey.generate),
    "EdDSA": (OKPAlgorithm, ed25519.Ed25519PrivateKey.generate),
}
MISS_REFRESH_SECONDS = 5
CLOCK_SKEW = timedelta(minutes=5)
NEXT, CURRENT, RETIRING, RETIRED = "next", "current", "retiring", "retired"


def jwks_max_age() -> int:
    return settings.OAUTH_JWKS_MAX_AGE


def cache_seconds() -> float:
    """How long a process trusts its copy of the keys: never longer than a key is pre-published,
    so every process has a next key before it activates."""
    return min(60, jwks_max_age())


def prepublication() -> timedelta:
    """How long a next key is published before it signs: the JWKS max-age and a margin for
    verifiers that fetched it just before the key appeared, and for our own processes' caches."""
    max_age = jwks_max_age()
    return timedelta(seconds=max_age + max(5, max_age // 5))


@dataclass(frozen=True)
class KeyState:
    key: SigningKey
    state: str
    changes_at: datetime | None  # when it moves to the next state; None while nothing is planned


def states(keys: list[SigningKey], now: datetime) -> list[KeyState]:
    """Each key's state at `now`, oldest first, from the keys' own timestamps only."""
    ordered = sorted(keys, key=lambda key: (key.activates_at, key.pk or 0))
    active = [key for key in ordered if key.activates_at <= now]
    current = active[-1] if active else None
    lifetime = timedelta(seconds=settings.OAUTH_ACCESS_TOKEN_LIFETIME) + CLOCK_SKEW
    result = []
    for index, key in enumerate(ordered):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        if key.activates_at > now:
            result.append(KeyState(key, NEXT, key.activates_at))
        elif key is current:
            result.append(KeyState(key, CURRENT, following.activates_at if following else None))
        else:
            assert following is not None  # noqa: S101 (an active key that is not current has a successor)
            retires_at = following.activates_at + lifetime
            result.append(KeyState(key, RETIRING if now < retires_at else RETIRED, retires_at))
    return result


def _password(secret_key: str) -> bytes:
    return hashlib.sha256(f"caas-signing-key:{secret_key}".encode()).digest()


def _decrypt(pem: str):
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return serialization.load_pem_private_key(pem.encode(), password=_password(secret_key))
        except ValueError:
            continue
    raise RuntimeError("No SECRET_KEY (or fallback) decrypts the signing key; run manage.py rotate_signing_key.")


def _new_key(algorithm: str, activates_at: datetime) -> SigningKey:
    family, generate = ALGORITHMS[algorithm]
    private = generate()
    kid = secrets.token_urlsafe(12)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password(settings.SECRET_KEY)),
    ).decode()
    public_jwk = json.loads(family.to_jwk(private.public_key()))
    public_jwk.update(kid=kid, alg=algorithm, use="sig")
    return SigningKey.objects.create(
        kid=kid, algorithm=algorithm, private_key=pem, public_jwk=public_jwk, activates_at=activates_at
    )


def _published(keys: list[SigningKey], now: datetime) -> list[KeyState]:
    return [state for state in states(keys, now) if state.state != RETIRED]


@transaction.atomic
def rotate(*, immediately: bool = False) -> SigningKey:
    """Publish a next key (of OAUTH_SIGNING_ALG) that starts signing once every verifier has it.
    `immediately` signs with it at once: for a key that must stop signing now, at the price of
    verifiers that have not fetched the JWKS since refusing new tokens until they do."""
    locks.serialize(router.db_for_write(SigningKey), locks.SIGNING_KEY_MAKERS)  # servers rotating at once queue here
    now = timezone.now()
    key = _new_key(settings.OAUTH_SIGNING_ALG, now if immediately else now + prepublication())
    keyring.forget()
    return key


def _missing_key(published: list[KeyState]) -> datetime | None:
    """When a key to be made should start signing, or None when none is needed: the first key
    signs at once (no verifier has a JWKS yet, and nothing else could sign); a key of a newly
    chosen OAUTH_SIGNING_ALG is pre-published like a rotation."""
    now = timezone.now()
    if not any(state.state == CURRENT for state in published):
        return now
    if published[-1].key.algorithm != settings.OAUTH_SIGNING_ALG:
        return now + prepublication()
    return None


def ensure_keys() -> list[SigningKey]:
    """The published keys (next, current, retiring), after making the one that is missing, if any."""
    published = _published(list(SigningKey.objects.all()), timezone.now())
    if _missing_key(published) is not None:
        with transaction.atomic():
            locks.serialize(router.db_for_write(SigningKey), locks.SIGNING_KEY_MAKERS)  # also with no key yet to lock
            published = _published(list(SigningKey.objects.all()), timezone.now())
            activates_at = _missing_key(published)  # again: another server may have made it meanwhile
            if activates_at is not None:
                key = _new_key(settings.OAUTH_SIGNING_ALG, activates_at)
                published = _published([*(state.key for state in published), key], timezone.now())
    return [state.key for state in published]


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    algorithm: str
    activates_at: datetime
    public: AllowedPublicKeys
    private_pem: str


class Keyring:
    """The published keys in memory: which one signs is decided at each use, from the time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self._keys: list[LoadedKey] = []
        self._private: dict[str, AllowedPrivateKeys] = {}
        self._loaded_at = 0.0

    def _load(self) -> None:
        loaded = []
        for row in ensure_keys():
            family, _ = ALGORITHMS[row.algorithm]
            public = family.from_jwk(json.dumps(row.public_jwk))
            loaded.append(LoadedKey(row.kid, row.algorithm, row.activates_at, public, row.private_key))
        self._keys = sorted(loaded, key=lambda key: key.activates_at)
        self._loaded_at = time.monotonic()

    def _fresh(self, max_age: float) -> None:
        if time.monotonic() - self._loaded_at > max_age:
            with self._lock:
                if time.monotonic() - self._loaded_at > max_age:
                    self._load()

    def signing_key(self) -> tuple[LoadedKey, AllowedPrivateKeys]:
        """The current key and its private half (decrypted once per process)."""
        self._fresh(cache_seconds())
        now = timezone.now()
        key = [key for key in self._keys if key.activates_at <= now][-1]
        if key.kid not in self._private:
            self._private[key.kid] = _decrypt(key.private_pem)
        return key, self._private[key.kid]

    def verifying_key(self, kid: str) -> LoadedKey | None:
        self._fresh(cache_seconds())
        found = next((key for key in self._keys if key.kid == kid), None)
        if found is None:
            self._fresh(MISS_REFRESH_SECONDS)
            found = next((key for key in self._keys if key.kid == kid), None)
        return found


keyring = Keyring()
