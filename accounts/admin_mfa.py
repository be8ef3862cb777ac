"""The Django admin opens only to staff whose session was signed in with a second factor."""

from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse


class AdminRequiresMFAMiddleware:
    """Before any admin view runs, a staff user without a TOTP authenticator is sent to enrol one, and a
    staff session in which no code was ever entered is asked for one, then sent back (`next`).

    Non-staff and anonymous users are left to the admin's own login redirect and permission checks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.app_name != "admin":
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None
        if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
            return _redirect("mfa_activate_totp", request)
        if not _entered_second_factor(request):
            return _redirect("mfa_reauthenticate", request)
        return None


def _entered_second_factor(request: HttpRequest) -> bool:
    """allauth records "mfa" in the session when it accepts a TOTP or recovery code (at sign-in or on
    reauthentication), never for a password alone nor for activating TOTP, so only a code entered counts.
    """
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _redirect(url_name: str, request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{reverse(url_name)}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
