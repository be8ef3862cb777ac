import secrets
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import access
from accounts.models import Membership
from credentials import services
from credentials.access import account_credential_or_404, own_credential_or_404
from credentials.forms import DeleteCredentialForm, GenerateCredentialForm
from credentials.models import MAX_CREDENTIALS, Credential

RECENT_USE = timedelta(days=7)
NONCES = "credential_form_nonces"


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


@require_GET
@access.member_required
def credentials_tab(request: HttpRequest, membership: Membership) -> HttpResponse:
    own = list(services.list_credentials(membership))
    others = (
        Credential.objects.for_account(membership.account)
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
        "at_limit": len(own) >= MAX_CREDENTIALS,
        "recently": timezone.now() - RECENT_USE,
    }
    return render(request, "credentials/list.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@access.member_required
def generate(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method == "GET":
        if services.list_credentials(membership).count() >= MAX_CREDENTIALS:
            messages.error(request, f"{services.LIMIT_MESSAGE} Delete one before you generate another.")
            return redirect("credentials:list")
        context = {"tab": "credentials", "form": GenerateCredentialForm(), "nonce": issue_nonce(request)}
        return render(request, "credentials/generate.html", context)
    form = GenerateCredentialForm(request.POST)
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
                membership=membership, name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        except services.CredentialLimitReached as error:
            messages.error(request, str(error))
            return redirect("credentials:list")
        else:
            context = {"tab": "credentials", "credential": credential, "secret": secret}
            return render(request, "credentials/created.html", context)
    context = {"tab": "credentials", "form": form, "nonce": issue_nonce(request)}
    return render(request, "credentials/generate.html", context, status=400)


@require_http_methods(["GET", "POST"])
@access.member_required
def delete(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    credential = own_credential_or_404(membership, client_id)
    form = DeleteCredentialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_credential(
                membership=membership, client_id=client_id, confirm_name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"Credential {credential.name} was deleted. "
                "It stopped working immediately for every request and token.",
            )
            return redirect("credentials:list")
    context = {"tab": "credentials", "credential": credential, "form": form, "recently": timezone.now() - RECENT_USE}
    return render(request, "credentials/delete.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@access.owner_required
def revoke(request: HttpRequest, membership: Membership, client_id: str) -> HttpResponse:
    credential = account_credential_or_404(membership, client_id)
    if request.method == "POST":
        services.revoke_credential(by=request.user, credential=credential, request=request)
        messages.success(
            request,
            f"Credential {credential.name} of {credential.membership.user.email} was revoked. "
            "It stopped working immediately for every request and token.",
        )
        return redirect("credentials:list")
    return render(request, "credentials/revoke.html", {"tab": "credentials", "credential": credential})
