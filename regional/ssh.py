"""OpenSSH public keys: what we accept (ed25519, ECDSA, RSA of 2048 bits or more) and their fingerprints."""

import base64
import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from django.core.exceptions import ValidationError

MAX_LENGTH = 16_384
MIN_RSA_BITS = 2048


def parse_public_key(text: str) -> tuple[str, str, str]:
    """The normalised key line, its type and its SHA256 fingerprint, or a ValidationError saying why not."""
    line = " ".join(text.split())
    if not line or len(line) > MAX_LENGTH or "\n" in text.strip():
        raise ValidationError("Paste one OpenSSH public key on a single line, e.g. 'ssh-ed25519 AAAA... you@host'.")
    parts = line.split(" ")
    if len(parts) < 2:
        raise ValidationError("This is not an OpenSSH public key: expected '<type> <base64 data> [comment]'.")
    try:
        key = load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    except (ValueError, UnsupportedAlgorithm):
        raise ValidationError("This is not a valid OpenSSH public key.") from None
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ValidationError(f"RSA keys must have at least {MIN_RSA_BITS} bits; this one has {key.key_size}.")
    elif not isinstance(key, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise ValidationError("Only ed25519, ECDSA and RSA (2048 bits or more) keys are accepted.")
    blob = base64.b64decode(parts[1])
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return line, parts[0], fingerprint
