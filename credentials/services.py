"""Business rules for credentials, used by the portal, the API and the admin alike."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts import audit
from accounts.models import Membership, User
from credentials import keys
from credentials.access import own_credential_or_404
from credentials.models import MAX_CREDENTIALS, SLOTS, Credential

NAME_PATTERN = re.compile(r"[A-Za-z0-9-]{1,63}")
NAME_RULES = "1 to 63 characters: letters, digits and - only; unique among your credentials in this account."
LIMIT_MESSAGE = "You can create a maximum of two credentials."


class CredentialLimitReached(Exception):
    def __init__(self) -> None:
        super().__init__(f"{LIMIT_MESSAGE} Delete one before you generate another.")


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a secret name."})
    if len(name) > 63:
        raise ValidationError({"name": "The secret name can have at most 63 characters."})
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationError({"name": "Use only letters, digits and - in the secret name."})
    return name


def _name_taken(membership: Membership, name: str) -> bool:
    return Credential.objects.for_member(membership).filter(name__iexact=name).exists()


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError({"name": f"You already have a credential named {name}. Choose another name."})


def list_credentials(membership: Membership):
    return Credential.objects.for_member(membership)


@transaction.atomic
def generate_credential(
    *, membership: Membership, name: str, request: HttpRequest | None = None
) -> tuple[Credential, str]:
    """Create a credential and return its secret, the only time the secret exists in plain text.

    Concurrent requests race for the two slots; the loser of each race sees the unique
    violation, looks again, and ends with the limit error once both slots are taken.
    """
    name = clean_name(name)
    for _attempt in range(MAX_CREDENTIALS + 1):
        if _name_taken(membership, name):
            raise _name_taken_error(name)
        used = set(Credential.objects.for_member(membership).values_list("slot", flat=True))
        free = [slot for slot in SLOTS if slot not in used]
        if not free:
            raise CredentialLimitReached()
        secret = keys.new_secret()
        try:
            with transaction.atomic():
                credential = Credential.objects.create(
                    membership=membership,
                    slot=free[0],
                    name=name,
                    client_id=keys.new_client_id(),
                    secret_digest=keys.digest(secret),
                    secret_hint=keys.hint(secret),
                )
        except IntegrityError:
            continue
        audit.record(
            account=membership.account,
            actor=membership.user,
            action="credential.created",
            target=f"{credential.name} ({credential.client_id})",
            request=request,
        )
        return credential, secret
    raise CredentialLimitReached()


@transaction.atomic
def delete_credential(
    *,
    membership: Membership,
    client_id: str,
    confirm_name: str | None = None,
    request: HttpRequest | None = None,
) -> Credential:
    """Delete one of the member's own credentials; it stops working at once.

    The portal passes the name the user typed, which must match exactly; the API passes None,
    since an explicit DELETE of the client ID is its own confirmation.
    """
    credential = own_credential_or_404(membership, client_id)
    if confirm_name is not None and confirm_name.strip() != credential.name:
        raise ValidationError({"name": f"Type the secret name {credential.name} exactly to confirm."})
    credential.delete()
    audit.record(
        account=membership.account,
        actor=membership.user,
        action="credential.deleted",
        target=f"{credential.name} ({credential.client_id})",
        request=request,
    )
    return credential


@transaction.atomic
def revoke_credential(*, by: User, credential: Credential, request: HttpRequest | None = None) -> None:
    """An owner (or an operator in the admin) takes away someone's credential; it stops working at once."""
    credential.delete()
    audit.record(
        account=credential.membership.account,
        actor=by,
        action="credential.revoked",
        target=f"{credential.name} ({credential.client_id}) of {credential.membership.user.email}",
        subject=credential.membership.user,
        request=request,
    )
