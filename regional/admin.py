from django.contrib import admin

from regional.models import Instance, InstanceType, Region, SshPublicKey


class InstanceTypeInline(admin.TabularInline):
    model = InstanceType
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Operators add regions and switch them on and off; a disabled region answers 404."""

    list_display = ["slug", "name", "enabled"]
    list_editable = ["enabled"]
    inlines = [InstanceTypeInline]


class CreatedThroughTheApi:
    """Instances and keys are made through the regional API, which keeps the quota and writes the
    Activity event; the admin form could not even set their account and region."""

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Instance)
class InstanceAdmin(CreatedThroughTheApi, admin.ModelAdmin):
    list_display = ["name", "region", "account", "instance_type", "status", "created_by_email", "created_at"]
    list_filter = ["region", "status"]
    search_fields = ["name", "resource_id", "account__cloud_account_id", "created_by_email"]
    list_select_related = ["region", "account", "instance_type"]
    readonly_fields = ["resource_id", "account", "region", "created_by", "created_by_email", "created_at"]


@admin.register(SshPublicKey)
class SshPublicKeyAdmin(CreatedThroughTheApi, admin.ModelAdmin):
    list_display = ["name", "region", "account", "key_type", "fingerprint", "created_at"]
    list_filter = ["region", "key_type"]
    search_fields = ["name", "fingerprint", "account__cloud_account_id"]
    list_select_related = ["region", "account"]
    readonly_fields = ["resource_id", "account", "region", "created_by", "created_by_email", "created_at"]
