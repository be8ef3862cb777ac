from django.urls import reverse

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import generate_credential

CHANGELIST = reverse("admin:credentials_credential_changelist")


def test_the_admin_lists_credentials_with_member_and_account(admin_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = admin_client.get(CHANGELIST).content.decode()
    assert credential.client_id in content and "member@example.com" in content
    assert member.account.cloud_account_id in content


def test_the_admin_searches_by_member_email_and_filters_by_date(admin_client, owner, member):
    mine, _ = generate_credential(membership=member, name="deploy")
    theirs, _ = generate_credential(membership=owner, name="other")
    content = admin_client.get(CHANGELIST, {"q": "member@example.com"}).content.decode()
    assert mine.client_id in content and theirs.client_id not in content
    assert admin_client.get(CHANGELIST, {"last_used_at__isnull": "True"}).status_code == 200


def test_the_admin_cannot_add_or_edit_credentials(admin_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    assert admin_client.get(reverse("admin:credentials_credential_add")).status_code == 403
    admin_client.post(reverse("admin:credentials_credential_change", args=[credential.pk]), {"name": "renamed"})
    credential.refresh_from_db()
    assert credential.name == "deploy"
    content = admin_client.get(reverse("admin:credentials_credential_change", args=[credential.pk])).content.decode()
    assert "digest" not in content.lower()


def test_revoke_selected_deletes_and_audits(admin_client, admin_user, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    response = admin_client.post(
        CHANGELIST, {"action": "revoke_selected", "_selected_action": [credential.pk]}, follow=True
    )
    assert "Revoked 1 credential" in response.content.decode()
    assert not Credential.objects.exists()
    event = AuditEvent.objects.get(action="credential.revoked")
    assert event.actor == admin_user and event.subject == member.user
