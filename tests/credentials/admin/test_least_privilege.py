"""The admin shows permissions, addresses and parent, read-only, and its actions cascade too."""

import pytest

from accounts.models import AuditEvent
from credentials.models import Credential
from tests.credentials.helpers import bearer, new_credential
from tests.regional.conftest import seeded_region

URL = "/api/v1/credentials/"
JSON = "application/json"
INSIDE, OUTSIDE = "203.0.113.7", "192.0.2.9"


@pytest.fixture
def regions(db):
    return [seeded_region(slug) for slug in ("us-region-1", "us-region-2", "us-region-3")]


def mint(client, secret: str, **fields):
    """POST /api/v1/credentials/ as a bearer, from an address inside the allow-lists these tests use."""
    return client.post(
        URL, {"name": "p-minted", **fields}, content_type=JSON, headers=bearer(secret), REMOTE_ADDR=INSIDE
    )


@pytest.fixture
def family(api, member, regions):
    """A parent made by the member, its child made with the parent's secret: (parent, secret), (child, secret)."""
    parent, parent_secret = new_credential(member, name="parent")
    body = mint(api, parent_secret, name="child").json()
    return (parent, parent_secret), (Credential.objects.get(client_id=body["client_id"]), body["client_secret"])


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
