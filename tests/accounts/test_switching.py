import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import MembershipFactory


@pytest.fixture
def two_accounts(owner, outsider):
    """The owner of A is also a member of B."""
    MembershipFactory(user=owner.user, account=outsider.account, role=Role.MEMBER)
    return owner.account, outsider.account


def test_the_users_own_account_is_active_by_default(owner_client, two_accounts):
    response = owner_client.get(reverse("accounts:profile"))
    assert response.context["membership"].account == two_accounts[0]


def test_switching_changes_the_account_every_page_acts_on(owner_client, two_accounts):
    account_b = two_accounts[1]
    response = owner_client.post(reverse("accounts:switch"), {"account": account_b.cloud_account_id})
    assert response.status_code == 302
    profile = owner_client.get(reverse("accounts:profile"))
    assert profile.context["membership"].account == account_b
    assert profile.context["membership"].role == Role.MEMBER
    me = owner_client.get("/api/v1/me").json()
    assert me["account"]["cloud_account_id"] == account_b.cloud_account_id
    assert me["role"] == "member"
    assert owner_client.get(reverse("accounts:grant_access")).status_code == 403


def test_switching_isolates_the_activity_log(owner_client, two_accounts):
    account_b = two_accounts[1]
    owner_client.post(reverse("accounts:switch"), {"account": account_b.cloud_account_id})
    events = owner_client.get(reverse("accounts:activity")).context["page"].object_list
    assert all(event.account == account_b for event in events)


def test_switching_to_an_account_you_are_not_in_answers_404(outsider_client, owner):
    response = outsider_client.post(reverse("accounts:switch"), {"account": owner.account.cloud_account_id})
    assert response.status_code == 404
    me = outsider_client.get("/api/v1/me").json()
    assert me["account"]["cloud_account_id"] != owner.account.cloud_account_id


def test_switching_to_a_malformed_account_id_changes_nothing(owner_client, owner):
    response = owner_client.post(reverse("accounts:switch"), {"account": "nope"}, follow=True)
    assert b"Choose an account" in response.content
    assert response.context["membership"] == owner


def test_the_pull_down_lists_the_other_accounts(owner_client, two_accounts):
    content = owner_client.get(reverse("accounts:profile")).content.decode()
    assert "User Profile" in content and "Account Settings" in content
    assert two_accounts[1].cloud_account_id in content


def test_a_removed_membership_falls_back_to_the_users_own_account(client, owner, outsider, two_accounts):
    client.force_login(owner.user)
    client.post(reverse("accounts:switch"), {"account": outsider.account.cloud_account_id})
    client.force_login(outsider.user)
    client.post(reverse("accounts:revoke_member", args=[owner.user.memberships.get(account=outsider.account).pk]))
    client.force_login(owner.user)
    assert client.get(reverse("accounts:profile")).context["membership"] == owner
