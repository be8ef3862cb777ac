"""A production server refuses a configuration that only suits development.

Outside DEBUG there is no fallback for the secret key, the token issuer or the email backend:
`manage.py check --deploy` reports each missing one, and config/wsgi.py stops gunicorn and
runserver before they serve a request. Each message is one line saying what to set.
"""

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
# gunicorn's "worker failed to boot": its arbiter then stops instead of respawning the worker forever.
BOOT_ERROR = 3


def _has_secret_key() -> bool:
    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return False


def _issuer_error(issuer: str) -> Error | None:
    if not issuer:
        return Error(
            "OAUTH_ISSUER is not set: set it to the service's public https base URL, e.g. https://caas.example.com.",
            id="caas.E002",
        )
    url = urlsplit(issuer)
    if (url.scheme == "https" and url.hostname) or (url.scheme == "http" and url.hostname in LOOPBACK_HOSTS):
        return None
    return Error(
        f"OAUTH_ISSUER={issuer!r} is not an https URL: set it to the service's public https base URL "
        "(plain http only on 127.0.0.1, ::1 or localhost).",
        id="caas.E003",
    )


def production_configuration(app_configs=None, **kwargs) -> list[Error]:
    """Registered with the check framework (config/apps.py) for `check --deploy`."""
    if settings.DEBUG:
        return []
    errors = []
    if not _has_secret_key():
        errors.append(
            Error(
                "DJANGO_SECRET_KEY is not set: set it to a long random value, the same on every server.",
                id="caas.E001",
            )
        )
    if issuer_error := _issuer_error(settings.OAUTH_ISSUER):
        errors.append(issuer_error)
    if not settings.EMAIL_BACKEND:
        errors.append(
            Error(
                "DJANGO_EMAIL_BACKEND is not set: set a Django email backend, e.g. "
                "django.core.mail.backends.smtp.EmailBackend (the console one only prints mail).",
                id="caas.E004",
            )
        )
    return errors


def refuse_unsafe_configuration() -> None:
    """Exit, one line per problem, instead of serving with what production_configuration() refuses."""
    errors = production_configuration()
    for error in errors:
        print(f"Refusing to start: {error.msg}", file=sys.stderr)
    if errors:
        raise SystemExit(BOOT_ERROR)
