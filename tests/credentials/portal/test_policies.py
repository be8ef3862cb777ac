"""The owner's Policies tab in the portal: only owners see it, and it speaks to customers, not operators."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent

LIST = reverse("credentials:list")
POLICIES = reverse("credentials:policies")

pytestmark = pytest.mark.usefixtures("regions")


def tabs(content: str) -> list[tuple[str, str]]:
    """The Account Settings tab strip: (href, label) of each tab."""
    strip = re.search(r'<nav class="tabs" aria-label="Account Settings">(.*?)</nav>', content, re.S).group(1)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', strip)


def test_the_owner_has_a_policies_tab_next_to_credentials(owner_client):
    labels = [label for _href, label in tabs(owner_client.get(LIST).content.decode())]
    assert labels[labels.index("Credentials") + 1] == "Policies"
    assert (POLICIES, "Policies") in tabs(owner_client.get(LIST).content.decode())


def test_the_policies_tab_holds_the_form_and_is_the_current_tab(owner_client):
    content = owner_client.get(POLICIES).content.decode()
    assert f'<a href="{POLICIES}" aria-current="page">Policies</a>' in content
    assert "<h2>Credential policies</h2>" in content
    assert "Longest credential lifetime (days)" in content
    assert "Disable credentials unused for (days)" in content
    assert "disabled automatically" in content


def test_the_credentials_tab_no_longer_holds_the_policy_form(owner_client):
    content = owner_client.get(LIST).content.decode()
    assert "Longest credential lifetime (days)" not in content and 'action="' + POLICIES not in content
    assert f'<a href="{POLICIES}">Policies</a> tab' in content


@pytest.mark.parametrize("page", [LIST, POLICIES])
def test_no_operator_instructions_on_the_owners_pages(owner_client, page):
    content = owner_client.get(page).content.decode().lower()
    assert all(word not in content for word in ("cron", "manage.py", "enforce_credential_policies"))


def test_a_member_sees_no_policies_tab_and_no_policy_form(member_client):
    content = member_client.get(LIST).content.decode()
    assert "Policies" not in [label for _href, label in tabs(content)]
    assert POLICIES not in content and "Credential policies" not in content


def test_the_owner_sets_and_clears_policies(owner_client, owner):
    response = owner_client.post(POLICIES, {"max_lifetime_days": "90", "disable_unused_after_days": "30"}, follow=True)
    assert response.redirect_chain == [(POLICIES, 302)]
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
