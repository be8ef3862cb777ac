"""The one place that turns "this user, this id" into an object of the active account, or a 404."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import render

from accounts.models import Invitation, Membership

SESSION_KEY = "active_account"


def active_membership(request: HttpRequest) -> Membership | None:
    """The membership the user is acting through: the account chosen in the session, else their own."""
    if not hasattr(request, "_active_membership"):
        request._active_membership = _pick_membership(request)  # type: ignore[attr-defined]  # a per-request cache
    return request._active_membership  # type: ignore[attr-defined]


def _pick_membership(request: HttpRequest) -> Membership | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    memberships = Membership.objects.for_user(user)
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        membership = memberships.filter(account__cloud_account_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("-role", "created_at").first()


def switch_account(request: HttpRequest, cloud_account_id: str) -> Membership:
    membership = Membership.objects.for_user(request.user).filter(account__cloud_account_id=cloud_account_id).first()
    if membership is None:
        raise Http404("No such account.")
    request.session[SESSION_KEY] = cloud_account_id
    request._active_membership = membership  # type: ignore[attr-defined]
    return membership


def member_required(view):
    """Signed in and acting through a membership; the view receives it as `membership`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        membership = active_membership(request)
        if membership is None:
            return render(request, "accounts/no_account.html", status=403)
        return view(request, *args, membership=membership, **kwargs)

    return wrapper


def owner_required(view):
    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, membership: Membership, **kwargs):
        if not membership.is_owner:
            raise PermissionDenied("Only the account owner can do this.")
        return view(request, *args, membership=membership, **kwargs)

    return wrapper


def get_member_or_404(membership: Membership, member_id: int) -> Membership:
    found = Membership.objects.for_account(membership.account).filter(pk=member_id).first()
    if found is None:
        raise Http404("No such member in this account.")
    return found


def get_invitation_or_404(membership: Membership, invitation_id: int) -> Invitation:
    found = Invitation.objects.for_account(membership.account).pending().filter(pk=invitation_id).first()
    if found is None:
        raise Http404("No such invitation in this account.")
    return found
