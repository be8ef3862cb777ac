from functools import wraps

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404

from config import errors


def policy(**overrides: str) -> str:
    return "; ".join(f"{name} {value}" for name, value in {**settings.CONTENT_SECURITY_POLICY, **overrides}.items())


class ContentSecurityPolicyMiddleware:
    """One policy for every page: scripts and styles only from this server, never framed."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RefuseNulMiddleware:
    """PostgreSQL cannot hold NUL in text, so a NUL in a path or query value would fail as a
    database error in whichever view looks it up. No URL of ours contains one: in the path it is a
    404, in the query a 400. (Django decodes both leniently: they never carry an unpaired surrogate.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info:
            return errors.not_found(request, Http404())
        if any("\x00" in key or "\x00" in "".join(values) for key, values in request.GET.lists()):
            message = "The query string must not contain NUL characters."
            return errors.bad_request(request, BadRequest(message), message)
        return self.get_response(request)


def allow_inline_styles(view):
    """For third-party pages (Swagger UI) that set style attributes; scripts stay 'self' only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = policy(**{"style-src": "'self' 'unsafe-inline'"})
        return response

    return wrapper
