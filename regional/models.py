"""Regions and the stand-in downstream resources that live in them, per account.

Nothing here refers to a console table: a region deployed on its own (CAAS_ROLE=regional) keeps
these in its own database, and knows an account only by the cloud account ID its tokens carry.
"""

import uuid

from django.db import models


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


class Tenant(models.Model):
    """An account as a region knows it. Creations lock its row, so concurrent ones queue for the quota."""

    cloud_account_id = models.CharField("cloud account ID", max_length=12, unique=True)

    def __str__(self) -> str:
        return self.cloud_account_id


class RegionalQuerySet(models.QuerySet):
    def in_scope(self, cloud_account_id: str, region: Region) -> "RegionalQuerySet":
        """The one way to reach regional resources: one account, one region."""
        return self.filter(cloud_account_id=cloud_account_id, region=region)


class RegionalResource(models.Model):
    """Belongs to the account, not to the member who made it: it survives the member's removal."""

    resource_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cloud_account_id = models.CharField("cloud account ID", max_length=12, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=63)
    created_by_email = models.EmailField()
    created_by_client_id = models.CharField("created with client ID", max_length=40, blank=True)
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
            models.UniqueConstraint(
                fields=["cloud_account_id", "region", "name"], name="ssh_key_name_unique_per_account_region"
            )
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
                fields=["cloud_account_id", "region", "name"], name="instance_name_unique_per_account_region"
            ),
            models.CheckConstraint(condition=models.Q(status__in=InstanceStatus.values), name="instance_status_valid"),
        ]
