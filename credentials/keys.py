"""Client IDs and client secrets: their format, checksum and digest.

A secret looks like `caas_sk_` + 43 base62 characters (256 bits from `secrets`) + a 6-character
base62 CRC32 of everything before it. Scanners find leaked secrets by the pattern; a malformed
or mistyped secret fails the checksum before any database work.
"""

import hashlib
import re
import secrets
import string
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
CLIENT_ID_PREFIX = "cid_"
SECRET_PREFIX = "caas_sk_"  # noqa: S105 (a public prefix, not a secret)
SECRET_BODY_LENGTH = 43  # 43 * log2(62) = 256.03 bits
CHECKSUM_LENGTH = 6  # 62**6 > 2**32
SECRET_PATTERN = re.compile(rf"{SECRET_PREFIX}[0-9A-Za-z]{{{SECRET_BODY_LENGTH + CHECKSUM_LENGTH}}}")
CLIENT_ID_PATTERN = re.compile(rf"{CLIENT_ID_PREFIX}[A-Za-z0-9_-]{{24}}")
HINT_LENGTH = 4


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum(text: str) -> str:
    return base62(zlib.crc32(text.encode()), CHECKSUM_LENGTH)


def new_client_id() -> str:
    return CLIENT_ID_PREFIX + secrets.token_urlsafe(18)


def new_secret() -> str:
    body = SECRET_PREFIX + "".join(secrets.choice(BASE62) for _ in range(SECRET_BODY_LENGTH))
    return body + checksum(body)


def is_well_formed(secret: str) -> bool:
    """Shape and checksum only: no database, no timing signal worth having (the checksum is public)."""
    if not SECRET_PATTERN.fullmatch(secret):
        return False
    return secrets.compare_digest(checksum(secret[:-CHECKSUM_LENGTH]), secret[-CHECKSUM_LENGTH:])


def digest(secret: str) -> str:
    """SHA-256 is right for 256-bit random secrets: nothing to brute-force, and fast on every request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def hint(secret: str) -> str:
    return secret[-HINT_LENGTH:]
