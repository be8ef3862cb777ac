"""Least privilege in the management API: a credential minted by a bearer is never broader than its caller.

Every rule has its abuse case beside it: what an attacker holding one leaked, restricted secret
would try next."""

from datetime import timedelta

import pytest

from credentials import services
from credentials.lineage import CallerRevoked, Ceiling
from credentials.models import Credential
from tests.credentials.helpers import FULL_ACCESS, bearer, get_token, mint, new_credential

URL = "/api/v1/credentials/"
JSON = "application/json"


def instances(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instances"


# The escalation the issue reports, step by step.


def test_a_leaked_restricted_secret_can_neither_mint_a_broader_one_nor_delete_its_parent(api, member, regions):
    restricted, secret = new_credential(member, name="p-restricted", regions=["us-region-1"], expires_in_days=30)
    refused = mint(api, secret, expires_in_days=None)
    assert refused.status_code == 403
    body = refused.json()
    assert body["code"] == "broader_than_caller" and set(body["too_broad"]) == {"expires_in_days"}
    assert "later than the caller's" in body["detail"]
    assert Credential.objects.count() == 1

    minted = mint(api, secret)
    assert minted.status_code == 201
    child = minted.json()
    assert child["regions"] == ["us-region-1"]
    assert child["expires_at"] == api.get(f"{URL}{restricted.client_id}/", headers=bearer(secret)).json()["expires_at"]
    assert child["permissions"] == FULL_ACCESS
    assert child["created_by"] == {"client_id": restricted.client_id, "name": "p-restricted"}
    minted_secret = child["client_secret"]
    other_region = instances("us-region-2", member)
    assert (
        api.post(other_region, {"name": "web-1"}, content_type=JSON, headers=bearer(minted_secret)).status_code == 401
    )

    assert api.delete(f"{URL}{restricted.client_id}/", headers=bearer(minted_secret)).status_code == 404
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_a_token_with_only_credentials_write_mints_only_credentials_write(api, member, regions):
    credential, secret = new_credential(member, name="p-restricted")
    token = get_token(api, credential.client_id, secret, scope="credentials:write")["access_token"]
    broader = mint(api, token, permissions=["compute:write"])
    assert broader.status_code == 403 and set(broader.json()["too_broad"]) == {"permissions"}
    assert "compute:write" in broader.json()["detail"]
    minted = mint(api, token)
    assert minted.status_code == 201 and minted.json()["permissions"] == ["credentials:write"]
    created = minted.json()["client_secret"]
    assert api.post(instances("us-region-1", member), {}, content_type=JSON, headers=bearer(created)).status_code == 403


def test_creating_a_credential_as_a_bearer_needs_credentials_write(api, member):
    _, secret = new_credential(member, permissions=["credentials:read", "compute:read"])
    response = mint(api, secret)
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    assert Credential.objects.count() == 1


def test_every_too_broad_field_is_named_and_nothing_is_created(api, member, regions):
    _, secret = new_credential(
        member,
        permissions=["credentials:write", "compute:read"],
        regions=["us-region-1"],
        expires_in_days=30,
        allowed_ips=["203.0.113.0/24"],
    )
    response = mint(api, secret, permissions=["compute:write"], regions=[], expires_in_days=365, allowed_ips=[])
    assert response.status_code == 403
    assert set(response.json()["too_broad"]) == {"permissions", "regions", "expires_in_days", "allowed_ips"}
    assert Credential.objects.count() == 1


def test_a_narrower_child_is_accepted_exactly_as_asked(api, member, regions):
    _, secret = new_credential(
        member, regions=["us-region-1", "us-region-2"], expires_in_days=90, allowed_ips=["203.0.113.0/24"]
    )
    response = mint(
        api,
        secret,
        permissions=["compute:read"],
        regions=["us-region-2"],
        expires_in_days=30,
        allowed_ips=["203.0.113.128/25"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["permissions"] == ["compute:read"] and body["regions"] == ["us-region-2"]
    assert body["allowed_ips"] == ["203.0.113.128/25"] and body["allowed_ips_mode"] == "enforce"


def test_omitted_fields_inherit_the_callers_restrictions_not_everything(api, member, regions):
    parent, secret = new_credential(
        member,
        permissions=["credentials:write", "compute:read"],
        regions=["us-region-3"],
        expires_in_days=30,
        allowed_ips=["2001:db8::/32"],
        allowed_ips_mode="report",
    )
    child = mint(api, secret).json()
    assert child["permissions"] == ["compute:read", "credentials:write"]
    assert child["regions"] == ["us-region-3"]
    assert child["allowed_ips"] == ["2001:db8::/32"] and child["allowed_ips_mode"] == "report"
    parent.refresh_from_db()
    assert Credential.objects.get(client_id=child["client_id"]).expires_at == parent.expires_at


def test_an_inherited_expiry_also_honours_a_lower_owner_cap(api, member, owner):
    parent, secret = new_credential(member, expires_in_days=365)
    services.set_credential_policies(owner=owner, max_lifetime_days=30, disable_unused_after_days=None)
    child = Credential.objects.get(client_id=mint(api, secret).json()["client_id"])
    assert child.expires_at < parent.expires_at
    assert child.expires_at - child.created_at == timedelta(days=30)


def test_enforced_addresses_cannot_be_relaxed_to_report_by_a_child(api, member):
    _, secret = new_credential(member, allowed_ips=["203.0.113.0/24"])
    response = mint(api, secret, allowed_ips=["203.0.113.0/24"], allowed_ips_mode="report")
    assert response.status_code == 403 and set(response.json()["too_broad"]) == {"allowed_ips_mode"}


@pytest.mark.parametrize("meanwhile", ["deleted", "disabled"])
def test_a_caller_revoked_while_its_request_runs_makes_no_child(member, meanwhile):
    parent, _ = new_credential(member, name="parent")
    ceiling = Ceiling(credential=parent, scopes=frozenset(parent.permissions))
    if meanwhile == "deleted":
        Credential.objects.filter(pk=parent.pk).delete()
    else:
        services.disable_credential(credential=parent, by=member.user, reason="test")
    with pytest.raises(CallerRevoked):
        services.generate_credential(membership=member, name="child", ceiling=ceiling)
    assert not Credential.objects.filter(name="child").exists()


def test_a_signed_in_member_is_the_root_and_chooses_freely(member_client, member, regions):
    response = member_client.post(
        URL, {"name": "root", "permissions": FULL_ACCESS, "expires_in_days": None}, content_type=JSON
    )
    assert response.status_code == 201
    assert response.json()["created_by"] is None and response.json()["expires_at"] is None


# Permissions.


def test_permissions_default_to_compute_and_bad_values_are_refused(member_client):
    created = member_client.post(URL, {"name": "a"}, content_type=JSON).json()
    assert created["permissions"] == ["compute:read", "compute:write"]
    unknown = member_client.post(URL, {"name": "b", "permissions": ["admin"]}, content_type=JSON)
    assert unknown.status_code == 400 and "Unknown permission admin" in unknown.json()["permissions"][0]
    empty = member_client.post(URL, {"name": "b", "permissions": []}, content_type=JSON)
    assert empty.status_code == 400 and "at least one permission" in empty.json()["permissions"][0]
    assert Credential.objects.count() == 1
