"""Usage says which permissions and regions were used, and narrower choices keep only those."""

from credentials import services, usage
from tests.credentials.helpers import bearer, new_credential

URL = "/api/v1/credentials/"
JSON = "application/json"


def instances(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instances"


def instance_types(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instancetypes"


def test_usage_lists_the_permissions_and_regions_used(api, member, regions):
    credential, secret = new_credential(member)
    api.get(instance_types("us-region-2", member), headers=bearer(secret))
    api.get(URL, headers=bearer(secret))
    body = api.get(f"{URL}{credential.client_id}/usage", headers=bearer(secret)).json()
    assert body["permissions_used"] == ["compute:read", "credentials:read"]
    assert body["regions_used"] == ["us-region-2"]


def test_a_refused_scope_does_not_count_as_used(api, member, region):
    credential, secret = new_credential(member, permissions=["compute:read", "credentials:read"])
    api.post(instances("us-region-1", member), {}, content_type=JSON, headers=bearer(secret))
    usage.flush()
    used = usage.used_grants(credential)
    assert used.permissions == []
    assert services.narrower_choices(credential, used) is None  # nothing used, so nothing to narrow to


def test_narrower_choices_keep_only_what_was_used(api, member, regions):
    credential, secret = new_credential(member)
    api.get(instance_types("us-region-1", member), headers=bearer(secret))
    usage.flush()
    narrower = services.narrower_choices(credential, usage.used_grants(credential))
    assert narrower["permissions"] == ["compute:read"] and narrower["regions"] == ["us-region-1"]
    assert narrower["unused_permissions"] == ["compute:write", "credentials:read", "credentials:write"]
    assert narrower["unused_regions"] == ["us-region-2", "us-region-3"]
