"""Access-token signing keys: created on first use, shared by every process through the database.

The private key is stored as encrypted PKCS#8 (the password is derived from SECRET_KEY), so a
database dump alone cannot sign tokens. Each process keeps the keys in memory for a short
while; a key it has not seen (after a rotation elsewhere) is looked up at once.
"""

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from credentials.models import SigningKey

ALGORITHM = "EdDSA"
CACHE_SECONDS = 60
MISS_REFRESH_SECONDS = 5


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    private: Ed25519PrivateKey | None
    public: Ed25519PublicKey


def _password(secret_key: str) -> bytes:
    return hashlib.sha256(f"caas-signing-key:{secret_key}".encode()).digest()


def _decrypt(pem: str) -> Ed25519PrivateKey:
    for secret_key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return serialization.load_pem_private_key(pem.encode(), password=_password(secret_key))
        except ValueError:
            continue
    raise RuntimeError("No SECRET_KEY (or fallback) decrypts the signing key; run manage.py rotate_signing_key.")


def _new_key_row() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    kid = secrets.token_urlsafe(12)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password(settings.SECRET_KEY)),
    ).decode()
    public_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
    public_jwk.update(kid=kid, alg=ALGORITHM, use="sig")
    return SigningKey(kid=kid, private_key=pem, public_jwk=public_jwk, is_current=True)


@transaction.atomic
def rotate() -> SigningKey:
    """Make a new current key; the previous one keeps verifying tokens until they expire."""
    SigningKey.objects.select_for_update().filter(is_current=True).update(is_current=False, retired_at=timezone.now())
    key = _new_key_row()
    key.save()
    keyring.forget()
    return key


def _ensure_current() -> SigningKey:
    key = SigningKey.objects.filter(is_current=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _new_key_row()
            key.save()
            return key
    except IntegrityError:
        return SigningKey.objects.get(is_current=True)


def published_keys():
    """The current key and the retired ones that may still have unexpired tokens out there."""
    cutoff = timezone.now() - timedelta(seconds=settings.OAUTH_ACCESS_TOKEN_LIFETIME + 300)
    return SigningKey.objects.filter(Q(is_current=True) | Q(retired_at__gte=cutoff))


class Keyring:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.forget()

    def forget(self) -> None:
        self._current: LoadedKey | None = None
        self._verifying: dict[str, Ed25519PublicKey] = {}
        self._loaded_at = 0.0

    def _load(self) -> None:
        current = _ensure_current()
        verifying = {}
        for row in published_keys():
            verifying[row.kid] = jwt.algorithms.OKPAlgorithm.from_jwk(json.dumps(row.public_jwk))
        self._current = LoadedKey(current.kid, _decrypt(current.private_key), verifying[current.kid])
        self._verifying = verifying
        self._loaded_at = time.monotonic()

    def _fresh(self, max_age: float) -> None:
        if time.monotonic() - self._loaded_at > max_age:
            with self._lock:
                if time.monotonic() - self._loaded_at > max_age:
                    self._load()

    def current(self) -> LoadedKey:
        self._fresh(CACHE_SECONDS)
        return self._current

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        self._fresh(CACHE_SECONDS)
        if kid not in self._verifying:
            self._fresh(MISS_REFRESH_SECONDS)
        return self._verifying.get(kid)


keyring = Keyring()
