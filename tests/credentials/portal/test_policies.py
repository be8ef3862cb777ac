"""The owner's policy form in the portal."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent

LIST = reverse("credentials:list")
POLICIES = reverse("credentials:policies")

pytestmark = pytest.mark.usefixtures("regions")


def test_the_owner_sees_the_policy_form_with_its_explanation(owner_client):
    content = owner_client.get(LIST).content.decode()
    assert "Credential policies" in content
    assert "Longest credential lifetime (days)" in content
    assert "Disable credentials unused for (days)" in content
    assert "manage.py enforce_credential_policies" in content and "hourly" in content


def test_a_member_sees_no_policy_form(member_client):
    assert "Credential policies" not in member_client.get(LIST).content.decode()


def test_the_owner_sets_and_clears_policies(owner_client, owner):
    response = owner_client.post(POLICIES, {"max_lifetime_days": "90", "disable_unused_after_days": "30"}, follow=True)
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days == 90
    assert owner.account.disable_unused_credentials_after_days == 30
    assert "Credential policies saved." in response.content.decode()
    event = AuditEvent.objects.get(action="account.credential_policies_changed")
    assert event.actor == owner.user and "90" in event.target
    owner_client.post(POLICIES, {"max_lifetime_days": "", "disable_unused_after_days": ""})
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days is None
    assert owner.account.disable_unused_credentials_after_days is None


@pytest.mark.parametrize("value", ["0", "5000"])
def test_out_of_range_policies_are_refused_with_a_message(owner_client, owner, value):
    response = owner_client.post(POLICIES, {"max_lifetime_days": value, "disable_unused_after_days": ""})
    assert response.status_code == 400
    assert "between 1 and 3650 days" in response.content.decode()
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days is None


def test_a_member_cannot_set_policies(member_client, member):
    assert member_client.get(POLICIES).status_code == 403
    assert member_client.post(POLICIES, {"max_lifetime_days": "1"}).status_code == 403
    member.account.refresh_from_db()
    assert member.account.credential_max_lifetime_days is None
    assert not AuditEvent.objects.filter(action="account.credential_policies_changed").exists()


def test_policies_need_sign_in(client):
    response = client.post(POLICIES, {"max_lifetime_days": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
