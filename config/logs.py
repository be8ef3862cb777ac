"""Logs an operator can search: every line one JSON object, one `caas.request` line per request,
and security events as their own `caas.security` lines.

No line carries a secret: the query string is never logged (it may hold a misplaced token), and
paths whose last segments are a secret (invitation links, allauth's email-confirmation and
password-reset keys) are logged with that segment replaced by `<redacted>`, Django's own
"Not Found: <path>" lines included.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

from config.proxies import client_address, from_trusted_proxy

request_log = logging.getLogger("caas.request")
security_log = logging.getLogger("caas.security")

SECRET_IN_PATH = re.compile(
    r"""((?:^|[\s"'(]|//[^/\s]+)/(?:invitations|accounts/confirm-email|accounts/password/reset/key)/)[^/\s?#"']+"""
)
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# 403 and 404 here are answers about tenant objects: someone probing accounts that are not theirs.
TENANT_PREFIXES = ("/api/", "/regional/", "/settings/", "/invitations/")


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1<redacted>", text)


class RedactSecretPaths(logging.Filter):
    """Rewrites the record itself, so that every handler (not only ours) gets the redacted text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the record's `fields`, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def request_id(request: HttpRequest) -> str:
    """The proxy's X-Request-ID when one of our proxies sent a sane one (so lines join up across
    hops), else a new one: a client must not choose what our log lines are filed under."""
    offered = request.headers.get("X-Request-ID", "")
    if offered and from_trusted_proxy(request) and SANE_REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _account(request: HttpRequest, principal) -> str | None:
    if principal is not None:
        return principal.cloud_account_id
    membership = getattr(request, "_active_membership", None)  # cached by accounts.access, if a view asked
    return membership.account.cloud_account_id if membership is not None else None


def request_fields(request: HttpRequest) -> dict:
    """Who asked what, from where: the fields every request line and security event carries."""
    principal = getattr(request, "principal", None)  # set by credentials.authentication on bearer requests
    return {
        "request_id": getattr(request, "request_id", None),
        "method": request.method,
        "path": redact(request.path),
        "client": client_address(request),
        "account": _account(request, principal),
        "client_id": principal.client_id if principal is not None else None,
    }


def security_event(request, event: str, **fields) -> None:
    """One `caas.security` line, e.g. "bearer.refused"; `fields` add detail and must hold no secret.
    `request` may be Django's, DRF's, or None (a sign-in failure outside a request)."""
    request = getattr(request, "_request", request)
    line = {"event": event}
    if request is not None:
        line.update(request_fields(request))
        request.security_events = [*getattr(request, "security_events", []), event]
    security_log.warning(event, extra={"fields": {**line, **fields}})


def log_failed_sign_in(sender, credentials: dict, request=None, **kwargs) -> None:
    """user_login_failed: only the login name is taken from the credentials, never the password."""
    security_event(request, "signin.failed", email=credentials.get("email") or credentials.get("username"))


class RequestLogMiddleware:
    """One `caas.request` line per request, its id in `X-Request-ID`, and the security events a
    status alone shows: 403/404 on tenant objects, and every 429 no explicit event reported."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = rid = request_id(request)  # type: ignore[attr-defined]  # our own attribute
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        status = response.status_code
        fields = {
            **request_fields(request),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        }
        request_log.info("%s %s %s", fields["method"], fields["path"], status, extra={"fields": fields})
        if status == 429 and "throttled" not in getattr(request, "security_events", []):
            security_event(request, "throttled", status=status)
        elif status in (403, 404) and request.path.startswith(TENANT_PREFIXES):
            security_event(request, "access.denied", status=status)
        return response
