"""Least privilege: permissions, source-address allow-lists and lineage, as a bearer caller meets them.

Every rule has its abuse case beside it: what an attacker holding one leaked, restricted secret
would try next.
"""

from datetime import timedelta

import jwt
import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import services, usage
from credentials.leaks import process_leak_report, record_leak_report
from credentials.lineage import CallerRevoked, Ceiling
from credentials.models import Credential, CredentialUsage
from tests.credentials.helpers import FULL_ACCESS, basic, bearer, get_token, new_credential, post_form
from tests.regional.conftest import seeded_region

URL = "/api/v1/credentials/"
JSON = "application/json"
INSIDE, OUTSIDE = "203.0.113.7", "192.0.2.9"


@pytest.fixture
def regions(db):
    return [seeded_region(slug) for slug in ("us-region-1", "us-region-2", "us-region-3")]


def instances(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instances"


def instance_types(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instancetypes"


def mint(client, secret: str, **fields):
    """POST /api/v1/credentials/ as a bearer, from an address inside the allow-lists these tests use."""
    return client.post(
        URL, {"name": "p-minted", **fields}, content_type=JSON, headers=bearer(secret), REMOTE_ADDR=INSIDE
    )


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


def test_a_secret_carries_exactly_its_permissions(api, member, region):
    _, secret = new_credential(member, permissions=["compute:read"])
    assert api.get(instances("us-region-1", member), headers=bearer(secret)).status_code == 200
    write = api.post(instances("us-region-1", member), {"name": "web-1"}, content_type=JSON, headers=bearer(secret))
    assert write.status_code == 403 and 'scope="compute:write"' in write["WWW-Authenticate"]
    assert api.get(URL, headers=bearer(secret)).status_code == 403
    me = api.get("/api/v1/me", headers=bearer(secret)).json()
    assert me["scopes"] == ["compute:read"]


def test_the_token_endpoint_grants_only_within_the_permissions(api, member):
    credential, secret = new_credential(member, permissions=["compute:read", "credentials:read"])
    assert get_token(api, credential.client_id, secret)["scope"] == "compute:read credentials:read"
    assert get_token(api, credential.client_id, secret, scope="compute:read")["scope"] == "compute:read"
    response = post_form(
        api,
        "/oauth2/token",
        {"grant_type": "client_credentials", "scope": "compute:read compute:write"},
        headers={"Authorization": basic(credential.client_id, secret)},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    assert "lacks compute:write" in response.json()["error_description"]


def test_introspection_reports_the_tokens_scope(api, member):
    credential, secret = new_credential(member, permissions=["compute:read"])
    token = get_token(api, credential.client_id, secret)["access_token"]
    body = post_form(
        api, "/oauth2/introspect", {"token": token}, headers={"Authorization": basic(credential.client_id, secret)}
    ).json()
    assert body["active"] is True and body["scope"] == "compute:read"


def test_credentials_made_before_permissions_keep_full_access(api, member, region):
    credential, secret = new_credential(member, permissions=["compute:read"])
    Credential.objects.filter(pk=credential.pk).update(permissions=FULL_ACCESS, predates_permissions=True)
    body = api.get(f"{URL}{credential.client_id}/", headers=bearer(secret)).json()
    assert body["predates_permissions"] is True and body["permissions"] == FULL_ACCESS
    assert api.post(instances("us-region-1", member), {}, content_type=JSON, headers=bearer(secret)).status_code == 400


def test_the_database_refuses_a_credential_without_permissions(member):
    from django.db import IntegrityError, transaction

    credential, _ = new_credential(member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Credential.objects.filter(pk=credential.pk).update(permissions=[])


# Lineage: what a bearer caller may manage, and what goes with a parent.


@pytest.fixture
def family(api, member, regions):
    """A parent made by the member, its child made with the parent's secret: (parent, secret), (child, secret)."""
    parent, parent_secret = new_credential(member, name="parent")
    body = mint(api, parent_secret, name="child").json()
    return (parent, parent_secret), (Credential.objects.get(client_id=body["client_id"]), body["client_secret"])


def test_a_bearer_sees_only_itself_and_its_descendants(api, family):
    (parent, parent_secret), (_child, child_secret) = family
    assert {c["name"] for c in api.get(URL, headers=bearer(parent_secret)).json()} == {"parent", "child"}
    assert [c["name"] for c in api.get(URL, headers=bearer(child_secret)).json()] == ["child"]
    for path in (f"{URL}{parent.client_id}/", f"{URL}{parent.client_id}/usage"):
        assert api.get(path, headers=bearer(child_secret)).status_code == 404
    assert api.post(f"{URL}{parent.client_id}/disable", headers=bearer(child_secret)).status_code == 404
    assert api.delete(f"{URL}{parent.client_id}/", headers=bearer(child_secret)).status_code == 404
    assert Credential.objects.filter(pk=parent.pk, disabled_at__isnull=True).exists()


def test_a_bearer_cannot_reach_a_sibling_the_member_made(api, member, family):
    (_, _), (_, child_secret) = family
    Credential.objects.filter(name="parent").delete()  # free a slot; the child goes with it (cascade)
    sibling, _ = new_credential(member, name="sibling")
    _other, other_secret = new_credential(member, name="other")
    assert api.get(f"{URL}{sibling.client_id}/", headers=bearer(other_secret)).status_code == 404
    assert [c["name"] for c in api.get(URL, headers=bearer(other_secret)).json()] == ["other"]
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401


def test_an_owners_bearer_sees_no_other_members_usage(api, owner, member):
    _, owner_secret = new_credential(owner, name="owner-ci")
    theirs, _ = new_credential(member, name="theirs")
    assert api.get(f"{URL}{theirs.client_id}/usage", headers=bearer(owner_secret)).status_code == 404


def test_a_signed_in_member_manages_every_credential_of_theirs(member_client, family):
    (parent, _), (child, _) = family
    assert {c["name"] for c in member_client.get(URL).json()} == {"parent", "child"}
    assert member_client.get(f"{URL}{child.client_id}/").json()["created_by"]["client_id"] == parent.client_id


def test_deleting_a_parent_deletes_its_descendants_with_an_event_each(api, member, family):
    (parent, parent_secret), (_child, child_secret) = family
    response = api.delete(f"{URL}{parent.client_id}/", headers=bearer(parent_secret))
    assert response.status_code == 204 and response["Descendants-Deleted"] == "1"
    assert not Credential.objects.exists()
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401
    targets = list(AuditEvent.objects.filter(action="credential.deleted").values_list("target", flat=True))
    assert len(targets) == 2 and any("child" in t and "which it was made with" in t for t in targets)


def test_deleting_a_child_leaves_the_parent(api, family):
    (_parent, parent_secret), (child, _) = family
    response = api.delete(f"{URL}{child.client_id}/", headers=bearer(parent_secret))
    assert response.status_code == 204 and response["Descendants-Deleted"] == "0"
    assert list(Credential.objects.values_list("name", flat=True)) == ["parent"]


def test_disabling_a_parent_disables_its_descendants(api, family):
    (parent, parent_secret), (child, child_secret) = family
    body = api.post(f"{URL}{parent.client_id}/disable", headers=bearer(parent_secret)).json()
    assert body["status"] == "disabled" and body["descendants_disabled"] == 1
    child.refresh_from_db()
    assert child.disabled_at is not None and "with parent" in child.disabled_reason
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401
    assert AuditEvent.objects.filter(action="credential.disabled").count() == 2


def test_an_owners_revocation_takes_the_descendants_and_sends_one_email(
    owner, family, django_capture_on_commit_callbacks
):
    (parent, _), (child, _) = family
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        gone = services.revoke_credential(by=owner.user, credential=Credential.objects.get(pk=parent.pk))
    assert [c.name for c in gone] == ["parent", "child"]
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 2
    assert len(mail.outbox) == 1 and child.client_id in mail.outbox[0].body


def test_a_leak_report_revokes_the_descendants_too(family, django_capture_on_commit_callbacks):
    (_parent, parent_secret), (child, _) = family
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        process_leak_report(record_leak_report(secret=parent_secret).pk)
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.leak_revoked").count() == 2
    assert len(mail.outbox) == 1 and child.client_id in mail.outbox[0].body


def test_the_unused_policy_disables_the_descendants_too(owner, family, django_capture_on_commit_callbacks):
    (parent, _), (child, _) = family
    services.set_credential_policies(owner=owner, max_lifetime_days=None, disable_unused_after_days=5)
    long_ago = timezone.now() - timedelta(days=10)
    Credential.objects.filter(pk=parent.pk).update(created_at=long_ago, last_used_at=long_ago)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.enforce_credential_policies()["disabled"] == 2
    child.refresh_from_db()
    assert child.disabled_at is not None
    assert len(mail.outbox) == 1


def test_removing_the_member_takes_the_whole_family(api, owner, member, family):
    from accounts.services import remove_member

    (_, parent_secret), (_, child_secret) = family
    remove_member(by=owner, member=member)
    assert not Credential.objects.exists()
    for secret in (parent_secret, child_secret):
        assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_the_two_credential_limit_counts_children(api, family):
    (_, parent_secret), _ = family
    response = mint(api, parent_secret, name="third")
    assert response.status_code == 409 and response.json()["code"] == "credential_limit_reached"


# Source-address allow-lists.


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


# Tokens never outlive their credential.


def test_a_token_expires_no_later_than_its_credential(api, member):
    credential, secret = new_credential(member, expires_in_days=30)
    soon = timezone.now() + timedelta(minutes=10)
    Credential.objects.filter(pk=credential.pk).update(expires_at=soon)
    body = get_token(api, credential.client_id, secret)
    assert 0 < body["expires_in"] <= 600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] <= int(soon.timestamp()) and claims["exp"] - claims["iat"] == body["expires_in"]


# Usage says which permissions and regions were used.


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


# RFC 7009 with the client secret itself.


def test_a_client_revokes_its_own_secret_and_its_descendants(api, family):
    (parent, parent_secret), (_, child_secret) = family
    auth = {"Authorization": basic(parent.client_id, parent_secret)}
    assert post_form(api, "/oauth2/revoke", {"token": parent_secret}, headers=auth).status_code == 200
    assert not Credential.objects.exists()
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401
    assert AuditEvent.objects.filter(action="credential.deleted").count() == 2


def test_another_clients_secret_is_ignored_at_the_revocation_endpoint(api, member, outsider):
    mine, my_secret = new_credential(member, name="mine")
    theirs, their_secret = new_credential(outsider, name="theirs")
    auth = {"Authorization": basic(mine.client_id, my_secret)}
    assert post_form(api, "/oauth2/revoke", {"token": their_secret}, headers=auth).status_code == 200
    assert Credential.objects.filter(pk=theirs.pk).exists() and Credential.objects.filter(pk=mine.pk).exists()


# The admin shows it all, read-only, and its actions cascade too.


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
