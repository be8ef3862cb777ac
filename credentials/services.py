"""Business rules for credentials, used by the portal, the API and the admin alike."""

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import apnumber
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone

from accounts import audit
from accounts.audit import AuditContext
from accounts.models import MAX_POLICY_DAYS, MIN_POLICY_DAYS, Account, Membership, User
from config.links import absolute_url
from credentials import allowlist, keys, lineage, models, regions, usage
from credentials.access import own_credential_or_404
from credentials.federation import revocations
from credentials.lineage import Ceiling
from credentials.models import EXPIRY_CHOICES, MAX_CREDENTIALS, SLOTS, Credential, RevokedToken
from credentials.scopes import DEFAULT_PERMISSIONS, SCOPES, levels_from_permissions, permissions_from_levels

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 63
NAME_PATTERN = re.compile(rf"[A-Za-z0-9-]{{1,{NAME_MAX_LENGTH}}}")
NAME_RULES = (
    f"1 to {NAME_MAX_LENGTH} characters",
    "letters, digits and - only",
    "unique among your credentials in this account",
)
NAME_HELP = f"{NAME_RULES[0]}: {NAME_RULES[1]}; {NAME_RULES[2]}."
TAKES_EFFECT = (
    "It stopped working immediately: the next request with it, or with any access token made from it, is refused."
)
ROTATION_HELP = (
    "You may hold two credentials so that you can rotate without downtime: generate the successor, "
    "switch your programs to it, then delete the old one."
)


class _Default:
    """An argument left out: the root's default, or for a bearer caller its own restriction."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()


@dataclass(frozen=True)
class CredentialQuota:
    """A member's credentials against the limit, and every sentence the portal and the API say about it."""

    limit: int
    used: int
    delete_first = "Delete one before you generate another."

    @property
    def at_limit(self) -> bool:
        return self.used >= self.limit

    @property
    def _credentials(self) -> str:
        return f"{apnumber(self.limit)} credential{pluralize(self.limit)}"

    @property
    def maximum(self) -> str:
        return f"You can create a maximum of {self._credentials}."

    @property
    def held(self) -> str:
        return f"You have {self.used} of {self.limit}."

    @property
    def reached(self) -> str:
        return f"{self.maximum} {self.delete_first}"

    @property
    def full(self) -> str:
        """Without the final punctuation, which differs from page to page."""
        return f"You already have {self._credentials}, the limit"


def credential_quota(membership: Membership) -> CredentialQuota:
    """What the UI says about the limit; the slots in the database are what enforce it.

    The limit is read when called, so the words follow models.MAX_CREDENTIALS wherever it is set."""
    return CredentialQuota(limit=models.MAX_CREDENTIALS, used=Credential.objects.for_member(membership).count())


class CredentialLimitReached(Exception):
    def __init__(self, quota: CredentialQuota) -> None:
        super().__init__(quota.reached)


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Enter a secret name."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"The secret name can have at most {NAME_MAX_LENGTH} characters."})
    if not NAME_PATTERN.fullmatch(name):
        raise ValidationError({"name": "Use only letters, digits and - in the secret name."})
    return name


def _name_taken(membership: Membership, name: str) -> bool:
    return Credential.objects.for_member(membership).filter(name__iexact=name).exists()


def _name_taken_error(name: str) -> ValidationError:
    return ValidationError({"name": f"You already have a credential named {name}. Choose another name."})


def _record_own(
    membership: Membership, action: str, credential: Credential, context: AuditContext | None, detail: str = ""
) -> None:
    """An Activity entry for something a member did to their own credential."""
    target = f"{credential.name} ({credential.client_id})" + (f"; {detail}" if detail else "")
    audit.record(account=membership.account, actor=membership.user, action=action, target=target, context=context)


def list_credentials(membership: Membership):
    """A signed-in member's credentials; what a bearer caller may see is lineage.reachable()."""
    return Credential.objects.for_member(membership)


def clean_permissions(wanted) -> list[str]:
    wanted = sorted(set(wanted or ()))
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown:
        raise ValidationError(
            {"permissions": f"Unknown permission {', '.join(unknown)}. Choose from {', '.join(sorted(SCOPES))}."}
        )
    if not wanted:
        raise ValidationError({"permissions": "Give the credential at least one permission."})
    return wanted


def clean_allowed_ips_mode(mode: str) -> str:
    if mode not in allowlist.MODES:
        raise ValidationError({"allowed_ips_mode": f"Choose {' or '.join(allowlist.MODES)}."})
    return mode


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


def _resolve_choices(account: Account, ceiling: Ceiling | None, now: datetime, **given) -> dict:
    """Validated choices; what was left out is the root's default, or the bearer caller's own restriction."""
    caller = ceiling.credential if ceiling else None

    def pick(field: str, root_default, own):
        value = given[field]
        if value is not DEFAULT:
            return value
        return own if caller is not None else root_default

    own_scopes = sorted(ceiling.scopes) if ceiling else None
    choices: dict[str, Any] = {
        "permissions": clean_permissions(pick("permissions", DEFAULT_PERMISSIONS, own_scopes)),
        "regions": clean_regions(pick("regions", [], caller and caller.regions)),
        "allowed_ips": allowlist.clean_networks(pick("allowed_ips", [], caller and caller.allowed_ips)),
        "allowed_ips_mode": clean_allowed_ips_mode(
            pick("allowed_ips_mode", allowlist.ENFORCE, caller and caller.allowed_ips_mode)
        ),
    }
    days = given["expires_in_days"]
    if days is DEFAULT and caller is not None and caller.expires_at is not None:
        cap = account.credential_max_lifetime_days
        choices["expires_at"] = caller.expires_at if cap is None else min(caller.expires_at, now + timedelta(days=cap))
    else:
        days = clean_expiry(account, default_expiry(account) if days is DEFAULT else days)
        choices["expires_at"] = now + timedelta(days=days) if days is not None else None
    if ceiling is not None:
        lineage.check(ceiling, **choices)
    return choices


def _describe_choices(credential: Credential) -> str:
    details = [f"permissions {', '.join(credential.permissions)}"]
    details.append(f"regions {', '.join(credential.regions)}" if credential.regions else "all regions")
    details.append(f"expires {credential.expires_at:%Y-%m-%d %H:%M} UTC" if credential.expires_at else "never expires")
    if credential.allowed_ips:
        details.append(f"source addresses {', '.join(credential.allowed_ips)} ({credential.allowed_ips_mode})")
    if credential.parent is not None:
        details.append(f"created by {credential.parent}")
    return "; ".join(details)


@transaction.atomic
def generate_credential(
    *,
    membership: Membership,
    name: str,
    regions=DEFAULT,
    expires_in_days=DEFAULT,
    permissions=DEFAULT,
    allowed_ips=DEFAULT,
    allowed_ips_mode=DEFAULT,
    ceiling: Ceiling | None = None,
    context: AuditContext | None = None,
) -> tuple[Credential, str]:
    """Create a credential and return its secret, the only time the secret exists in plain text.

    A signed-in member is the root and chooses freely within the account's rules. A bearer
    caller passes its `ceiling`: the new credential is its child and can be no broader than it
    (BroaderThanCaller otherwise), and what it leaves out is its own restriction, not "everything".

    Concurrent requests race for the two slots; the loser of each race sees the unique
    violation, looks again, and ends with the limit error once both slots are taken.
    """
    name = clean_name(name)
    if ceiling is not None:
        lineage.lock_usable_parent(ceiling.credential)
    created_at = timezone.now()
    choices = _resolve_choices(
        membership.account,
        ceiling,
        created_at,
        regions=regions,
        expires_in_days=expires_in_days,
        permissions=permissions,
        allowed_ips=allowed_ips,
        allowed_ips_mode=allowed_ips_mode,
    )
    for _attempt in range(MAX_CREDENTIALS + 1):
        if _name_taken(membership, name):
            raise _name_taken_error(name)
        used = set(Credential.objects.for_member(membership).values_list("slot", flat=True))
        free = [slot for slot in SLOTS if slot not in used]
        if not free:
            raise CredentialLimitReached(credential_quota(membership))
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
                    created_at=created_at,
                    parent=ceiling.credential if ceiling else None,
                    **choices,
                )
        except IntegrityError:
            continue
        _record_own(membership, "credential.created", credential, context, detail=_describe_choices(credential))
        return credential, secret
    raise CredentialLimitReached(credential_quota(membership))


def _remove_with_descendants(credential: Credential) -> list[Credential]:
    """Delete a credential and everything made with it, in one statement; they stop working at once."""
    family = [credential, *lineage.lock_descendants(credential)]
    Credential.objects.filter(pk__in=[member.pk for member in family]).delete()
    revoked_at = timezone.now()
    for member in family:
        member.revoked_at = revoked_at
    credential.descendants = family[1:]
    return family


def _went_with(credential: Credential, root: Credential) -> str:
    return "" if credential is root else f"with {root.name} ({root.client_id}), which it was made with"


@transaction.atomic
def delete_credential(
    *,
    membership: Membership,
    client_id: str,
    confirm_name: str | None = None,
    bearer: Credential | None = None,
    context: AuditContext | None = None,
) -> Credential:
    """Delete one of the member's own credentials and its descendants; they stop working at once.

    The portal passes the name the user typed, which must match exactly; the API passes None,
    since an explicit DELETE of the client ID is its own confirmation. A bearer caller reaches
    only its own credential and its descendants.
    """
    credential = own_credential_or_404(membership, client_id, bearer=bearer)
    if confirm_name is not None and confirm_name.strip() != credential.name:
        raise ValidationError({"name": f"Type the secret name {credential.name} exactly to confirm."})
    for gone in _remove_with_descendants(credential):
        _record_own(membership, "credential.deleted", gone, context, detail=_went_with(gone, credential))
    return credential


@transaction.atomic
def revoke_own_secret(*, credential: Credential, context: AuditContext | None = None) -> Credential:
    """RFC 7009 with the client secret itself as the token: as Delete does, descendants included."""
    for gone in _remove_with_descendants(credential):
        detail = _went_with(gone, credential) or "its client secret was revoked at the revocation endpoint"
        _record_own(credential.membership, "credential.deleted", gone, context, detail=detail)
    return credential


@transaction.atomic
def revoke_access_token(
    *, credential: Credential, jti: str, expires_at: datetime, context: AuditContext | None = None
) -> None:
    """RFC 7009 for one of the client's access tokens: its jti stays listed until the token would
    have expired anyway. Revoking it again changes nothing and logs nothing."""
    _, created = RevokedToken.objects.get_or_create(jti=jti, defaults={"expires_at": expires_at})
    if created:
        revocations.publish_token(jti)
        audit.record(
            account=credential.membership.account,
            actor=credential.membership.user,
            action="token.revoked",
            target=f"{credential.name} ({credential.client_id}) jti={jti}",
            context=context,
        )


def record_token_issued(*, credential: Credential, scope: str, context: AuditContext | None = None) -> None:
    """Every access token issued shows in Activity, with the scope it carries."""
    audit.record(
        account=credential.membership.account,
        actor=credential.membership.user,
        action="token.issued",
        target=f"{credential.name} ({credential.client_id}) scope={scope}",
        context=context,
    )


def record_failed_client_authentication(*, client_id: str, context: AuditContext) -> None:
    """A wrong secret for a real client shows in its usage every time, and in Activity at most once
    a minute per client, so a guessing attacker cannot flood the log. Anything that is not a
    well-formed client ID (perhaps a secret pasted in the wrong field) is not looked up."""
    if not keys.CLIENT_ID_PATTERN.fullmatch(client_id):
        return
    credential = Credential.objects.select_related("membership__account").filter(client_id=client_id).first()
    if credential is None:
        return
    usage.record_failure(credential.pk, None, context.actor_address, "Wrong client secret at the token endpoint.")
    if cache.add(f"auth-failure-logged:{client_id}", 1, timeout=60):
        audit.record(
            account=credential.membership.account,
            actor=None,
            action="client.authentication_failed",
            target=f"{credential.name} ({client_id}); repeats within a minute are not listed",
            subject=credential.membership.user,
            context=context,
        )


@transaction.atomic
def revoke_credential(
    *,
    by: User | None,
    credential: Credential,
    context: AuditContext | None = None,
    action: str = "credential.revoked",
    why: str = "",
    email_member: bool = True,
) -> list[Credential]:
    """An owner, an operator or the leak response takes away someone's credential and its
    descendants; they stop working at once, and the member gets one email about all of them
    (the leak response sends its own, to the owner too)."""
    family = _remove_with_descendants(credential)
    member = credential.membership.user
    for gone in family:
        detail = "; ".join(part for part in (why, _went_with(gone, credential)) if part)
        audit.record(
            account=credential.membership.account,
            actor=by,
            action=action,
            target=f"{gone.name} ({gone.client_id}) of {member.email}" + (f"; {detail}" if detail else ""),
            subject=member,
            context=context,
        )
    if email_member and by != member:
        transaction.on_commit(lambda: _email_revoked(family))
    return family


def disable_credential(
    *, credential: Credential, by: User | None, reason: str, context: AuditContext | None = None
) -> list[Credential]:
    """Stop a credential and its descendants without deleting them; the member may enable them
    again. Returns those this call disabled (empty when all already were): the conditional UPDATE
    lets exactly one of several racing callers (cron on two hosts, a double click) write the
    audit event and send the email."""
    changed_now = []
    with transaction.atomic():
        now = timezone.now()
        member = credential.membership.user
        for target in [credential, *lineage.lock_descendants(credential)]:
            why = reason if target is credential else f"{reason} ({_went_with(target, credential)})"
            why = why[:200]
            changed = Credential.objects.filter(pk=target.pk, disabled_at__isnull=True).update(
                disabled_at=now, disabled_reason=why
            )
            if not changed:
                continue
            target.disabled_at, target.disabled_reason = now, why
            changed_now.append(target)
            audit.record(
                account=credential.membership.account,
                actor=by,
                action="credential.disabled",
                target=f"{target.name} ({target.client_id}) of {member.email}: {why}",
                subject=member,
                context=context,
            )
        revocations.publish_clients([target.client_id for target in changed_now])
        if changed_now and by != member:
            transaction.on_commit(lambda: _email_disabled(changed_now, reason))
    return changed_now


def enable_credential(
    *, membership: Membership, client_id: str, bearer: Credential | None = None, context: AuditContext | None = None
) -> Credential:
    """Only the credential's member turns it back on (a bearer caller only its descendants, since
    a disabled credential authenticates nothing); that restarts the unused clock."""
    with transaction.atomic():
        credential = own_credential_or_404(membership, client_id, bearer=bearer)
        if credential.disabled_at is None:
            return credential
        if credential.expires_at is not None and credential.expires_at <= timezone.now():
            raise ValidationError("This credential has expired, so it cannot be enabled. Generate a successor.")
        now = timezone.now()
        Credential.objects.filter(pk=credential.pk).update(disabled_at=None, disabled_reason="", enabled_at=now)
        credential.disabled_at, credential.disabled_reason, credential.enabled_at = None, "", now
        _record_own(membership, "credential.enabled", credential, context)
    return credential


@transaction.atomic
def set_credential_policies(
    *,
    owner: Membership,
    max_lifetime_days: int | None,
    disable_unused_after_days: int | None,
    operator: User | None = None,
    context: AuditContext | None = None,
) -> Account:
    """`operator` is a staff user acting for the owner in the admin; the activity log then names them."""
    for value, label in ((max_lifetime_days, "lifetime"), (disable_unused_after_days, "unused period")):
        if value is not None and not MIN_POLICY_DAYS <= value <= MAX_POLICY_DAYS:
            raise ValidationError(
                f"The {label} must be between {MIN_POLICY_DAYS} and {MAX_POLICY_DAYS} days, or empty."
            )
    account = owner.account
    account.credential_max_lifetime_days = max_lifetime_days
    account.disable_unused_credentials_after_days = disable_unused_after_days
    account.save(update_fields=["credential_max_lifetime_days", "disable_unused_credentials_after_days"])
    audit.record(
        account=account,
        actor=operator or owner.user,
        action="account.credential_policies_changed",
        target=account.credential_policies + (" (by an operator)" if operator else ""),
        context=context,
    )
    return account


def successor_name(credential: Credential) -> str:
    """deploy -> deploy-v2 -> deploy-v3, within the length a name may have (NAME_MAX_LENGTH)."""
    match = re.fullmatch(r"(.*)-v(\d+)", credential.name)
    base, number = (match.group(1), int(match.group(2)) + 1) if match else (credential.name, 2)
    suffix = f"-v{number}"
    return base[: NAME_MAX_LENGTH - len(suffix)] + suffix


def successor_defaults(credential: Credential, narrower: dict | None = None) -> dict:
    """What "Generate a successor" pre-fills: a new name, the same limits and a similar lifetime;
    with `narrower` (from narrower_choices), only the permissions and regions actually used."""
    account = credential.membership.account
    lifetime = default_expiry(account)
    if credential.expires_at is not None:
        days = (credential.expires_at - credential.created_at).days
        allowed = [choice for choice, _ in expiry_choices(account) if choice is not None]
        lifetime = min(allowed, key=lambda choice: abs(choice - days))
    return {
        "name": successor_name(credential),
        "regions": credential.regions,
        "expires_in_days": lifetime,
        "permissions": credential.permissions,
        "allowed_ips": credential.allowed_ips,
        "allowed_ips_mode": credential.allowed_ips_mode,
        **({key: narrower[key] for key in ("permissions", "regions")} if narrower else {}),
    }


def narrower_choices(credential: Credential, used: usage.UsedGrants) -> dict | None:
    """What a narrower successor would keep: the permissions and regions used in the last 30 days,
    or None when everything granted was used (or nothing was, which gives nothing to go by).

    Permissions are rounded up to the portal's choices (write comes with read) but never beyond
    what the credential has; `unused_permissions` and `unused_regions` say what would go. `used` is
    usage.used_grants(credential), which the caller usually shows too."""
    if not used.permissions:
        return None
    granted = set(credential.permissions)
    permissions = sorted(set(permissions_from_levels(levels_from_permissions(used.permissions))) & granted)
    allowed = set(credential.regions) or {slug for slug, _ in regions.available()}
    kept_regions = sorted(set(used.regions) & allowed) if used.regions else list(credential.regions)
    narrower_regions = bool(used.regions) and set(kept_regions) < allowed
    if set(permissions) == granted and not narrower_regions:
        return None
    return {
        "permissions": permissions,
        "regions": kept_regions if narrower_regions else list(credential.regions),
        "unused_permissions": sorted(granted - set(permissions)),
        "unused_regions": sorted(allowed - set(kept_regions)) if narrower_regions else [],
    }


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
        if days is None:  # excluded by the filter; for the type checker
            continue
        stale = (
            Credential.objects.filter(membership__account=account, disabled_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .alias(unused_since=unused_since())
            .filter(unused_since__lt=now - timedelta(days=days))
            .select_related("membership__user", "membership__account")
        )
        for unused in stale:
            disabled += len(disable_credential(credential=unused, by=None, reason=f"Unused for more than {days} days."))
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
                transaction.on_commit(functools.partial(_email_expiring, credential))
    return {"disabled": disabled, "reminded": reminded}


def _portal_url(name: str, **query: str) -> str:
    url = absolute_url(reverse(name))
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def _listed(family: list[Credential]) -> str:
    first, rest = family[0], family[1:]
    text = f"{first.name} ({first.client_id})"
    if rest:
        text += " and the credential(s) made with it: " + ", ".join(f"{c.name} ({c.client_id})" for c in rest)
    return text


def _email_member(family: list[Credential], subject: str, body: str) -> None:
    """One email about a credential and the descendants that went with it."""
    first = family[0]
    send_mail(
        subject=f"Your credential {first.name} was {subject}",
        message=f"Your credential {_listed(family)} in account {first.membership.account} was {body}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[first.membership.user.email],
    )


def _email_disabled(family: list[Credential], reason: str) -> None:
    _email_member(
        family,
        "disabled",
        f"disabled: {reason}\n\nIt stopped working immediately, and so did every access token made with it. "
        f"If you still need it, enable it again in Account Settings > Credentials: "
        f"{_portal_url('credentials:list')}\nOtherwise delete it.",
    )


def _email_revoked(family: list[Credential]) -> None:
    _email_member(
        family,
        "revoked",
        f"revoked by the account owner or an operator.\n\n{TAKES_EFFECT} Generate a new credential in Account "
        f"Settings > Credentials if you still need one: {_portal_url('credentials:list')}",
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
