from django.contrib import admin, messages
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.admin import ReadOnly
from accounts.audit import AuditContext
from credentials import services, usage
from credentials.models import Credential, Status
from credentials.scopes import LEGACY_LABEL, describe


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        now = timezone.now()
        live = Q(disabled_at__isnull=True)
        expired = Q(expires_at__lte=now)
        match self.value():
            case Status.ACTIVE:
                return queryset.filter(live & ~expired)
            case Status.EXPIRED:
                return queryset.filter(live & expired)
            case Status.DISABLED:
                return queryset.filter(disabled_at__isnull=False)
        return queryset


@admin.register(Credential)
class CredentialAdmin(ReadOnly, admin.ModelAdmin):
    """Operators can find, disable and revoke credentials; nobody can add one here or see a digest."""

    list_display = [
        "name",
        "client_id",
        "member",
        "account",
        "status",
        "granted_permissions",
        "allowed_regions",
        "expires_at",
        "created_at",
        "last_used_at",
        "last_used_ip",
    ]
    list_filter = [StatusFilter, "created_at", "last_used_at", "expires_at"]
    search_fields = ["name", "client_id", "membership__user__email", "membership__account__cloud_account_id"]
    list_select_related = ["membership__user", "membership__account", "parent"]
    fields = (
        "name",
        "client_id",
        "member",
        "account",
        "secret_hint",
        "status",
        "granted_permissions",
        "allowed_regions",
        "source_addresses",
        "created_by",
        "created_at",
        "expires_at",
        "expiry_reminder_sent_at",
        "disabled_at",
        "disabled_reason",
        "enabled_at",
        "last_used_at",
        "last_used_ip",
        "last_used_region",
        "usage_last_7_days",
    )
    readonly_fields = fields
    actions = ["disable_selected", "revoke_selected"]

    @admin.display(ordering="membership__user__email")
    def member(self, credential: Credential) -> str:
        return credential.membership.user.email

    @admin.display(ordering="membership__account__cloud_account_id")
    def account(self, credential: Credential) -> str:
        return str(credential.membership.account)

    @admin.display(description="regions")
    def allowed_regions(self, credential: Credential) -> str:
        return ", ".join(credential.regions) or "all"

    @admin.display(description="permissions")
    def granted_permissions(self, credential: Credential) -> str:
        if credential.predates_permissions:
            return LEGACY_LABEL
        return "; ".join(describe(credential.permissions))

    @admin.display(description="allowed source addresses")
    def source_addresses(self, credential: Credential) -> str:
        if not credential.allowed_ips:
            return "any address"
        return f"{', '.join(credential.allowed_ips)} ({credential.get_allowed_ips_mode_display()})"

    @admin.display(description="created by")
    def created_by(self, credential: Credential) -> str:
        return str(credential.parent) if credential.parent_id else "a person (portal or session API)"

    @admin.display(description="usage, last 7 days")
    def usage_last_7_days(self, credential: Credential) -> str:
        usage.flush()
        since = timezone.now() - usage.WINDOW
        totals = credential.usage.filter(hour__gte=since).aggregate(requests=Sum("requests"), failures=Sum("failures"))
        return f"{totals['requests'] or 0} requests, {totals['failures'] or 0} refused"

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("credentials.delete_credential")

    def has_disable_permission(self, request) -> bool:
        return request.user.has_perm("credentials.delete_credential")

    @admin.action(
        description="Disable selected credentials (their members can enable them again)", permissions=["disable"]
    )
    def disable_selected(self, request, queryset) -> None:
        count = 0
        for credential in queryset.select_related("membership__user", "membership__account"):
            count += len(
                services.disable_credential(
                    credential=credential,
                    by=request.user,
                    reason="Disabled by an operator.",
                    context=AuditContext.from_request(request),
                )
            )
        self.message_user(
            request,
            f"Disabled {count} credential(s), with those made from them. They stopped working immediately.",
            messages.SUCCESS,
        )

    @admin.action(description="Revoke selected credentials", permissions=["revoke"])
    def revoke_selected(self, request, queryset) -> None:
        count, gone = 0, set[int]()
        for credential in queryset.select_related("membership__user", "membership__account"):
            if credential.pk in gone:  # went with a parent selected before it
                continue
            family = services.revoke_credential(
                by=request.user, credential=credential, context=AuditContext.from_request(request)
            )
            gone.update(member.pk for member in family)
            count += len(family)
        self.message_user(
            request,
            f"Revoked {count} credential(s), with those made from them. They stopped working immediately.",
            messages.SUCCESS,
        )
