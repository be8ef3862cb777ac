"""Credentials: a public client ID and the digest of a secret that was shown once."""

from datetime import datetime

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Account, Membership
from credentials.allowlist import ENFORCE, MODES
from credentials.scopes import DEFAULT_PERMISSIONS

MAX_CREDENTIALS = 2
SLOTS = range(1, MAX_CREDENTIALS + 1)
EXPIRY_CHOICES = [(30, "30 days"), (90, "90 days"), (365, "365 days"), (None, "Never")]
# What the portal's form pre-selects (or the owner's cap, when shorter); the API's default is services.default_expiry.
DEFAULT_EXPIRY_DAYS = 90


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    DISABLED = "disabled", "Disabled"


def default_permissions() -> list[str]:
    return list(DEFAULT_PERMISSIONS)


class CredentialQuerySet(models.QuerySet):
    def for_member(self, membership: Membership) -> "CredentialQuerySet":
        """What a member may see and delete: their own credentials in the account."""
        return self.filter(membership=membership)

    def for_account(self, account: Account) -> "CredentialQuerySet":
        """What an owner oversees: every member's credentials in the account."""
        return self.filter(membership__account=account).select_related("membership__user")


class Credential(models.Model):
    """At most two per membership: each takes one of two numbered slots, unique per membership.

    A slot column rather than a row lock: the database refuses a third row by itself, so the
    limit holds for any writer (a second app server, a shell, a migration) without cooperation.
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="credentials")
    slot = models.PositiveSmallIntegerField(editable=False)
    name = models.CharField(max_length=63)
    client_id = models.CharField("client ID", max_length=40, unique=True, editable=False)
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    secret_hint = models.CharField(max_length=8, editable=False, help_text="The secret's last characters.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    last_used_region = models.CharField(max_length=40, blank=True, editable=False)
    regions = models.JSONField(
        default=list, blank=True, editable=False, help_text="Region slugs it may be used in; empty means every region."
    )
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=200, blank=True, editable=False)
    enabled_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it was last re-enabled; restarts the unused clock."
    )
    permissions = models.JSONField(
        default=default_permissions, editable=False, help_text="The scopes it carries: a non-empty subset of SCOPES."
    )
    predates_permissions = models.BooleanField(
        default=False, editable=False, help_text="Made before permissions existed; it keeps all four."
    )
    allowed_ips = models.JSONField(
        default=list, blank=True, editable=False, help_text="CIDRs it may be used from; empty means any address."
    )
    allowed_ips_mode = models.CharField(max_length=10, choices=list(MODES.items()), default=ENFORCE, editable=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        editable=False,
        help_text="The credential whose bearer made this one; it goes when its parent goes.",
    )

    objects = CredentialQuerySet.as_manager()

    # Not stored: set on an instance by the code that produced it, for its caller to read.
    client_secret: str  # the plaintext, only on the instance just generated
    revoked_at: datetime  # when it was deleted with its family (services._remove_with_descendants)
    descendants: list["Credential"]  # what went with it
    token_revoked: bool  # whether the access token looked up with it was revoked (verify.py)
    takes_effect: str  # for ChangedCredentialOutput
    descendants_disabled: int  # for ChangedCredentialOutput

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot__gte=1, slot__lte=MAX_CREDENTIALS), name="credential_slot_range"
            ),
            models.UniqueConstraint(fields=["membership", "slot"], name="credential_at_most_two_per_member"),
            models.UniqueConstraint("membership", Lower("name"), name="credential_name_unique_per_member"),
            models.CheckConstraint(condition=~models.Q(name=""), name="credential_name_not_empty"),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=models.F("created_at")),
                name="credential_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=models.Q(disabled_at__isnull=False) | models.Q(disabled_reason=""),
                name="credential_reason_only_when_disabled",
            ),
            models.CheckConstraint(condition=~models.Q(permissions=[]), name="credential_permissions_not_empty"),
            models.CheckConstraint(
                condition=models.Q(allowed_ips_mode__in=list(MODES)), name="credential_allowed_ips_mode_valid"
            ),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="credential_not_its_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def status(self) -> Status:
        if self.disabled_at is not None:
            return Status.DISABLED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return Status.EXPIRED
        return Status.ACTIVE


class SigningKey(models.Model):
    """A key that signs access tokens, published in the JWKS from `created_at` and signing from
    `activates_at` until a newer key activates (its states: signing.py). The private half is
    stored encrypted."""

    ALGORITHMS = ["RS256", "ES256", "Ed25519", "EdDSA"]

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=16, help_text="JWS alg: EdDSA only for keys made before RFC 9864.")
    private_key = models.TextField(help_text="PKCS#8 PEM, encrypted with a key derived from SECRET_KEY.")
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, help_text="Published in the JWKS from then on.")
    activates_at = models.DateTimeField(help_text="Signs new tokens from then until a newer key activates.")

    class Meta:
        ordering = ["-activates_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(algorithm__in=["RS256", "ES256", "Ed25519", "EdDSA"]),
                name="signing_key_known_algorithm",
            )
        ]

    def __str__(self) -> str:
        return self.kid


class RevokedToken(models.Model):
    """An access token revoked through RFC 7009 before it expired; kept until it would have expired."""

    jti = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.jti


class LeakReport(models.Model):
    """A secret someone found in the wild. Only its digest is kept, matched or not."""

    secret_digest = models.CharField(max_length=64, db_index=True)
    source = models.CharField(max_length=500, blank=True, help_text="Where the reporter found it, if they said.")
    reporter_ip = models.GenericIPAddressField(null=True, blank=True)
    reporter_user_agent = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    matched = models.BooleanField(null=True)
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    client_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"Leak report {self.pk} ({'matched' if self.matched else 'no match'})"


class CredentialUsage(models.Model):
    """Requests and refusals of one credential in one region and hour, flushed from memory (usage.py)."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="usage")
    hour = models.DateTimeField(help_text="The start of the hour, UTC.")
    region = models.CharField(max_length=40, blank=True, help_text="Empty for the management API.")
    permission = models.CharField(
        max_length=40, blank=True, help_text="The scope the requests used; empty for the token endpoint."
    )
    requests = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hour", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "hour", "region", "permission"], name="credential_usage_one_row_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.hour:%Y-%m-%d %H}h {self.region or 'api'} {self.permission}"


class CredentialFailure(models.Model):
    """A recent refused request that named this credential; only the latest few are kept."""

    credential = models.ForeignKey(Credential, on_delete=models.CASCADE, related_name="failures")
    at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    region = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["credential", "-at"], name="credential_failure_recent")]

    def __str__(self) -> str:
        return f"{self.credential_id} {self.at:%Y-%m-%d %H:%M} {self.reason}"


class RegionKey(models.Model):
    """What a region deployed on its own (CAAS_ROLE=regional) authenticates to the console with.
    Shown once by `manage.py issue_region_key`; only its digest is kept. A region may hold two
    while one replaces the other."""

    region = models.ForeignKey("regional.Region", on_delete=models.CASCADE, related_name="keys")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=8, editable=False, help_text="The key's last characters.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["region", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region} key …{self.hint}"


class Revocation(models.Model):
    """One entry of the feed that regions follow (credentials/federation/revocations.py): either
    every token of `client_id` issued up to `at` and its cached secret stop working, or the one
    access token `jti` does. Written in the transaction that revokes, so a region sees it only
    once that has committed; kept as long as an access token lives."""

    client_id = models.CharField(max_length=40, blank=True)
    jti = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(client_id="") & ~models.Q(jti="")) | (~models.Q(client_id="") & models.Q(jti="")),
                name="revocation_names_a_client_or_a_token",
            )
        ]

    def __str__(self) -> str:
        return self.client_id or f"jti={self.jti}"
