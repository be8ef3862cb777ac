from django.conf import settings

from accounts.access import active_membership
from accounts.models import Membership

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# The pages that send an email, or tell the user that one was sent.
EMAIL_PAGES = frozenset(
    {
        "account_signup",
        "account_email_verification_sent",
        "account_reset_password",
        "account_reset_password_done",
        "account_email",
        "accounts:grant_access",
    }
)


def active_account(request):
    """The User Profile pull-down: the active account and the others the user may switch to."""
    membership = active_membership(request)
    if membership is None:
        return {}
    return {
        "active_membership": membership,
        "other_memberships": lambda: Membership.objects.for_user(request.user).exclude(pk=membership.pk),
    }


def console_email(request):
    """In development mail goes to the server console: the pages that send some say so (_console_email_note.html)."""
    match = getattr(request, "resolver_match", None)
    return {
        "console_email_note": settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND
        and match is not None
        and match.view_name in EMAIL_PAGES
    }
