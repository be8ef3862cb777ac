from django.contrib import admin

from credentials.models import RegionKey
from regional.models import Instance, InstanceType, Region, SshPublicKey


class InstanceTypeInline(admin.TabularInline):
    model = InstanceType
    extra = 0


class RegionKeyInline(admin.TabularInline):
    """Issued with `manage.py issue_region_key <region>` (shown once); deleting one revokes it."""

    model = RegionKey
    extra = 0
    fields = ["hint", "created_at", "last_used_at"]
    readonly_fields = ["hint", "created_at", "last_used_at"]
    verbose_name = "region key"
    verbose_name_plural = "region keys (for the region deployed on its own: manage.py issue_region_key)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Operators add regions and switch them on and off; a disabled region answers 404."""

    list_display = ["slug", "name", "enabled"]
    list_editable = ["enabled"]
    inlines = [InstanceTypeInline, RegionKeyInline]


class CreatedThroughTheApi:
    """Instances and keys are made through the regional API, which keeps the quota and writes the
    Activity event; the admin form could not even set their account and region."""

    def has_add_permission(self, request) -> bool:
        return False


RESOURCE_FIELDS = [
    "resource_id",
    "cloud_account_id",
    "region",
    "created_by_email",
    "created_by_client_id",
    "created_at",
]


@admin.register(Instance)
class InstanceAdmin(CreatedThroughTheApi, admin.ModelAdmin):
    list_display = ["name", "region", "cloud_account_id", "instance_type", "status", "created_by_email", "created_at"]
    list_filter = ["region", "status"]
    search_fields = ["name", "resource_id", "cloud_account_id", "created_by_email"]
    list_select_related = ["region", "instance_type"]
    readonly_fields = RESOURCE_FIELDS


@admin.register(SshPublicKey)
class SshPublicKeyAdmin(CreatedThroughTheApi, admin.ModelAdmin):
    list_display = ["name", "region", "cloud_account_id", "key_type", "fingerprint", "created_at"]
    list_filter = ["region", "key_type"]
    search_fields = ["name", "fingerprint", "cloud_account_id"]
    list_select_related = ["region"]
    readonly_fields = RESOURCE_FIELDS
