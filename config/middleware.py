from functools import wraps

from django.conf import settings


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


def allow_inline_styles(view):
    """For third-party pages (Swagger UI) that set style attributes; scripts stay 'self' only."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["Content-Security-Policy"] = policy(**{"style-src": "'self' 'unsafe-inline'"})
        return response

    return wrapper
