import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership


def revoke_url(membership):
    return reverse("accounts:revoke_member", args=[membership.pk])


def test_owner_sees_what_goes_with_the_member_before_revoking(owner_client, member):
    response = owner_client.get(revoke_url(member))
    assert response.status_code == 200
    assert b"member@example.com" in response.content
    assert Membership.objects.filter(pk=member.pk).exists()


def test_owner_revokes_a_member(owner_client, member):
    response = owner_client.post(revoke_url(member), follow=True)
    assert response.redirect_chain[-1][1] == 302
    assert b"stopped working immediately" in response.content
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert AuditEvent.objects.filter(action="member.removed", target="member@example.com").exists()


def test_the_owner_cannot_be_removed(owner_client, owner):
    response = owner_client.post(revoke_url(owner), follow=True)
    assert b"owner cannot be removed" in response.content
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_a_member_cannot_revoke_anyone(member_client, owner, member):
    assert member_client.post(revoke_url(owner)).status_code == 403
    assert member_client.get(revoke_url(member)).status_code == 403
    assert Membership.objects.count() == 2


def test_an_outsider_gets_404_for_another_accounts_member(outsider_client, member):
    assert outsider_client.get(revoke_url(member)).status_code == 404
    assert outsider_client.post(revoke_url(member)).status_code == 404
    assert Membership.objects.filter(pk=member.pk).exists()


def test_an_unknown_member_answers_404(owner_client):
    assert owner_client.post(reverse("accounts:revoke_member", args=[999999])).status_code == 404


def test_a_member_can_leave(member_client, member):
    assert member_client.get(reverse("accounts:leave")).status_code == 200
    response = member_client.post(reverse("accounts:leave"))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert AuditEvent.objects.filter(action="member.left").exists()


def test_the_owner_cannot_leave_their_own_account(owner_client, owner):
    response = owner_client.post(reverse("accounts:leave"), follow=True)
    assert b"owner cannot leave" in response.content
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_a_user_without_any_account_is_told_so(client, member):
    client.force_login(member.user)
    client.post(reverse("accounts:leave"))
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 403
    assert b"not in any account" in response.content


@pytest.mark.parametrize("name", ["accounts:access", "accounts:activity", "accounts:profile"])
def test_member_pages_refuse_post(member_client, name):
    assert member_client.post(reverse(name)).status_code == 405


def test_the_access_page_lists_members_and_offers_leave_to_members(member_client):
    content = member_client.get(reverse("accounts:access")).content
    assert b"owner@example.com" in content and b"member@example.com" in content
    assert b"Leave account" in content
    assert b"Grant access" not in content


def test_the_owner_sees_grant_access(owner_client, member):
    content = owner_client.get(reverse("accounts:access")).content
    assert b"Grant access" in content and b"Revoke access" in content
