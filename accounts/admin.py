from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from accounts.activity import event_choices
from accounts.audit import AuditContext
from accounts.models import Account, AuditEvent, Invitation, Membership, Role, User
from accounts.services import remove_member
from accounts.templatetags.email_tags import ascii_email
from credentials.forms import CredentialPoliciesForm
from credentials.services import set_credential_policies


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


class ReadOnly:
    """No add, change or delete form: these rows change only through the services (the admin's
    actions call them), which keep the rules and write the audit event."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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


def owner_of(account: Account) -> Membership:
    """An operator acts for the account's owner, so that the services' owner checks still apply."""
    owner = Membership.objects.select_related("user", "account").filter(account=account, role=Role.OWNER).first()
    if owner is None:
        raise ValidationError("This account has no owner for an operator to act for.")
    return owner


class MembershipInline(ReadOnly, admin.TabularInline):
    """Read-only: people join by invitation and leave through remove_member (the Memberships list's action)."""

    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Accounts are opened at sign-up, with their owner; policies change only through set_credential_policies."""

    list_display = [
        "name",
        "cloud_account_id",
        "credential_max_lifetime_days",
        "disable_unused_credentials_after_days",
        "created_at",
    ]
    search_fields = ["name", "cloud_account_id"]
    fields = (
        "name",
        "cloud_account_id",
        "created_at",
        "credential_max_lifetime_days",
        "disable_unused_credentials_after_days",
        "change_policies",
    )
    readonly_fields = fields[1:]
    inlines = [MembershipInline]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="credential policies")
    def change_policies(self, account: Account) -> str:
        url = reverse("admin:accounts_account_policies", args=[account.pk])
        return format_html('<a href="{}">Change credential policies</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(require_http_methods(["GET", "POST"])(self.policies_view))
        return [path("<int:account_id>/policies/", view, name="accounts_account_policies"), *super().get_urls()]

    def policies_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        """The owner's policy form, saved by the same service: one range check and one activity event."""
        account = self.get_object(request, str(account_id))
        if account is None:
            raise Http404
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        initial = {
            "max_lifetime_days": account.credential_max_lifetime_days,
            "disable_unused_after_days": account.disable_unused_credentials_after_days,
        }
        form = CredentialPoliciesForm(request.POST if request.method == "POST" else None, initial=initial)
        if form.is_bound and form.is_valid():
            try:
                owner = owner_of(account)
                set_credential_policies(
                    owner=owner,
                    operator=cast(User, request.user),
                    context=AuditContext.from_request(request),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, "Credential policies saved.", messages.SUCCESS)
                return redirect("admin:accounts_account_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Credential policies of {account}",
            "opts": self.opts,
            "original": account,
            "form": form,
        }
        return TemplateResponse(
            request, "admin/accounts/account/policies.html", context, status=400 if form.errors else 200
        )


@admin.register(Membership)
class MembershipAdmin(ReadOnly, admin.ModelAdmin):
    """Read-only: people join by invitation and leave through remove_member, which keeps the owner and
    writes the activity event."""

    list_display = [ascii_column("user__email", "user"), "account", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "account__name", "account__cloud_account_id"]
    list_select_related = ["user", "account"]
    actions = ["remove_selected"]

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("accounts.delete_membership")

    @admin.action(description="Remove selected members (their credentials stop working)", permissions=["remove"])
    def remove_selected(self, request, queryset) -> None:
        removed = 0
        for member in queryset.select_related("user", "account"):
            try:
                remove_member(
                    by=owner_of(member.account),
                    member=member,
                    operator=request.user,
                    context=AuditContext.from_request(request),
                )
            except ValidationError as error:
                self.message_user(
                    request, f"{ascii_email(member.user.email)}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                removed += 1
        if removed:
            self.message_user(
                request,
                f"Removed {removed} member(s). Their credentials stopped working immediately.",
                messages.SUCCESS,
            )


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


class EventFilter(admin.SimpleListFilter):
    """The activity log's events by the words the portal uses for them (accounts/models.py EVENT_LABELS)."""

    title = "event"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return event_choices()

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly, admin.ModelAdmin):
    """The activity log is evidence: operators can read it, never change it."""

    list_display = [
        "created_at",
        "account",
        ascii_column("actor_email", "actor email"),
        "event",
        ascii_column("target", "target"),
        "ip",
    ]
    list_filter = [EventFilter]
    search_fields = ["actor_email", "target", "account__cloud_account_id"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"

    @admin.display(description="event", ordering="action")
    def event(self, obj: AuditEvent) -> str:
        return f"{obj.label} ({obj.action})"
