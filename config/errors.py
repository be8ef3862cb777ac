"""JSON errors for every machine-facing path; HTML pages in the portal's layout for the rest."""

import sys

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE, REASON_NO_REFERER
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from rest_framework.views import exception_handler

MACHINE_PREFIXES = ("/api/", "/oauth2/", "/regional/", "/.well-known/")
OAUTH_PREFIX = "/oauth2/"


def wants_json(request: HttpRequest) -> bool:
    """A region deployed on its own (CAAS_ROLE=regional) has no portal, so no page layout to show."""
    return settings.CAAS_ROLE == "regional" or request.path.startswith(MACHINE_PREFIXES)


def api_exception_handler(exc, context):
    """DRF's handler; OAuth-style errors also carry RFC 6750's `error` and `error_description`."""
    response = exception_handler(exc, context)
    oauth_error = getattr(exc, "oauth_error", None)
    if response is not None and oauth_error:
        response.data = {"error": oauth_error, "error_description": str(exc.detail), "detail": str(exc.detail)}
    retry_after = getattr(exc, "retry_after", None)
    if response is not None and retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500; 503 with Retry-After while the database does not answer (the app reconnects by itself);
    400 when it refuses a value (DataError, e.g. NUL in text), which no retry would change."""
    error = sys.exc_info()[1]
    if isinstance(error, DataError):
        return bad_request(
            request, error, "The request contains a value that cannot be stored (such as a NUL character)."
        )
    if isinstance(error, OperationalError | InterfaceError):
        message = "The service is temporarily unavailable. Try again in a few seconds."
        headers = {"Retry-After": "5"}
        if wants_json(request):
            return JsonResponse({"detail": message}, status=503, headers=headers)
        return HttpResponse(message, status=503, content_type="text/plain", headers=headers)
    if wants_json(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return defaults.server_error(request)  # 500.html, rendered without the request: it needs no database


def bad_request(request: HttpRequest, exception: Exception, message: str = "Bad request.") -> HttpResponse:
    """The OAuth endpoints answer as RFC 6749 §5.2 says, which their clients parse."""
    if request.path.startswith(OAUTH_PREFIX):
        return JsonResponse({"error": "invalid_request", "error_description": message, "detail": message}, status=400)
    if wants_json(request):
        return JsonResponse({"detail": message}, status=400)
    # Rendered without the request: the request may be what broke (a NUL in the session cookie
    # fails again the moment a context processor loads the session), and a 400 names no one.
    return HttpResponse(loader.render_to_string("400.html", {"message": message}), status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": str(exception) or "Permission denied."}, status=403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form posted without a valid CSRF token: usually a page left open past its session, or blocked cookies."""
    if wants_json(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}"}, status=403)
    context = {"no_cookie": reason == REASON_NO_CSRF_COOKIE, "no_referer": reason == REASON_NO_REFERER}
    return render(request, "403_csrf.html", context, status=403)
