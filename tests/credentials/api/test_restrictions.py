"""Regions and expiry at creation through the management API, and the owner's cap."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from credentials import services
from credentials.models import Credential
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
