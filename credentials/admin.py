from django.contrib import admin, messages

from credentials import services
from credentials.models import Credential


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Operators can find and revoke credentials; nobody can add one here or see a digest."""

    list_display = ["name", "client_id", "member", "account", "created_at", "last_used_at", "last_used_ip"]
    list_filter = ["created_at", "last_used_at"]
    search_fields = ["name", "client_id", "membership__user__email", "membership__account__cloud_account_id"]
    list_select_related = ["membership__user", "membership__account"]
    fields = ["name", "client_id", "member", "account", "secret_hint", "created_at", "last_used_at", "last_used_ip"]
    readonly_fields = fields
    actions = ["revoke_selected"]

    @admin.display(ordering="membership__user__email")
    def member(self, credential: Credential) -> str:
        return credential.membership.user.email

    @admin.display(ordering="membership__account__cloud_account_id")
    def account(self, credential: Credential) -> str:
        return str(credential.membership.account)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("credentials.delete_credential")

    @admin.action(description="Revoke selected credentials", permissions=["revoke"])
    def revoke_selected(self, request, queryset) -> None:
        count = 0
        for credential in queryset.select_related("membership__user", "membership__account"):
            services.revoke_credential(by=request.user, credential=credential, request=request)
            count += 1
        self.message_user(
            request, f"Revoked {count} credential(s). They stopped working immediately.", messages.SUCCESS
        )
