from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access, services
from accounts import activity as activity_log
from accounts.audit import AuditContext
from accounts.forms import ActivityFilterForm, GrantAccessForm, SwitchAccountForm
from accounts.models import Invitation, Membership
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
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Signed in: Accept invitation, from a confirmed invited address only. Signed out: who invites you
    to which account, with Sign in and Sign up, both of which come back here (?next=)."""
    invitation = services.find_invitation(token)
    if not request.user.is_authenticated:
        return invitation_for_visitor(request, invitation)
    user = request.user
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


def invitation_for_visitor(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    """While the invitation is open, `auth_next` makes the top bar's Sign in and Sign up lead back here too."""
    if request.method == "POST":
        return redirect_to_login(request.get_full_path())
    problem = services.closed_invitation_problem(invitation)
    status = 404 if invitation is None else 400 if problem else 200
    context = {"invitation": invitation, "problem": problem, "auth_next": "" if problem else request.path}
    return render(request, "accounts/accept_invitation.html", context, status=status)


@require_GET
@access.member_required
def activity(request: HttpRequest, membership: Membership) -> HttpResponseBase:
    """The filtered log, a page of rows at a time; with ?export=csv every event it matches, as a file."""
    form = ActivityFilterForm(
        request.GET,
        events=activity_log.event_choices(),
        members=activity_log.member_choices(membership),
        credentials=activity_log.credential_choices(membership),
    )
    context = {"tab": "activity", "membership": membership, "form": form}
    if not form.is_valid():
        return render(request, "accounts/activity.html", context, status=400)
    filters = form.filters()
    events = activity_log.events_for(membership, filters)
    if request.GET.get("export") == "csv":
        return activity_csv(events, membership)
    export = request.GET.copy()
    export.pop("page", None)
    export["export"] = "csv"
    context |= {"filters": filters, "page": activity_log.page_of_rows(events, request.GET.get("page"))}
    return render(request, "accounts/activity.html", {**context, "export_query": export.urlencode()})


def activity_csv(events, membership: Membership) -> StreamingHttpResponse:
    response = StreamingHttpResponse(activity_log.csv_lines(events), content_type="text/csv; charset=utf-8")
    filename = f"activity-{membership.account.cloud_account_id}-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
