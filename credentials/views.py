"""The Credentials tab: generate, list, disable, enable, delete and revoke credentials, their usage;
and the owner's Policies tab. Every rule lives in services.py; these views only route."""

import secrets
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access
from accounts.audit import AuditContext
from accounts.models import Account, Membership, User
from config.links import absolute_url
from credentials import charts, lineage, services, usage
from credentials.access import account_credential_or_404, own_credential_or_404, visible_credential_or_404
from credentials.forms import (
    CredentialPoliciesForm,
    DeleteCredentialForm,
    GenerateCredentialForm,
    initial_from_choices,
)
from credentials.models import Credential

RECENT_USE = timedelta(days=7)
NONCES = "credential_form_nonces"
DISABLED_BY_MEMBER = "Disabled by its member."


def issue_nonce(request: HttpRequest) -> str:
    """One per rendered form, so that a resubmitted form cannot create a second credential."""
    nonce = secrets.token_urlsafe(16)
    request.session[NONCES] = [*request.session.get(NONCES, [])[-4:], nonce]
    return nonce


def consume_nonce(request: HttpRequest, nonce: str) -> bool:
    issued = request.session.get(NONCES, [])
    if nonce not in issued:
        return False
    request.session[NONCES] = [n for n in issued if n != nonce]
    return True


def policy_form(account: Account, data=None) -> CredentialPoliciesForm:
    initial = {
        "max_lifetime_days": account.credential_max_lifetime_days,
        "disable_unused_after_days": account.disable_unused_credentials_after_days,
    }
    return CredentialPoliciesForm(data, initial=initial)


@require_GET
@access.member_required
def credentials_tab(request: HttpRequest, membership: Membership) -> HttpResponse:
    own = lineage.reachable(membership, None)
    others = (
        Credential.objects.for_account(membership.account)
        .select_related("parent")
        .exclude(membership=membership)
        .order_by("membership__user__email", "created_at")
        if membership.is_owner
        else []
    )
    context = {
        "tab": "credentials",
        "membership": membership,
        "credentials": own,
        "others": others,
        "quota": services.credential_quota(membership),
        "recently": timezone.now() - RECENT_USE,
    }
    return render(request, "credentials/list.html", context)


def successor_of(membership: Membership, client_id: str | None) -> Credential | None:
    """`?successor=` names one of the member's own credentials; anything else is a 404."""
    return own_credential_or_404(membership, client_id) if client_id else None


def narrower_for(request: HttpRequest, successor: Credential | None) -> dict | None:
    """With `&narrower=1`, what the successor keeps of its predecessor's grants (None: nothing to drop)."""
    if successor is None or request.GET.get("narrower") != "1":
        return None
    return services.narrower_choices(successor, usage.used_grants(successor))


def render_generate(request, membership: Membership, form, successor, narrower=None, status: int = 200):
    own = list(services.list_credentials(membership))
    context = {
        "tab": "credentials",
        "form": form,
        "nonce": issue_nonce(request),
        "successor": successor,
        "narrower": narrower,
        "quota": services.credential_quota(membership),
        "in_the_way": [credential for credential in own if credential != successor],
        "rotation_help": services.ROTATION_HELP,
    }
    return render(request, "credentials/generate.html", context, status=status)


def connection_details() -> dict:
    """Where a program sends the new credential, for the secret page's .env file and shell snippet."""
    return {"token_url": absolute_url(reverse("oauth-token")), "api_base": absolute_url("/api/v1")}


@never_cache
@require_http_methods(["GET", "POST"])
@access.member_required
def generate(request: HttpRequest, membership: Membership) -> HttpResponse:
    """A plain form, or with `?successor=` one pre-filled to replace an existing credential (with
    `&narrower=1` only what it used). A successor page at the limit still renders, to explain which
    credential to delete first."""
    successor = successor_of(membership, request.GET.get("successor"))
    narrower = narrower_for(request, successor)
    if request.method == "GET":
        quota = services.credential_quota(membership)
        if successor is None and quota.at_limit:
            messages.error(request, quota.reached)
            return redirect("credentials:list")
        initial = initial_from_choices(services.successor_defaults(successor, narrower)) if successor else {}
        form = GenerateCredentialForm(account=membership.account, initial=initial)
        return render_generate(request, membership, form, successor, narrower)
    form = GenerateCredentialForm(request.POST, account=membership.account)
    if not consume_nonce(request, request.POST.get("nonce", "")):
        messages.warning(
            request,
            "That form was already submitted, so no new credential was created. A client secret is shown only "
            "once: if you did not store it, delete that credential and generate a new one.",
        )
        return redirect("credentials:list")
    if form.is_valid():
        try:
            credential, secret = services.generate_credential(
                membership=membership, context=AuditContext.from_request(request), **form.service_kwargs()
            )
        except ValidationError as error:
            form.add_service_error(error)
        except services.CredentialLimitReached as error:
            messages.error(request, str(error))
            return redirect("credentials:list")
        else:
            context = {"tab": "credentials", "credential": credential, "secret": secret, **connection_details()}
            return render(request, "credentials/created.html", context)
    return render_generate(request, membership, form, successor, narrower, status=400)


def and_made_with_it(family: list[Credential]) -> str:
    """The end of a message when descendants went too: ", and 2 credentials made with it"."""
    count = len(family)
    return f", and {count} credential{pluralize(count)} made with it" if count else ""


@require_http_methods(["GET", "POST"])
@access.member_required
def delete(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    credential = own_credential_or_404(membership, client_id)
    form = DeleteCredentialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deleted = services.delete_credential(
                membership=membership,
                client_id=client_id,
                confirm_name=form.cleaned_data["name"],
                context=AuditContext.from_request(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            went = and_made_with_it(deleted.descendants)
            messages.success(request, f"Credential {credential.name} was deleted{went}. {services.TAKES_EFFECT}")
            return redirect("credentials:list")
    context = {"tab": "credentials", "credential": credential, "form": form, "recently": timezone.now() - RECENT_USE}
    return render(request, "credentials/delete.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@access.member_required
def disable(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    """Members switch off their own credential without losing it; the GET page confirms without JavaScript.
    Owners act on other members' credentials by revoking them, not here."""
    credential = own_credential_or_404(membership, client_id)
    if request.method == "GET":
        return render(request, "credentials/disable.html", {"tab": "credentials", "credential": credential})
    disabled = services.disable_credential(
        credential=credential, by=membership.user, reason=DISABLED_BY_MEMBER, context=AuditContext.from_request(request)
    )
    went = and_made_with_it([target for target in disabled if target != credential])
    if credential in disabled:
        messages.success(
            request,
            f"Credential {credential.name} was disabled{went}. {services.TAKES_EFFECT} "
            "You can enable it again here whenever you need it.",
        )
    elif disabled:
        count = len(disabled)
        messages.success(
            request,
            f"Credential {credential.name} was already disabled; {count} credential{pluralize(count)} made with it "
            f"{pluralize(count, 'was,were')} disabled now.",
        )
    else:
        messages.info(request, f"Credential {credential.name} was already disabled.")
    return redirect("credentials:list")


@require_POST
@access.member_required
def enable(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    try:
        credential = services.enable_credential(
            membership=membership, client_id=client_id, context=AuditContext.from_request(request)
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Credential {credential.name} was enabled. It works again immediately.")
    return redirect("credentials:list")


@require_http_methods(["GET", "POST"])
@access.owner_required
def revoke(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    credential = account_credential_or_404(membership, client_id)
    if request.method == "POST":
        family = services.revoke_credential(
            by=cast(User, request.user), credential=credential, context=AuditContext.from_request(request)
        )
        messages.success(
            request,
            f"Credential {credential.name} of {credential.membership.user.email} was revoked"
            f"{and_made_with_it(family[1:])}. {services.TAKES_EFFECT}",
        )
        return redirect("credentials:list")
    return render(request, "credentials/revoke.html", {"tab": "credentials", "credential": credential})


@require_GET
@access.member_required
def usage_report(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    """Owners oversee every credential of the account, members only their own; others answer 404.
    The flush makes this process's counters visible at once; other processes flush within seconds.
    Only the credential's member is offered a narrower successor: only they can generate one."""
    credential = visible_credential_or_404(membership, client_id)
    usage.flush()
    summary = usage.summarize(credential)
    theirs = credential.membership_id != membership.pk
    used = usage.used_grants(credential)
    narrower = None if theirs else services.narrower_choices(credential, used)
    context = {
        "tab": "credentials",
        "credential": credential,
        "theirs": theirs,
        "summary": summary,
        "chart": charts.usage_chart(summary),
        "days": charts.daily_totals(summary),
        "columns": [charts.region_label(region) for region in summary.regions],
        "flush_seconds": settings.USAGE_FLUSH_SECONDS,
        "used": used,
        "narrower": narrower,
        "narrower_name": services.successor_name(credential),
        "rotation_help": services.ROTATION_HELP,
    }
    return render(request, "credentials/usage.html", context)


@require_http_methods(["GET", "POST"])
@access.owner_required
def policies(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The owner's cap on credential lifetime and the unused period after which credentials are disabled."""
    form = policy_form(membership.account, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.set_credential_policies(
                owner=membership, context=AuditContext.from_request(request), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Credential policies saved. They apply to this account from now on.")
            return redirect("credentials:policies")
    context = {"tab": "policies", "form": form, "account": membership.account}
    return render(request, "credentials/policies.html", context, status=400 if form.errors else 200)
