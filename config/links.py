"""Links that leave the site, in emails above all: always on the configured public URL
(OAUTH_ISSUER), never on whichever host a request happened to come in on."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (as reverse() gives it) on the service's public base URL."""
    return settings.OAUTH_ISSUER + path
