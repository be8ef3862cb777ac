"""JSON errors for every machine-facing path; HTML stays for the portal."""

import sys

from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.views import exception_handler

MACHINE_PREFIXES = ("/api/", "/oauth2/", "/regional/", "/.well-known/")
OAUTH_PREFIX = "/oauth2/"


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(MACHINE_PREFIXES)


def api_exception_handler(exc, context):
    """DRF's handler; OAuth-style errors also carry RFC 6750's `error` and `error_description`."""
    response = exception_handler(exc, context)
    oauth_error = getattr(exc, "oauth_error", None)
    if response is not None and oauth_error:
        response.data = {"error": oauth_error, "error_description": str(exc.detail), "detail": str(exc.detail)}
    return response

    retry_after = getattr(exc, "retry_after", None)
    if response is not None and retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)

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
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception, message: str = "Bad request.") -> HttpResponse:
    """The OAuth endpoints answer as RFC 6749 §5.2 says, which their clients parse."""
    if request.path.startswith(OAUTH_PREFIX):
        return JsonResponse({"error": "invalid_request", "error_description": message, "detail": message}, status=400)
    if wants_json(request):
        return JsonResponse({"detail": message}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": str(exception) or "Permission denied."}, status=403)
    return defaults.permission_denied(request, exception)
