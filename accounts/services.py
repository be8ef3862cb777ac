"""Business rules for accounts, memberships and invitations. Every write goes through here."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.audit import AuditContext
from accounts.models import Account, Invitation, Membership, Role, User
from config.links import absolute_url

MAX_INVITATION_DAYS = 90


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def require_owner(membership: Membership) -> None:
    if not membership.is_owner:
        raise PermissionDenied("Only the account owner can do this.")


@transaction.atomic
def open_account(*, owner: User, name: str = "") -> Account:
    """Create a new account with `owner` as its only owner (every new user gets one)."""
    account = Account.objects.create(name=name or f"{owner.email.split('@')[0]}'s account")
    Membership.objects.create(user=owner, account=account, role=Role.OWNER)
    audit.record(account=account, actor=owner, action="account.created", target=account.cloud_account_id)
    return account


def _send_invitation(invitation: Invitation, token: str) -> None:
    url = absolute_url(reverse("accounts:accept_invitation", args=[token]))
    send_mail(
        subject=f"You are invited to {invitation.account.name}",
        message=render_to_string("accounts/email/invitation.txt", {"invitation": invitation, "url": url}),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def _validate_expiry(expires_on: date) -> None:
    today = timezone.localdate()
    if expires_on <= today:
        raise ValidationError({"expires_on": "The expiry date must be in the future."})
    if expires_on > today + timedelta(days=MAX_INVITATION_DAYS):
        raise ValidationError({"expires_on": f"An invitation can stay open for at most {MAX_INVITATION_DAYS} days."})


@transaction.atomic
def invite_member(
    *,
    by: Membership,
    email: str,
    expires_on: date,
    note: str = "",
    context: AuditContext | None = None,
) -> Invitation:
    """Invite a person by email; they join as a member when they accept before `expires_on`."""
    require_owner(by)
    email = User.objects.normalize_email(email.strip()).lower()
    _validate_expiry(expires_on)
    account = by.account
    if Membership.objects.for_account(account).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of this account."})
    if Invitation.objects.for_account(account).pending().filter(email__iexact=email).exists():
        raise ValidationError({"email": f"{email} already has a pending invitation. Resend it instead."})
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                account=account,
                email=email,
                token_digest=token_digest(token),
                note=note.strip(),
                expires_on=expires_on,
                invited_by=by.user,
            )
    except IntegrityError:
        raise ValidationError({"email": f"{email} already has a pending invitation. Resend it instead."}) from None
    audit.record(account=account, actor=by.user, action="invitation.sent", target=email, context=context)
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def resend_invitation(*, by: Membership, invitation: Invitation, context: AuditContext | None = None) -> Invitation:
    """Email a fresh link; the old one stops working. An expired invitation gets a new expiry."""
    require_owner(by)
    token = secrets.token_urlsafe(32)
    invitation.token_digest = token_digest(token)
    invitation.sent_at = timezone.now()
    if invitation.is_expired:
        invitation.expires_on = timezone.localdate() + timedelta(days=settings.INVITATION_DEFAULT_DAYS)
    invitation.save(update_fields=["token_digest", "sent_at", "expires_on"])
    audit.record(
        account=by.account, actor=by.user, action="invitation.resent", target=invitation.email, context=context
    )
    _send_invitation(invitation, token)
    return invitation


@transaction.atomic
def cancel_invitation(*, by: Membership, invitation: Invitation, context: AuditContext | None = None) -> None:
    require_owner(by)
    invitation.delete()
    audit.record(
        account=by.account, actor=by.user, action="invitation.removed", target=invitation.email, context=context
    )


def find_invitation(token: str) -> Invitation | None:
    return Invitation.objects.select_related("account").filter(token_digest=token_digest(token)).first()


@dataclass(frozen=True)
class InvitationProblem:
    """Why a user cannot accept an invitation, in words for them. `address_to_confirm` is set when
    confirming that address of theirs is all that is missing."""

    message: str
    address_to_confirm: str = ""


class InvitationRefused(ValidationError):
    """Carries the problem, so that the invitation page can still offer what would clear it."""

    def __init__(self, problem: InvitationProblem):
        super().__init__(problem.message)
        self.problem = problem


def closed_invitation_problem(invitation: Invitation | None) -> InvitationProblem | None:
    """Why nobody at all can accept this invitation (unknown, used or expired); None while it is open."""
    if invitation is None:
        return InvitationProblem("This invitation link is not valid. Ask the account owner to send a new one.")
    if invitation.accepted_at is not None:
        return InvitationProblem("This invitation has already been used.")
    if invitation.is_expired:
        return InvitationProblem("This invitation has expired. Ask the account owner to resend it.")
    return None


def invitation_problem(invitation: Invitation | None, user: User) -> InvitationProblem | None:
    """None when this user can accept: the invitation is open and sent to a confirmed address of theirs,
    so that only whoever reads that mailbox can join."""
    if closed := closed_invitation_problem(invitation):
        return closed
    assert invitation is not None  # noqa: S101 (closed_invitation_problem refuses a missing one)
    address = EmailAddress.objects.filter(user=user, email__iexact=invitation.email).first()
    if address is None and invitation.email.lower() != user.email.lower():
        return InvitationProblem(
            "This invitation was sent to a different email address. "
            "Sign in with the address that received it to accept, or add that address to your account."
        )
    if Membership.objects.filter(user=user, account_id=invitation.account_id).exists():
        return InvitationProblem("You are already a member of this account.")
    if address is None or not address.verified:
        return InvitationProblem(
            f"Confirm that {invitation.email} is your address before you accept: "
            "we email it a link, and the link brings you back to this invitation.",
            address_to_confirm=invitation.email,
        )
    return None


@transaction.atomic
def accept_invitation(*, user: User, token: str, context: AuditContext | None = None) -> Membership:
    """Join the inviting account; only from a confirmed invited address, once, before the expiry date."""
    invitation = Invitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    problem = invitation_problem(invitation, user)
    if problem:
        raise InvitationRefused(problem)
    assert invitation is not None  # noqa: S101 (invitation_problem refuses a missing one)
    membership = Membership.objects.create(user=user, account=invitation.account, role=Role.MEMBER)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(account=invitation.account, actor=user, action="member.joined", target=user.email, context=context)
    return membership


@transaction.atomic
def remove_member(
    *, by: Membership, member: Membership, operator: User | None = None, context: AuditContext | None = None
) -> None:
    """Revoke a member's access; their credentials go with the membership in this transaction.
    `operator` is a staff user acting for the owner `by` in the admin; the activity log then names them."""
    require_owner(by)
    if member.account_id != by.account_id:
        raise PermissionDenied("That member belongs to another account.")
    if member.is_owner:
        raise ValidationError("The account owner cannot be removed.")
    member.delete()
    audit.record(
        account=by.account,
        actor=operator or by.user,
        action="member.removed",
        target=member.user.email,
        subject=member.user,
        context=context,
    )


@transaction.atomic
def leave_account(*, membership: Membership, context: AuditContext | None = None) -> None:
    if membership.is_owner:
        raise ValidationError("The owner cannot leave their own account.")
    membership.delete()
    audit.record(
        account=membership.account,
        actor=membership.user,
        action="member.left",
        target=membership.user.email,
        context=context,
    )
