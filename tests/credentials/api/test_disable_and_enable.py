"""Disable, enable, delete and detail through the management API."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import services
from credentials.models import Credential
from tests.credentials.helpers import bearer, new_credential

URL = "/api/v1/credentials/"


@pytest.fixture
def session(client, member):
    client.force_login(member.user)
    return client


def test_delete_says_when_the_credential_stopped_working(session, member):
    credential, _ = services.generate_credential(membership=member, name="ci")
    before = timezone.now().replace(microsecond=0)
    response = session.delete(f"{URL}{credential.client_id}/")
    assert response.status_code == 204
    revoked_at = datetime.fromisoformat(response.headers["Revoked-At"])
    assert before <= revoked_at <= timezone.now()


def test_disable_and_enable_through_the_api(client, member):
    other, other_secret = new_credential(member, name="ops")
    credential, secret = services.generate_credential(membership=member, name="ci")
    Credential.objects.filter(pk=credential.pk).update(parent=other)  # a bearer manages only its descendants
    disabled = client.post(f"{URL}{credential.client_id}/disable", headers=bearer(other_secret))
    assert disabled.status_code == 200
    body = disabled.json()
    assert body["status"] == "disabled" and body["takes_effect"] == "immediately"
    assert body["disabled_at"] is not None and body["disabled_reason"] == "Disabled by its member."
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    again = client.post(f"{URL}{credential.client_id}/disable", headers=bearer(other_secret)).json()
    assert again["disabled_at"] == body["disabled_at"]
    enabled = client.post(f"{URL}{credential.client_id}/enable", headers=bearer(other_secret))
    assert enabled.status_code == 200 and enabled.json()["status"] == "active"
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    actions = list(AuditEvent.objects.filter(action__startswith="credential.").values_list("action", flat=True))
    assert actions.count("credential.disabled") == 1 and actions.count("credential.enabled") == 1


def test_enabling_an_expired_credential_is_a_conflict(session, member):
    credential, _ = services.generate_credential(membership=member, name="ci", expires_in_days=30)
    services.disable_credential(credential=credential, by=member.user, reason="test")
    Credential.objects.filter(pk=credential.pk).update(
        created_at=timezone.now() - timedelta(days=40), expires_at=timezone.now() - timedelta(days=10)
    )
    response = session.post(f"{URL}{credential.client_id}/enable")
    assert response.status_code == 409
    assert "expired" in response.json()["detail"]


def test_detail_shows_one_credential_and_never_its_secret(session, member):
    credential, secret = services.generate_credential(membership=member, name="ci")
    response = session.get(f"{URL}{credential.client_id}/")
    assert response.status_code == 200
    assert response.json()["client_id"] == credential.client_id
    assert secret not in response.content.decode()
