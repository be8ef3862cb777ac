"""The owner revokes a member's credential in the portal; members and outsiders cannot."""

from django.urls import reverse

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import generate_credential


def test_the_owner_revokes_a_members_credential(owner_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    url = reverse("credentials:revoke", args=[credential.client_id])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, follow=True)
    assert "was revoked" in response.content.decode()
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.revoked", subject=member.user).exists()


def test_a_member_cannot_revoke(member_client, owner):
    credential, _ = generate_credential(membership=owner, name="deploy")
    assert member_client.post(reverse("credentials:revoke", args=[credential.client_id])).status_code == 403
    assert Credential.objects.exists()


def test_an_outsider_cannot_revoke(outsider_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    assert outsider_client.post(reverse("credentials:revoke", args=[credential.client_id])).status_code == 404
    assert Credential.objects.exists()


def test_a_member_sees_that_their_credential_was_revoked(client, owner, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    client.force_login(owner.user)
    client.post(reverse("credentials:revoke", args=[credential.client_id]))
    client.force_login(member.user)
    actions = [event.action for event in client.get(reverse("accounts:activity")).context["page"]]
    assert "credential.revoked" in actions


def test_the_revoke_member_page_lists_what_goes_with_them(owner_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = owner_client.get(reverse("accounts:revoke_member", args=[member.pk])).content.decode()
    assert credential.client_id in content and "Never" in content
