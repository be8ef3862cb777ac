"""Region keys: `caas_rk_` + 256 random bits, shown once, kept as a SHA-256 digest like client secrets."""

import hmac
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from credentials import keys
from credentials.models import RegionKey
from regional.models import Region

PREFIX = "caas_rk_"
PATTERN = re.compile(rf"{PREFIX}[A-Za-z0-9_-]{{43}}")
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def issue_region_key(region: Region, *, replace: bool = False) -> tuple[RegionKey, str]:
    """A new key for `region`. The older ones keep working until they are deleted (in the admin,
    or here with `replace`), so a region can be given the new one before the old one stops."""
    value = PREFIX + secrets.token_urlsafe(32)
    if replace:
        RegionKey.objects.filter(region=region).delete()
    key = RegionKey.objects.create(region=region, digest=keys.digest(value), hint=value[-keys.HINT_LENGTH :])
    return key, value


def region_for(request: HttpRequest) -> Region | None:
    """The region whose key is in `Authorization: Bearer <key>`, or None."""
    scheme, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not PATTERN.fullmatch(value):
        return None
    digest = keys.digest(value)
    key = RegionKey.objects.select_related("region").filter(digest=digest).first()
    if key is None or not hmac.compare_digest(key.digest, digest):
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        RegionKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.region
