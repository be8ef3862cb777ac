"""Users, the accounts they belong to, invitations into them and the account activity log."""

import secrets
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Length, Lower
from django.utils import timezone

models.CharField.register_lookup(Length)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        from accounts.services import open_account

        user = self.create_user(email, password, is_staff=True, is_superuser=True, **extra)
        open_account(owner=user)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person; signs in with their email address (no username)."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


MIN_POLICY_DAYS, MAX_POLICY_DAYS = 1, 3650  # both credential policies; the service, API, form and database read these


def new_cloud_account_id() -> str:
    return str(secrets.randbelow(9 * 10**11) + 10**11)


class Account(models.Model):
    """The tenant: a cloud account identified by a 12-digit number."""

    cloud_account_id = models.CharField(
        "cloud account ID", max_length=12, unique=True, default=new_cloud_account_id, editable=False
    )
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    credential_max_lifetime_days = models.PositiveSmallIntegerField(
        "longest credential lifetime (days)",
        null=True,
        blank=True,
        help_text="The owner's cap on credential expiry; empty allows credentials that never expire.",
    )
    disable_unused_credentials_after_days = models.PositiveSmallIntegerField(
        "disable credentials unused for (days)",
        null=True,
        blank=True,
        help_text="enforce_credential_policies disables credentials unused this long; empty turns it off.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(cloud_account_id__length=12), name="account_id_has_12_digits"),
            models.CheckConstraint(
                condition=models.Q(credential_max_lifetime_days__isnull=True)
                | models.Q(
                    credential_max_lifetime_days__gte=MIN_POLICY_DAYS, credential_max_lifetime_days__lte=MAX_POLICY_DAYS
                ),
                name="account_credential_lifetime_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(disable_unused_credentials_after_days__isnull=True)
                | models.Q(
                    disable_unused_credentials_after_days__gte=MIN_POLICY_DAYS,
                    disable_unused_credentials_after_days__lte=MAX_POLICY_DAYS,
                ),
                name="account_unused_days_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cloud_account_id})"

    @property
    def credential_policies(self) -> str:
        """The two credential policies in words, for the activity log."""
        lifetime, unused = self.credential_max_lifetime_days, self.disable_unused_credentials_after_days
        return (
            f"longest credential lifetime: {f'{lifetime} days' if lifetime else 'no limit'}; "
            f"disable credentials unused for: {f'{unused} days' if unused else 'never'}"
        )


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MEMBER = "member", "Member"


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> "MembershipQuerySet":
        return self.filter(user=user, user__is_active=True).select_related("account")

    def for_account(self, account: Account) -> "MembershipQuerySet":
        return self.filter(account=account).select_related("user")


class Membership(models.Model):
    """A user's place in an account. Exactly one owner per account, enforced by the database."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="membership_user_account_unique"),
            models.UniqueConstraint(
                fields=["account"], condition=models.Q(role="owner"), name="membership_one_owner_per_account"
            ),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class InvitationQuerySet(models.QuerySet):
    def for_account(self, account: Account) -> "InvitationQuerySet":
        return self.filter(account=account)

    def pending(self) -> "InvitationQuerySet":
        return self.filter(accepted_at__isnull=True)


class Invitation(models.Model):
    """An offer to join an account. Only a digest of the emailed token is stored."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    note = models.CharField(max_length=500, blank=True)
    expires_on = models.DateField()
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.account}"

    @property
    def is_expired(self) -> bool:
        return timezone.localdate() > self.expires_on


# What people read for each code of the activity log: the portal's Activity page, its CSV export and
# the admin all take their words from here. The codes themselves are written by the services.
EVENT_LABELS: dict[str, str] = {
    "account.created": "Account created",
    "account.credential_policies_changed": "Credential policies changed",
    "user.signed_in": "Signed in",
    "invitation.sent": "Invitation sent",
    "invitation.resent": "Invitation resent",
    "invitation.removed": "Invitation removed",
    "member.joined": "Member joined",
    "member.left": "Member left",
    "member.removed": "Member removed",
    "credential.created": "Credential created",
    "credential.deleted": "Credential deleted",
    "credential.disabled": "Credential disabled",
    "credential.enabled": "Credential enabled",
    "credential.revoked": "Credential revoked",
    "credential.leak_revoked": "Credential revoked: leaked secret reported",
    "client.authentication_failed": "Wrong client secret",
    "token.issued": "Token issued",
    "token.revoked": "Token revoked",
    "instance.created": "Instance created",
    "instance.deleted": "Instance deleted",
    "sshpublickey.created": "SSH public key added",
    "sshpublickey.deleted": "SSH public key deleted",
}


def event_label(action: str) -> str:
    """The words for an event code; a code without a label still reads as words, never as `a.b_c`."""
    return EVENT_LABELS.get(action) or action.replace(".", " ").replace("_", " ").strip().capitalize()


class AuditEventQuerySet(models.QuerySet):
    def for_account(self, account: Account) -> "AuditEventQuerySet":
        return self.filter(account=account).select_related("actor")

    def visible_to(self, membership: Membership) -> "AuditEventQuerySet":
        """Owners see the whole account's activity; members see what they did and what was done to them."""
        events = self.for_account(membership.account)
        if membership.is_owner:
            return events
        return events.filter(models.Q(actor=membership.user) | models.Q(subject=membership.user))


class AuditEvent(models.Model):
    """Append-only record of who did what in an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_email = models.EmailField(blank=True)
    subject = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Whom the event is about."
    )
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.label} {self.target}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return event_label(self.action)
