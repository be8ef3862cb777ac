from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts import audit
from accounts.models import Account, AuditEvent, Invitation, Membership, User
from accounts.templatetags.email_tags import ascii_email


def ascii_column(path: str, description: str):
    """A list column showing the email address at `path` (`user__email`) as the portal does, domain in IDNA form."""

    @admin.display(description=description, ordering=path)
    def column(obj) -> str:
        value = obj
        for name in path.split("__"):
            value = getattr(value, name)
        return ascii_email(value)

    column.__name__ = path  # the cell's CSS class
    return column


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = [ascii_column("email", "email"), "full_name", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "cloud_account_id",
        "credential_max_lifetime_days",
        "disable_unused_credentials_after_days",
        "created_at",
    ]
    search_fields = ["name", "cloud_account_id"]
    readonly_fields = ["cloud_account_id", "created_at"]
    inlines = [MembershipInline]

    def save_model(self, request, obj: Account, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        policies = {"credential_max_lifetime_days", "disable_unused_credentials_after_days"}
        if change and policies & set(form.changed_data):
            audit.record(
                account=obj,
                actor=request.user,
                action="account.credential_policies_changed",
                target=f"{obj.credential_policies} (by an operator)",
                request=request,
            )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = [ascii_column("user__email", "user"), "account", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "account__name", "account__cloud_account_id"]
    raw_id_fields = ["user", "account"]
    list_select_related = ["user", "account"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [ascii_column("email", "email"), "account", "expires_on", "sent_at", "accepted_at"]
    list_filter = ["accepted_at"]
    search_fields = ["email", "account__name", "account__cloud_account_id"]
    list_select_related = ["account"]
    readonly_fields = ["account", "email", "invited_by", "created_at", "sent_at", "accepted_at", "accepted_by"]
    fields = [
        "account",
        "email",
        "note",
        "expires_on",
        "invited_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_by",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The activity log is evidence: operators can read it, never change it."""

    list_display = [
        "created_at",
        "account",
        ascii_column("actor_email", "actor email"),
        "action",
        ascii_column("target", "target"),
        "ip",
    ]
    list_filter = ["action"]
    search_fields = ["actor_email", "target", "account__cloud_account_id"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
