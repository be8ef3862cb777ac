"""Business rules for credentials, used by the portal, the API and the admin alike."""

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.models import Account, Membership, User
from credentials import keys, regions
from credentials.access import own_credential_or_404
from credentials.models import EXPIRY_CHOICES, MAX_CREDENTIALS, SLOTS, Credential

logger = logging.getLogger(__name__)

NAME_PATTERN = re.compile(r"[A-Za-z0-9-]{1,63}")
NAME_RULES = "1 to 63 characters: letters, digits and - only; unique among your credentials in this account."
LIMIT_MESSAGE = "You can create a maximum of two credentials."
TAKES_EFFECT = (
    "It stopped working immediately: the next request with it, or with any access token made from it, is refused."
)
ROTATION_HELP = (
    "You may hold two credentials so that you can rotate without downtime: generate the successor, "
    "switch your programs to it, then delete the old one."
)


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


def _record_own(membership: Membership, action: str, credential: Credential, request, detail: str = "") -> None:
    """An Activity entry for something a member did to their own credential."""
    target = f"{credential.name} ({credential.client_id})" + (f"; {detail}" if detail else "")
    audit.record(account=membership.account, actor=membership.user, action=action, target=target, request=request)


def list_credentials(membership: Membership):
    return Credential.objects.for_member(membership)


def expiry_choices(account: Account) -> list[tuple[int | None, str]]:
    """The lifetimes a member may choose; an owner's cap removes "never" and adds the cap itself."""
    cap = account.credential_max_lifetime_days
    if cap is None:
        return list(EXPIRY_CHOICES)
    choices = [(days, label) for days, label in EXPIRY_CHOICES if days is not None and days < cap]
    return [*choices, (cap, f"{cap} days (the account's limit)")]


def default_expiry(account: Account) -> int | None:
    return account.credential_max_lifetime_days


def clean_expiry(account: Account, days: int | None) -> int | None:
    allowed = [choice for choice, _ in expiry_choices(account)]
    if days not in allowed:
        cap = account.credential_max_lifetime_days
        if cap is not None and (days is None or days > cap):
            raise ValidationError(
                {"expires_in_days": f"The account owner allows credentials to live at most {cap} days."}
            )
        named = ", ".join("never" if choice is None else str(choice) for choice in allowed)
        raise ValidationError({"expires_in_days": f"Choose one of: {named}."})
    return days


def clean_regions(wanted) -> list[str]:
    """Sorted, without repeats; empty means every region, including regions added later."""
    wanted = sorted(set(wanted or ()))
    known = {slug for slug, _ in regions.available()}
    unknown = [slug for slug in wanted if slug not in known]
    if unknown:
        raise ValidationError(
            {"regions": f"Unknown region {', '.join(unknown)}. Choose from {', '.join(sorted(known))}."}
        )
    return wanted


@transaction.atomic
def generate_credential(
    *,
    membership: Membership,
    name: str,
    regions: list[str] | None = None,
    expires_in_days: int | None = None,
    request: HttpRequest | None = None,
) -> tuple[Credential, str]:
    """Create a credential and return its secret, the only time the secret exists in plain text.

    Concurrent requests race for the two slots; the loser of each race sees the unique
    violation, looks again, and ends with the limit error once both slots are taken.
    """
    name = clean_name(name)
    allowed_regions = clean_regions(regions)
    days = clean_expiry(membership.account, expires_in_days)
    created_at = timezone.now()
    expires_at = created_at + timedelta(days=days) if days is not None else None
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
                    regions=allowed_regions,
                    created_at=created_at,
                    expires_at=expires_at,
                )
        except IntegrityError:
            continue
        details = [f"regions {', '.join(allowed_regions)}" if allowed_regions else "all regions"]
        details.append(f"expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else "never expires")
        _record_own(membership, "credential.created", credential, request, detail="; ".join(details))
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
    credential.revoked_at = timezone.now()
    _record_own(membership, "credential.deleted", credential, request)
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


def disable_credential(
    *, credential: Credential, by: User | None, reason: str, request: HttpRequest | None = None
) -> bool:
    """Stop a credential without deleting it; its member may enable it again. Returns False when
    it was already disabled: the conditional UPDATE lets exactly one of several racing callers
    (cron on two hosts, a double click) write the audit event and send the email."""
    with transaction.atomic():
        now = timezone.now()
        changed = Credential.objects.filter(pk=credential.pk, disabled_at__isnull=True).update(
            disabled_at=now, disabled_reason=reason[:200]
        )
        if not changed:
            return False
        credential.disabled_at, credential.disabled_reason = now, reason[:200]
        member = credential.membership.user
        audit.record(
            account=credential.membership.account,
            actor=by,
            action="credential.disabled",
            target=f"{credential.name} ({credential.client_id}) of {member.email}: {reason}",
            subject=member,
            request=request,
        )
        if by != member:
            transaction.on_commit(lambda: _email_disabled(credential, reason))
    return True


def enable_credential(*, membership: Membership, client_id: str, request: HttpRequest | None = None) -> Credential:
    """Only the credential's member turns it back on; that restarts the unused clock."""
    with transaction.atomic():
        credential = own_credential_or_404(membership, client_id)
        if credential.disabled_at is None:
            return credential
        if credential.expires_at is not None and credential.expires_at <= timezone.now():
            raise ValidationError("This credential has expired, so it cannot be enabled. Generate a successor.")
        now = timezone.now()
        Credential.objects.filter(pk=credential.pk).update(disabled_at=None, disabled_reason="", enabled_at=now)
        credential.disabled_at, credential.disabled_reason, credential.enabled_at = None, "", now
        _record_own(membership, "credential.enabled", credential, request)
    return credential


@transaction.atomic
def set_credential_policies(
    *,
    owner: Membership,
    max_lifetime_days: int | None,
    disable_unused_after_days: int | None,
    request: HttpRequest | None = None,
) -> Account:
    for value, label in ((max_lifetime_days, "lifetime"), (disable_unused_after_days, "unused period")):
        if value is not None and not 1 <= value <= 3650:
            raise ValidationError(f"The {label} must be between 1 and 3650 days, or empty.")
    account = owner.account
    account.credential_max_lifetime_days = max_lifetime_days
    account.disable_unused_credentials_after_days = disable_unused_after_days
    account.save(update_fields=["credential_max_lifetime_days", "disable_unused_credentials_after_days"])
    audit.record(
        account=account,
        actor=owner.user,
        action="account.credential_policies_changed",
        target=account.credential_policies,
        request=request,
    )
    return account


def successor_defaults(credential: Credential) -> dict:
    """What "Generate a successor" pre-fills: a new name, the same regions and a similar lifetime."""
    match = re.fullmatch(r"(.*)-v(\d+)", credential.name)
    base, number = (match.group(1), int(match.group(2)) + 1) if match else (credential.name, 2)
    suffix = f"-v{number}"
    account = credential.membership.account
    lifetime = default_expiry(account)
    if credential.expires_at is not None:
        days = (credential.expires_at - credential.created_at).days
        allowed = [choice for choice, _ in expiry_choices(account) if choice is not None]
        lifetime = min(allowed, key=lambda choice: abs(choice - days))
    return {"name": base[: 63 - len(suffix)] + suffix, "regions": credential.regions, "expires_in_days": lifetime}


def expiring_soon(membership: Membership, now: datetime | None = None):
    now = now or timezone.now()
    notice = now + timedelta(days=settings.CREDENTIAL_EXPIRY_NOTICE_DAYS)
    return list_credentials(membership).filter(disabled_at__isnull=True, expires_at__gt=now, expires_at__lte=notice)


def unused_since():
    return Greatest(
        F("created_at"), Coalesce(F("last_used_at"), F("created_at")), Coalesce(F("enabled_at"), F("created_at"))
    )


def enforce_credential_policies(now: datetime | None = None) -> dict[str, int]:
    """Disable credentials unused longer than their account allows and send expiry reminders.

    Idempotent and safe to run on several hosts at once: every change is a conditional UPDATE,
    and only the caller whose UPDATE changed the row writes the audit event and sends the email.
    """
    now = now or timezone.now()
    disabled = 0
    for account in Account.objects.filter(disable_unused_credentials_after_days__isnull=False):
        days = account.disable_unused_credentials_after_days
        stale = (
            Credential.objects.filter(membership__account=account, disabled_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .alias(unused_since=unused_since())
            .filter(unused_since__lt=now - timedelta(days=days))
            .select_related("membership__user", "membership__account")
        )
        for credential in stale:
            if disable_credential(credential=credential, by=None, reason=f"Unused for more than {days} days."):
                disabled += 1
    reminded = 0
    notice = now + timedelta(days=settings.CREDENTIAL_EXPIRY_NOTICE_DAYS)
    due = Credential.objects.filter(
        disabled_at__isnull=True, expiry_reminder_sent_at__isnull=True, expires_at__gt=now, expires_at__lte=notice
    ).select_related("membership__user", "membership__account")
    for credential in due:
        with transaction.atomic():
            claimed = Credential.objects.filter(pk=credential.pk, expiry_reminder_sent_at__isnull=True).update(
                expiry_reminder_sent_at=now
            )
            if claimed:
                reminded += 1
                transaction.on_commit(lambda credential=credential: _email_expiring(credential))
    return {"disabled": disabled, "reminded": reminded}


def _portal_url(name: str, **query: str) -> str:
    url = settings.OAUTH_ISSUER + reverse(name)
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def _email_disabled(credential: Credential, reason: str) -> None:
    member = credential.membership.user
    send_mail(
        subject=f"Your credential {credential.name} was disabled",
        message=(
            f"Your credential {credential.name} ({credential.client_id}) in account {credential.membership.account} "
            f"was disabled: {reason}\n\nIt stopped working immediately, and so did every access token made with "
            f"it. If you still need it, enable it again in Account Settings > Credentials: "
            f"{_portal_url('credentials:list')}\nOtherwise delete it."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[member.email],
    )


def _email_expiring(credential: Credential) -> None:
    member = credential.membership.user
    send_mail(
        subject=f"Your credential {credential.name} expires on {credential.expires_at:%Y-%m-%d}",
        message=(
            f"Your credential {credential.name} ({credential.client_id}) in account {credential.membership.account} "
            f"expires at {credential.expires_at:%Y-%m-%d %H:%M} UTC and then stops working at once.\n\n"
            f"Generate its successor now (the name and regions are filled in for you): "
            f"{_portal_url('credentials:generate', successor=credential.client_id)}\n\n{ROTATION_HELP}"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[member.email],
    )
