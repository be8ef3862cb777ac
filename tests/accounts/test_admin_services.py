"""The admin writes through the services: one range check, one activity event, and the owner stays."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import MAX_POLICY_DAYS, Account, AuditEvent, Membership, Role
from accounts.services import remove_member
from credentials.services import generate_credential

POLICY_FIELDS = ["credential_max_lifetime_days", "disable_unused_credentials_after_days"]
MEMBERSHIPS = reverse("admin:accounts_membership_changelist")


def policies_url(account: Account) -> str:
    return reverse("admin:accounts_account_policies", args=[account.pk])


def account_form(account: Account, **extra: str) -> dict:
    """What the account change page posts, its read-only membership inline included."""
    memberships = list(account.memberships.order_by("pk"))
    form = {
        "name": account.name,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        **extra,
    }
    for index, membership in enumerate(memberships):
        form[f"memberships-{index}-id"] = str(membership.pk)
        form[f"memberships-{index}-account"] = str(account.pk)
    return form


def test_an_operator_sees_the_policy_form_with_the_current_values(admin_client, owner):
    owner.account.credential_max_lifetime_days = 90
    owner.account.save()
    page = admin_client.get(policies_url(owner.account)).content.decode()
    assert "Longest credential lifetime (days)" in page and 'value="90"' in page


def test_an_operator_cannot_save_an_out_of_range_policy(admin_client, owner):
    response = admin_client.post(policies_url(owner.account), {"max_lifetime_days": "5000"})
    assert response.status_code == 400
    assert f"between 1 and {MAX_POLICY_DAYS} days" in response.content.decode()
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days is None
    assert not AuditEvent.objects.filter(action="account.credential_policies_changed").exists()


def test_saving_valid_policies_writes_the_services_one_event_naming_the_operator(admin_client, admin_user, owner):
    response = admin_client.post(
        policies_url(owner.account), {"max_lifetime_days": "90", "disable_unused_after_days": "30"}
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:accounts_account_change", args=[owner.account.pk])
    owner.account.refresh_from_db()
    assert (owner.account.credential_max_lifetime_days, owner.account.disable_unused_credentials_after_days) == (90, 30)
    event = AuditEvent.objects.get(action="account.credential_policies_changed")
    assert event.account == owner.account and event.actor == admin_user
    assert event.target == f"{owner.account.credential_policies} (by an operator)"


def test_the_account_change_form_does_not_write_policies(admin_client, owner):
    """Only the policy page (and so the service) changes them; the change form shows them read-only."""
    url = reverse("admin:accounts_account_change", args=[owner.account.pk])
    response = admin_client.post(url, account_form(owner.account, name="Renamed", credential_max_lifetime_days="5000"))
    assert response.status_code == 302
    owner.account.refresh_from_db()
    assert owner.account.name == "Renamed" and owner.account.credential_max_lifetime_days is None
    assert not AuditEvent.objects.filter(action="account.credential_policies_changed").exists()


def test_accounts_are_not_added_in_the_admin(admin_client):
    """An account opened here would have no owner; sign-up opens them (open_account)."""
    assert admin_client.get(reverse("admin:accounts_account_add")).status_code == 403


@pytest.mark.parametrize("field", POLICY_FIELDS)
@pytest.mark.parametrize("days", [0, MAX_POLICY_DAYS + 1, 5000])
def test_the_database_refuses_an_out_of_range_policy(owner, field, days):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=owner.account.pk).update(**{field: days})


@pytest.mark.parametrize("field", POLICY_FIELDS)
def test_the_database_accepts_the_range_ends(owner, field):
    for days in (1, MAX_POLICY_DAYS, None):
        Account.objects.filter(pk=owner.account.pk).update(**{field: days})


def test_membership_pages_refuse_to_add_change_or_delete(admin_client, owner, member):
    assert admin_client.get(reverse("admin:accounts_membership_add")).status_code == 403
    change = reverse("admin:accounts_membership_change", args=[member.pk])
    assert (
        admin_client.post(change, {"user": owner.user.pk, "account": member.account.pk, "role": "owner"}).status_code
        == 403
    )
    delete = reverse("admin:accounts_membership_delete", args=[member.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert "delete_selected" not in admin_client.get(MEMBERSHIPS).content.decode()


def test_the_account_pages_inline_does_not_delete_or_change_memberships(admin_client, owner, member):
    form = account_form(owner.account)
    for index in range(2):
        form[f"memberships-{index}-DELETE"] = "on"
        form[f"memberships-{index}-role"] = "member"
    url = reverse("admin:accounts_account_change", args=[owner.account.pk])
    assert admin_client.post(url, form).status_code == 302
    assert set(owner.account.memberships.values_list("pk", "role")) == {
        (owner.pk, Role.OWNER),
        (member.pk, Role.MEMBER),
    }
    assert not AuditEvent.objects.filter(account=owner.account).exists()


def test_the_remove_action_removes_the_member_and_records_the_operator(admin_client, admin_user, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    response = admin_client.post(
        MEMBERSHIPS, {"action": "remove_selected", "_selected_action": [member.pk]}, follow=True
    )
    assert "Removed 1 member(s)" in response.content.decode()
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert not type(credential).objects.filter(pk=credential.pk).exists()
    event = AuditEvent.objects.get(action="member.removed")
    assert (event.account, event.actor, event.subject) == (member.account, admin_user, member.user)
    assert event.target == member.user.email


def test_the_remove_action_refuses_the_owner(admin_client, owner, member):
    response = admin_client.post(
        MEMBERSHIPS, {"action": "remove_selected", "_selected_action": [owner.pk, member.pk]}, follow=True
    )
    page = response.content.decode().lower()
    assert "owner@example.com: the account owner cannot be removed." in page and "removed 1 member(s)" in page
    assert Membership.objects.filter(pk=owner.pk, role=Role.OWNER).exists()
    assert list(AuditEvent.objects.filter(account=owner.account).values_list("action", "subject")) == [
        ("member.removed", member.user.pk)
    ]


def test_the_service_refuses_to_remove_the_owner_for_an_operator(admin_user, owner):
    with pytest.raises(ValidationError, match="owner cannot be removed"):
        remove_member(by=owner, member=owner, operator=admin_user)
    assert Membership.objects.filter(pk=owner.pk).exists()
    assert not AuditEvent.objects.filter(account=owner.account).exists()
