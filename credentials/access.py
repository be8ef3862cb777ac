"""Turning "this member, this client ID" into a credential they may act on, or a 404."""

from django.http import Http404

from accounts.models import Membership
from credentials.models import Credential


def own_credential_or_404(membership: Membership, client_id: str) -> Credential:
    credential = Credential.objects.for_member(membership).filter(client_id=client_id).first()
    if credential is None:
        raise Http404("No such credential.")
    return credential


def visible_credential_or_404(membership: Membership, client_id: str) -> Credential:
    """What a member may look at (usage): an owner any credential of the account, others their own."""
    find = account_credential_or_404 if membership.is_owner else own_credential_or_404
    return find(membership, client_id)


def account_credential_or_404(owner: Membership, client_id: str) -> Credential:
    """Any member's credential in the owner's account; the caller has checked the owner role."""
    credential = Credential.objects.for_account(owner.account).filter(client_id=client_id).first()
    if credential is None:
        raise Http404("No such credential.")
    return credential
