"""The credentials admin: lists, search and filters, read-only pages, and revoke and disable actions."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import generate_credential
from tests.credentials.helpers import bearer
from tests.regional.conftest import seeded_region

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


def test_disable_selected_stops_credentials_and_the_status_filter_finds_them(
    admin_client, admin_user, member, django_capture_on_commit_callbacks
):
    credential, _ = generate_credential(membership=member, name="deploy")
    other, _ = generate_credential(membership=member, name="other")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            CHANGELIST, {"action": "disable_selected", "_selected_action": [credential.pk]}, follow=True
        )
    assert (
        "Disabled 1 credential(s), with those made from them. They stopped working immediately."
        in response.content.decode()
    )
    credential.refresh_from_db()
    assert credential.status == "disabled" and credential.disabled_reason == "Disabled by an operator."
    event = AuditEvent.objects.get(action="credential.disabled")
    assert event.actor == admin_user and event.subject == member.user
    assert [message.to for message in mail.outbox] == [[member.user.email]]
    disabled = admin_client.get(CHANGELIST, {"status": "disabled"}).content.decode()
    assert credential.client_id in disabled and other.client_id not in disabled
    active = admin_client.get(CHANGELIST, {"status": "active"}).content.decode()
    assert other.client_id in active and credential.client_id not in active


def test_the_credential_page_shows_regions_expiry_and_usage(admin_client, member):
    seeded_region("us-region-1")
    credential, secret = generate_credential(
        membership=member, name="deploy", regions=["us-region-1"], expires_in_days=30
    )
    Client().get("/api/v1/me", headers=bearer(secret))
    page = admin_client.get(reverse("admin:credentials_credential_change", args=[credential.pk])).content.decode()
    assert "us-region-1" in page
    assert "1 requests, 0 refused" in page
    assert f"{credential.expires_at:%Y}" in page


@pytest.mark.parametrize("model", ["instance", "sshpublickey"])
def test_regional_resources_are_not_added_in_the_admin(admin_client, model):
    """They are made through the regional API, which keeps the quota and writes the Activity event."""
    assert admin_client.get(f"/admin/regional/{model}/add/").status_code == 403
    assert f"/admin/regional/{model}/add/" not in admin_client.get(f"/admin/regional/{model}/").content.decode()
