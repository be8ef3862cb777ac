"""Regions and the stand-in downstream resources that live in them, per account."""

import uuid

from django.conf import settings
from django.db import models

from accounts.models import Account


class Region(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class InstanceType(models.Model):
    """One entry of a region's catalogue."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="instance_types")
    name = models.CharField(max_length=40)
    vcpus = models.PositiveSmallIntegerField()
    memory_gib = models.PositiveIntegerField()
    disk_gib = models.PositiveIntegerField()

    class Meta:
        ordering = ["vcpus", "memory_gib", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="instance_type_unique_per_region")]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"


class RegionalQuerySet(models.QuerySet):
    def in_scope(self, account: Account, region: Region) -> "RegionalQuerySet":
        """The one way to reach regional resources: one account, one region."""
        return self.filter(account=account, region=region)


class RegionalResource(models.Model):
    """Belongs to the account, not to the member who made it: it survives the member's removal."""

    resource_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=63)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_by_email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegionalQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"


class SshPublicKey(RegionalResource):
    public_key = models.TextField()
    key_type = models.CharField(max_length=40)
    fingerprint = models.CharField(max_length=60)

    class Meta(RegionalResource.Meta):
        verbose_name = "SSH public key"
        constraints = [
            models.UniqueConstraint(fields=["account", "region", "name"], name="ssh_key_name_unique_per_account_region")
        ]


class InstanceStatus(models.TextChoices):
    PROVISIONING = "provisioning", "Provisioning"
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"


class Instance(RegionalResource):
    instance_type = models.ForeignKey(InstanceType, on_delete=models.PROTECT, related_name="+")
    machine_image = models.CharField(max_length=60)
    status = models.CharField(max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING)
    ssh_public_keys = models.ManyToManyField(SshPublicKey, related_name="instances", blank=True)

    class Meta(RegionalResource.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["account", "region", "name"], name="instance_name_unique_per_account_region"
            ),
            models.CheckConstraint(condition=models.Q(status__in=InstanceStatus.values), name="instance_status_valid"),
        ]
