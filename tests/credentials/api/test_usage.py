"""Usage through the management API: requests per region, failures, and who may see them."""

import pytest

from credentials import services
from tests.credentials.helpers import bearer, new_credential
from tests.regional.conftest import seeded_region

URL = "/api/v1/credentials/"


@pytest.fixture
def regions(db):
    return [seeded_region("us-region-1"), seeded_region("us-region-2")]


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
