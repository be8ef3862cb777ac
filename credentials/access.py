"""Turning "this member, this client ID" into a credential they may act on, or a 404."""

from django.http import Http404

from accounts.models import Membership
from credentials import lineage
from credentials.models import Credential


def own_credential_or_404(membership: Membership, client_id: str, *, bearer: Credential | None = None) -> Credential:
    """One of the member's credentials; for a bearer caller (`bearer`: its credential) only that
    one and those made with it: its parent and siblings answer 404, as if they did not exist."""
    for credential in lineage.reachable(membership, bearer):
        if credential.client_id == client_id:
            return credential
    raise Http404("No such credential.")


def visible_credential_or_404(
    membership: Membership, client_id: str, *, bearer: Credential | None = None
) -> Credential:
    """What a member may look at (usage): an owner any credential of the account, others their
    own; a bearer caller, even an owner's, only its own credential and its descendants."""
    if membership.is_owner and bearer is None:
        return account_credential_or_404(membership, client_id)
    return own_credential_or_404(membership, client_id, bearer=bearer)


def account_credential_or_404(owner: Membership, client_id: str) -> Credential:
    """Any member's credential in the owner's account; the caller has checked the owner role."""
    credential = Credential.objects.for_account(owner.account).filter(client_id=client_id).first()
    if credential is None:
        raise Http404("No such credential.")
    return credential
