"""The management API's side of governance: restrictions at creation, disable and enable, the
revocation time, usage and the account's policies."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import services
from credentials.models import Credential
from tests.credentials.helpers import bearer, new_credential
from tests.regional.conftest import seeded_region

URL = "/api/v1/credentials/"


@pytest.fixture
def regions(db):
    return [seeded_region("us-region-1"), seeded_region("us-region-2")]


@pytest.fixture
def session(client, member):
    client.force_login(member.user)
    return client


def test_create_with_regions_and_expiry(session, regions):
    response = session.post(URL, {"name": "ci", "regions": ["us-region-2"], "expires_in_days": 90}, "application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["regions"] == ["us-region-2"]
    assert body["status"] == "active"
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=89, hours=23) < expires - timezone.now() <= timedelta(days=90)


def test_create_without_restrictions_never_expires_and_works_everywhere(session, regions):
    body = session.post(URL, {"name": "ci"}, "application/json").json()
    assert body["regions"] == [] and body["expires_at"] is None


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"regions": ["nowhere-1"]}, "regions", "Unknown region nowhere-1"),
        ({"expires_in_days": 45}, "expires_in_days", "Choose one of: 30, 90, 365, never"),
        ({"expires_in_days": 0}, "expires_in_days", "greater than or equal to 1"),
        ({"regions": "us-region-1"}, "regions", "list"),
    ],
)
def test_bad_restrictions_are_refused_clearly_and_create_nothing(session, regions, payload, field, words):
    response = session.post(URL, {"name": "ci", **payload}, "application/json")
    assert response.status_code == 400
    assert words in str(response.json()[field])
    assert not Credential.objects.exists()


def test_owner_cap_is_the_default_and_the_limit(client, member, owner, regions):
    services.set_credential_policies(owner=owner, max_lifetime_days=60, disable_unused_after_days=None)
    client.force_login(member.user)
    refused = client.post(URL, {"name": "a", "expires_in_days": None}, "application/json")
    assert refused.status_code == 400
    assert "at most 60 days" in refused.json()["expires_in_days"][0]
    created = client.post(URL, {"name": "a"}, "application/json").json()
    assert datetime.fromisoformat(created["expires_at"]) - timezone.now() > timedelta(days=59)


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


def test_usage_counts_requests_per_region_and_failures(client, member, regions):
    credential, secret = new_credential(member, regions=["us-region-1"])
    account = member.account.cloud_account_id
    for slug, times in (("us-region-1", 3), ("us-region-2", 2)):
        for _ in range(times):
            client.get(f"/regional/{slug}/v1/cloudaccounts/{account}/instancetypes", headers=bearer(secret))
    client.get("/api/v1/me", headers=bearer(secret))
    response = client.get(f"{URL}{credential.client_id}/usage", headers=bearer(secret))
    assert response.status_code == 200
    body = response.json()
    assert len(body["hours"]) == 168 and all(len(series) == 168 for series in body["requests"].values())
    assert sum(body["requests"]["us-region-1"]) == 3
    assert sum(body["requests"][""]) == 2  # /api/v1/me, and this usage request itself
    assert "us-region-2" not in body["requests"]  # refused: counted as failures
    assert body["total_requests"] == 5 and body["total_failures"] == 2
    assert body["recent_failures"][0]["region"] == "us-region-2"
    assert "not in us-region-2" in body["recent_failures"][0]["reason"]
    assert body["last_used_region"] == "us-region-1"


def test_owner_sees_a_members_usage_but_a_member_not_the_owners(client, member, owner):
    owned, _ = services.generate_credential(membership=owner, name="owner-ci")
    mine, _ = services.generate_credential(membership=member, name="ci")
    client.force_login(owner.user)
    assert client.get(f"{URL}{mine.client_id}/usage").status_code == 200
    client.force_login(member.user)
    assert client.get(f"{URL}{owned.client_id}/usage").status_code == 404


def test_policies_read_by_members_changed_by_the_owner_only(client, member, owner):
    url = "/api/v1/account/credential-policies"
    policy = {"credential_max_lifetime_days": 90, "disable_unused_credentials_after_days": 30}
    client.force_login(member.user)
    assert client.get(url).json() == {
        "credential_max_lifetime_days": None,
        "disable_unused_credentials_after_days": None,
    }
    refused = client.put(url, policy, "application/json")
    assert refused.status_code == 403
    assert "Only the account owner" in refused.json()["detail"]
    client.force_login(owner.user)
    assert client.put(url, policy, "application/json").json() == policy
    assert client.put(url, {**policy, "credential_max_lifetime_days": 0}, "application/json").status_code == 400
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days == 90
