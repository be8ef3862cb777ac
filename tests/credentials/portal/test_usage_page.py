"""The portal's usage page: requests per region, the CSP, and who may see it."""

import pytest
from django.urls import reverse

from credentials.services import generate_credential
from tests.credentials.helpers import bearer

pytestmark = pytest.mark.usefixtures("regions")


def url(name, credential) -> str:
    return reverse(f"credentials:{name}", args=[credential.client_id])


def regional(account, region="us-region-1") -> str:
    return f"/regional/{region}/v1/cloudaccounts/{account.cloud_account_id}/instancetypes"


def test_the_usage_page_counts_bearer_requests_per_region(client, member):
    credential, secret = generate_credential(membership=member, name="deploy", regions=["us-region-1"])
    for _ in range(3):
        assert client.get(regional(member.account), headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert client.get(regional(member.account, "us-region-2"), headers=bearer(secret)).status_code == 401
    client.force_login(member.user)
    response = client.get(url("usage", credential))
    content = response.content.decode()
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.total_requests == 4 and summary.total_failures == 1
    assert summary.requests["us-region-1"][-1] == 3 and summary.requests[""][-1] == 1
    assert "<svg" in content and 'role="img"' in content and "<title>" in content
    assert content.count("<polyline") == 2
    assert "API and OAuth (1)" in content and "us-region-1 (3)" in content
    assert "<details>" in content and "Requests per day (UTC) and region" in content
    assert "This credential may be used only in us-region-1, not in us-region-2." in content
    assert "127.0.0.1" in content


def test_the_usage_page_obeys_the_csp(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    response = member_client.get(url("usage", credential))
    content = response.content.decode()
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in content and "<script>" not in content
    assert "No requests in the last 7 days." in content


def test_the_owner_sees_a_members_usage(owner_client, member):
    credential, secret = generate_credential(membership=member, name="deploy")
    owner_client.get(regional(member.account), headers=bearer(secret))
    content = owner_client.get(url("usage", credential)).content.decode()
    assert "Usage of deploy" in content and "member@example.com" in content
    assert "us-region-1 (1)" in content


def test_a_member_sees_only_their_own_usage(member_client, owner):
    credential, _ = generate_credential(membership=owner, name="owners-key")
    assert member_client.get(url("usage", credential)).status_code == 404


def test_an_outsider_gets_404_for_usage(outsider_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    assert outsider_client.get(url("usage", credential)).status_code == 404
    assert outsider_client.get(reverse("credentials:usage", args=["cid_nope"])).status_code == 404


def test_usage_refuses_post_and_anonymous_visitors(client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    response = client.get(url("usage", credential))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(member.user)
    assert client.post(url("usage", credential)).status_code == 405
