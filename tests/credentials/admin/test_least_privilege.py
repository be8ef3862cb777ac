"""The admin shows permissions, addresses and parent, read-only, and its actions cascade too."""

from accounts.models import AuditEvent
from credentials.models import Credential

URL = "/api/v1/credentials/"
JSON = "application/json"


def test_the_admin_shows_permissions_addresses_and_parent(admin_client, family):
    from django.urls import reverse

    (parent, _), (child, _) = family
    Credential.objects.filter(pk=child.pk).update(allowed_ips=["203.0.113.0/24"], allowed_ips_mode="report")
    page = admin_client.get(reverse("admin:credentials_credential_change", args=[child.pk])).content.decode()
    assert "Compute: read and write" in page and "Credentials: read and write" in page
    assert "203.0.113.0/24 (Report only" in page
    assert f"parent ({parent.client_id})" in page
    Credential.objects.filter(pk=parent.pk).update(predates_permissions=True)
    page = admin_client.get(reverse("admin:credentials_credential_change", args=[parent.pk])).content.decode()
    assert "Full access (created before permissions)" in page


def test_revoking_a_parent_and_its_child_together_in_the_admin_counts_each_once(admin_client, family):
    from django.urls import reverse

    (parent, _), (child, _) = family
    changelist = reverse("admin:credentials_credential_changelist")
    response = admin_client.post(
        changelist, {"action": "revoke_selected", "_selected_action": [parent.pk, child.pk]}, follow=True
    )
    assert "Revoked 2 credential(s)" in response.content.decode()
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 2
