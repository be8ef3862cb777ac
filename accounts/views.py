from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access, services
from accounts.audit import AuditContext
from accounts.forms import GrantAccessForm, SwitchAccountForm
from accounts.models import AuditEvent, Invitation, Membership, User
from accounts.templatetags.email_tags import ascii_email


@require_GET
@access.member_required
def profile(request: HttpRequest, membership: Membership) -> HttpResponse:
    return render(request, "accounts/profile.html", {"tab": "profile", "membership": membership})


@require_POST
@login_required
def switch_account(request: HttpRequest) -> HttpResponse:
    form = SwitchAccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an account to switch to.")
        return redirect("accounts:profile")
    membership = access.switch_account(request, form.cleaned_data["account"])
    messages.success(request, f"You are now working in {membership.account}.")
    return redirect("accounts:profile")


@require_GET
@access.member_required
def access_management(request: HttpRequest, membership: Membership) -> HttpResponse:
    account = membership.account
    context = {
        "tab": "access",
        "membership": membership,
        "members": Membership.objects.for_account(account).order_by("-role", "user__email"),
        "invitations": Invitation.objects.for_account(account).pending().order_by("email")
        if membership.is_owner
        else [],
    }
    return render(request, "accounts/access.html", context)


@require_http_methods(["GET", "POST"])
@access.owner_required
def grant_access(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = GrantAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_member(
                by=membership, context=AuditContext.from_request(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {ascii_email(invitation.email)}.")
            return redirect("accounts:access")
    status = 400 if form.errors else 200
    return render(request, "accounts/grant_access.html", {"tab": "access", "form": form}, status=status)


@require_POST
@access.owner_required
def resend_invitation(request: HttpRequest, membership: Membership, invitation_id: int) -> HttpResponse:
    invitation = access.get_invitation_or_404(membership, invitation_id)
    services.resend_invitation(by=membership, invitation=invitation, context=AuditContext.from_request(request))
    messages.success(request, f"Invitation sent again to {ascii_email(invitation.email)}.")
    return redirect("accounts:access")


@require_POST
@access.owner_required
def remove_invitation(request: HttpRequest, membership: Membership, invitation_id: int) -> HttpResponse:
    invitation = access.get_invitation_or_404(membership, invitation_id)
    services.cancel_invitation(by=membership, invitation=invitation, context=AuditContext.from_request(request))
    messages.success(request, f"The invitation for {ascii_email(invitation.email)} was removed.")
    return redirect("accounts:access")


@require_http_methods(["GET", "POST"])
@access.owner_required
def revoke_member(request: HttpRequest, membership: Membership, member_id: int) -> HttpResponse:
    member = access.get_member_or_404(membership, member_id)
    if request.method == "POST":
        try:
            services.remove_member(by=membership, member=member, context=AuditContext.from_request(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:access")
        messages.success(
            request,
            f"{ascii_email(member.user.email)} no longer has access to this account. Their credentials and access "
            "tokens stopped working immediately.",
        )
        return redirect("accounts:access")
    return render(request, "accounts/revoke_member.html", {"tab": "access", "member": member})


@require_http_methods(["GET", "POST"])
@access.member_required
def leave_account(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method == "POST":
        try:
            services.leave_account(membership=membership, context=AuditContext.from_request(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("accounts:access")
        request.session.pop(access.SESSION_KEY, None)
        messages.success(
            request,
            f"You left {membership.account}. Your credentials there and their access tokens stopped working "
            "immediately.",
        )
        return redirect("accounts:profile")
    return render(request, "accounts/leave.html", {"tab": "access", "membership": membership})


@require_http_methods(["GET", "POST"])
@login_required
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    invitation = services.find_invitation(token)
    problem = services.invitation_problem(invitation, user)
    if request.method == "POST" and problem is None:
        try:
            joined = services.accept_invitation(user=user, token=token, context=AuditContext.from_request(request))
        except services.InvitationRefused as refused:
            problem = refused.problem
        else:
            access.switch_account(request, joined.account.cloud_account_id)
            messages.success(request, f"Welcome to {joined.account}. You are now a member.")
            return redirect("accounts:profile")
    status = 404 if invitation is None else 400 if problem else 200
    return render(
        request, "accounts/accept_invitation.html", {"invitation": invitation, "problem": problem}, status=status
    )


@require_GET
@access.member_required
def activity(request: HttpRequest, membership: Membership) -> HttpResponse:
    events = AuditEvent.objects.visible_to(membership)
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/activity.html", {"tab": "activity", "membership": membership, "page": page})
