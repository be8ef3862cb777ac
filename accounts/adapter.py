import math
import time
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.core.ratelimit import respond_429
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse

from accounts import audit, services
from accounts.access import active_membership
from accounts.audit import AuditContext
from config import proxies

INVITATION_VIEW = "accounts:accept_invitation"


class AccountAdapter(DefaultAccountAdapter):
    """Every new user gets their own account; every sign-in lands in the activity log."""

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                services.open_account(owner=user)
        return user

    def login(self, request, user):
        super().login(request, user)
        membership = active_membership(request)
        if membership is not None:
            audit.record(
                account=membership.account,
                actor=user,
                action="user.signed_in",
                target=user.email,
                context=AuditContext.from_request(request),
            )

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count the client behind our trusted proxies, not the proxy itself."""
        address = proxies.client_address(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """A locked-out sign-in is refused with 429 and Retry-After, not as if the password were wrong."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as error:
            if error.code != "too_many_login_attempts":
                raise
            response = respond_429(request)
            response["Retry-After"] = str(self._login_retry_after(request, **credentials))
            raise ImmediateHttpResponse(response) from None

    def _login_retry_after(self, request: HttpRequest, **credentials) -> int:
        """Seconds until every exhausted login_failed limit (per address, per email) has room again."""
        key = self._get_login_attempts_cache_key(request, **credentials)
        now = time.time()
        waits = [1.0]
        for rate in ratelimit.get_rates(app="allauth.account", action="login_failed"):
            cache_key = ratelimit.get_cache_key(
                request, app="allauth.account", action="login_failed", rate=rate, key=key
            )
            history = cache.get(cache_key, [])  # newest first
            if len(history) >= rate.amount:
                waits.append(history[rate.amount - 1] + rate.duration - now)
        return math.ceil(max(waits))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        """A confirmation asked for on the way to an invitation (signing up from its link, or sending it
        from the invitation page) leads back to that invitation, in whichever browser it is opened."""
        url = super().get_email_confirmation_url(request, emailconfirmation)
        invitation = _invitation_path(request.POST.get("next") or request.GET.get("next")) if request else None
        return f"{url}?{urlencode({'next': invitation})}" if invitation else url


def _invitation_path(next_url: str | None) -> str | None:
    """`next_url` rebuilt from our own URL map when it names an invitation page; None for anything else."""
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return reverse(INVITATION_VIEW, kwargs=match.kwargs) if match.view_name == INVITATION_VIEW else None
