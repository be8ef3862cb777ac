"""Source-address allow-lists, enforced or reported, as a bearer caller meets them."""

from credentials.models import CredentialUsage
from tests.credentials.helpers import INSIDE, OUTSIDE, basic, bearer, new_credential, post_form

URL = "/api/v1/credentials/"
JSON = "application/json"


def instance_types(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instancetypes"


def test_addresses_are_validated_and_normalised(member_client):
    created = member_client.post(
        URL, {"name": "a", "allowed_ips": ["203.0.113.7", "2001:DB8::/32", "203.0.113.7/32"]}, content_type=JSON
    ).json()
    assert created["allowed_ips"] == ["203.0.113.7/32", "2001:db8::/32"]
    for bad, words in (("203.0.113.0/33", "not an IPv4 or IPv6"), ("203.0.113.7/24", "host bits"), ("x", "x is")):
        response = member_client.post(URL, {"name": "b", "allowed_ips": [bad]}, content_type=JSON)
        assert response.status_code == 400 and words in response.json()["allowed_ips"][0]
    many = [f"198.51.100.{n}" for n in range(21)]
    response = member_client.post(URL, {"name": "b", "allowed_ips": many}, content_type=JSON)
    assert response.status_code == 400 and "at most 20" in response.json()["allowed_ips"][0]


def test_an_enforced_allow_list_refuses_other_addresses_everywhere(api, member, region):
    credential, secret = new_credential(member, allowed_ips=["203.0.113.0/24"])
    assert api.get(instance_types("us-region-1", member), headers=bearer(secret), REMOTE_ADDR=INSIDE).status_code == 200
    outside = api.get(instance_types("us-region-1", member), headers=bearer(secret), REMOTE_ADDR=OUTSIDE)
    assert outside.status_code == 401 and OUTSIDE in outside["WWW-Authenticate"]
    auth = {"Authorization": basic(credential.client_id, secret)}
    grant = {"grant_type": "client_credentials"}
    refused = post_form(api, "/oauth2/token", grant, headers=auth, REMOTE_ADDR=OUTSIDE)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert OUTSIDE in refused.json()["error_description"]
    token = post_form(api, "/oauth2/token", grant, headers=auth, REMOTE_ADDR=INSIDE).json()["access_token"]
    assert api.get("/api/v1/me", headers=bearer(token), REMOTE_ADDR=INSIDE).status_code == 200
    assert api.get("/api/v1/me", headers=bearer(token), REMOTE_ADDR=OUTSIDE).status_code == 401


def test_an_ipv6_allow_list_matches_ipv6_clients(api, member):
    _, secret = new_credential(member, allowed_ips=["2001:db8::/32"])
    assert api.get("/api/v1/me", headers=bearer(secret), REMOTE_ADDR="2001:db8::1").status_code == 200
    assert api.get("/api/v1/me", headers=bearer(secret), REMOTE_ADDR="2001:db9::1").status_code == 401
    assert api.get("/api/v1/me", headers=bearer(secret), REMOTE_ADDR=INSIDE).status_code == 401


def test_report_mode_lets_the_use_through_and_records_what_would_have_been_refused(api, member):
    credential, secret = new_credential(member, allowed_ips=["203.0.113.0/24"], allowed_ips_mode="report")
    assert api.get("/api/v1/me", headers=bearer(secret), REMOTE_ADDR=OUTSIDE).status_code == 200
    assert api.get("/api/v1/me", headers=bearer(secret), REMOTE_ADDR=INSIDE).status_code == 200
    body = api.get(f"{URL}{credential.client_id}/usage", headers=bearer(secret), REMOTE_ADDR=INSIDE).json()
    reasons = [failure["reason"] for failure in body["recent_failures"]]
    assert reasons == [
        f"Would have been refused: {OUTSIDE}. This credential may not be used from {OUTSIDE}: "
        "it is not in its allowed source addresses."
    ]
    assert body["total_failures"] == 0 and body["total_requests"] == 3
    assert not CredentialUsage.objects.filter(requests=0, failures=0).exists()  # a note, not a counter
