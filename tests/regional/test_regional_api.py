"""The stand-in regional services, through the real URL routing and bearer authentication."""

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from accounts.models import AuditEvent
from accounts.services import remove_member
from regional.models import Instance, Region, SshPublicKey
from tests.credentials.helpers import bearer, get_token
from tests.factories import MembershipFactory
from tests.regional.conftest import openssh, seeded_region


def base(account, region="us-region-1") -> str:
    return f"/regional/{region}/v1/cloudaccounts/{account.cloud_account_id}"


def create_instance(api, account, secret, name="web-1", region="us-region-1", **extra):
    body = {"name": name, "instance_type": "vm.small", "machine_image": "debian-12", **extra}
    return api.post(f"{base(account, region)}/instances", body, content_type="application/json", headers=bearer(secret))


def create_key(api, account, secret, key, name="laptop", region="us-region-1"):
    body = {"name": name, "ssh_public_key": key}
    return api.post(
        f"{base(account, region)}/sshpublickeys", body, content_type="application/json", headers=bearer(secret)
    )


def test_the_catalogue_lists_the_regions_instance_types(api, member, region, member_secret):
    response = api.get(f"{base(member.account)}/instancetypes", headers=bearer(member_secret))
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == list(region.instance_types.values_list("name", flat=True))
    assert {"vm.small", "vm.medium"} <= {t["name"] for t in response.json()}


def test_an_unknown_region_answers_404_json(api, member, region, member_secret):
    response = api.get(f"{base(member.account, 'eu-nowhere-9')}/instancetypes", headers=bearer(member_secret))
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_a_disabled_region_answers_404(api, member, member_secret):
    Region.objects.filter(pk=seeded_region("us-region-3").pk).update(enabled=False)
    response = api.get(f"{base(member.account, 'us-region-3')}/instancetypes", headers=bearer(member_secret))
    assert response.status_code == 404


def test_a_session_cookie_is_not_enough(member_client, member, region):
    response = member_client.get(f"{base(member.account)}/instances")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="caas"'


def test_another_accounts_path_answers_403_even_for_a_member_of_both(api, member, outsider, region, member_secret):
    MembershipFactory(user=member.user, account=outsider.account)
    response = api.get(f"{base(outsider.account)}/instances", headers=bearer(member_secret))
    assert response.status_code == 403


def test_create_get_and_delete_an_instance_by_id(api, member, region, member_secret):
    created = create_instance(api, member.account, member_secret)
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "web-1" and body["region"] == "us-region-1" and body["status"] == "running"
    assert body["created_by"] == "member@example.com" and body["ssh_public_key_names"] == []
    url = f"{base(member.account)}/instances/id/{body['resource_id']}"
    assert api.get(url, headers=bearer(member_secret)).json() == body
    assert api.delete(url, headers=bearer(member_secret)).status_code == 204
    assert api.get(url, headers=bearer(member_secret)).status_code == 404
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"instance.created", "instance.deleted"} <= actions


def test_get_and_delete_an_instance_by_name(api, member, region, member_secret):
    create_instance(api, member.account, member_secret)
    url = f"{base(member.account)}/instances/name/web-1"
    assert api.get(url, headers=bearer(member_secret)).json()["name"] == "web-1"
    assert api.delete(url, headers=bearer(member_secret)).status_code == 204
    assert not Instance.objects.exists()


@pytest.mark.parametrize("resource_id", ["not-a-uuid", str(uuid.uuid4())])
def test_unknown_ids_answer_404(api, member, region, member_secret, resource_id):
    assert (
        api.get(f"{base(member.account)}/instances/id/{resource_id}", headers=bearer(member_secret)).status_code == 404
    )


def test_another_accounts_instance_is_not_found_under_your_own_path(
    api, member, outsider, region, member_secret, outsider_secret
):
    theirs = create_instance(api, outsider.account, outsider_secret).json()
    url = f"{base(member.account)}/instances/id/{theirs['resource_id']}"
    assert api.get(url, headers=bearer(member_secret)).status_code == 404
    assert api.delete(url, headers=bearer(member_secret)).status_code == 404
    assert Instance.objects.count() == 1


def test_the_list_is_paginated_and_filtered_by_status(api, member, region, member_secret):
    for i in range(3):
        create_instance(api, member.account, member_secret, name=f"web-{i}")
    Instance.objects.filter(name="web-2").update(status="stopped")
    page = api.get(f"{base(member.account)}/instances?limit=2", headers=bearer(member_secret)).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    stopped = api.get(f"{base(member.account)}/instances?status=stopped", headers=bearer(member_secret)).json()
    assert [i["name"] for i in stopped["results"]] == ["web-2"]
    bad = api.get(f"{base(member.account)}/instances?status=exploded", headers=bearer(member_secret))
    assert bad.status_code == 400 and "status" in bad.json()


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"instance_type": "vm.huge"}, "instance_type"),
        ({"machine_image": "windows-95"}, "machine_image"),
        ({"name": "Bad_Name"}, "name"),
        ({"name": "-edge"}, "name"),
        ({"ssh_public_key_names": ["missing"]}, "ssh_public_key_names"),
        ({"ssh_public_key_names": "not-a-list"}, "ssh_public_key_names"),
    ],
)
def test_bad_instance_input_is_explained(api, member, region, member_secret, extra, field):
    response = create_instance(api, member.account, member_secret, **extra)
    assert response.status_code == 400
    assert field in response.json()
    assert not Instance.objects.exists()


def test_instance_names_are_unique_per_account_and_region(api, member, region, other_region, member_secret):
    assert create_instance(api, member.account, member_secret).status_code == 201
    duplicate = create_instance(api, member.account, member_secret)
    assert duplicate.status_code == 409 and "already exists" in duplicate.json()["detail"]
    assert create_instance(api, member.account, member_secret, region="us-region-2").status_code == 201


def test_the_quota_per_account_and_region_answers_409(api, settings, member, owner, region, member_secret):
    settings.REGIONAL_INSTANCE_QUOTA = 2
    from credentials.services import generate_credential

    _, owner_secret = generate_credential(membership=owner, name="ci")
    assert create_instance(api, member.account, member_secret, name="a").status_code == 201
    assert create_instance(api, owner.account, owner_secret, name="b").status_code == 201
    response = create_instance(api, member.account, member_secret, name="c")
    assert response.status_code == 409
    assert "at most 2 instances in us-region-1" in response.json()["detail"]


def test_the_ssh_key_quota_per_account_and_region_answers_409(
    api, settings, member, owner, region, other_region, member_secret
):
    settings.REGIONAL_SSH_KEY_QUOTA = 2
    from credentials.services import generate_credential

    def new_key():
        return openssh(ed25519.Ed25519PrivateKey.generate())

    _, owner_secret = generate_credential(membership=owner, name="ci")
    assert create_key(api, member.account, member_secret, new_key(), name="a").status_code == 201
    assert create_key(api, owner.account, owner_secret, new_key(), name="b").status_code == 201
    response = create_key(api, member.account, member_secret, new_key(), name="c")
    assert response.status_code == 409
    assert response.json()["detail"] == "Quota reached: an account can have at most 2 SSH public keys in us-region-1."
    assert create_key(api, member.account, member_secret, new_key(), name="c", region="us-region-2").status_code == 201
    assert SshPublicKey.objects.filter(cloud_account_id=member.account.cloud_account_id, region=region).count() == 2


def test_ssh_keys_of_each_accepted_type(api, member, region, member_secret, ed25519_key, ecdsa_key, rsa_2048_key):
    for name, key in [("ed", ed25519_key), ("ec", ecdsa_key), ("rsa", rsa_2048_key)]:
        response = create_key(api, member.account, member_secret, key, name=name)
        assert response.status_code == 201, response.json()
        assert response.json()["fingerprint"].startswith("SHA256:")
    types = set(SshPublicKey.objects.values_list("key_type", flat=True))
    assert types == {"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"}


@pytest.mark.parametrize(
    "bad", ["", "hello", "ssh-ed25519", "ssh-ed25519 AAAAnotbase64!!", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=="]
)
def test_malformed_ssh_keys_are_refused(api, member, region, member_secret, bad):
    response = create_key(api, member.account, member_secret, bad)
    assert response.status_code == 400
    assert not SshPublicKey.objects.exists()


def test_short_rsa_keys_are_refused(api, member, region, member_secret, rsa_1024_key):
    response = create_key(api, member.account, member_secret, rsa_1024_key)
    assert response.status_code == 400
    assert "at least 2048 bits" in response.json()["ssh_public_key"][0]


def test_a_key_in_use_cannot_be_deleted(api, member, region, member_secret, ed25519_key):
    key = create_key(api, member.account, member_secret, ed25519_key).json()
    instance = create_instance(api, member.account, member_secret, ssh_public_key_names=["laptop"]).json()
    assert instance["ssh_public_key_names"] == ["laptop"]
    url = f"{base(member.account)}/sshpublickeys/name/laptop"
    refused = api.delete(url, headers=bearer(member_secret))
    assert refused.status_code == 409 and "used by instance(s) web-1" in refused.json()["detail"]
    api.delete(f"{base(member.account)}/instances/name/web-1", headers=bearer(member_secret))
    assert (
        api.delete(
            f"{base(member.account)}/sshpublickeys/id/{key['resource_id']}", headers=bearer(member_secret)
        ).status_code
        == 204
    )


def test_ssh_key_names_are_unique_per_account_and_region(api, member, region, member_secret, ed25519_key):
    create_key(api, member.account, member_secret, ed25519_key)
    assert create_key(api, member.account, member_secret, ed25519_key).status_code == 409


def test_resources_survive_the_members_removal(api, owner, member, region, member_secret):
    create_instance(api, member.account, member_secret)
    remove_member(by=owner, member=member)
    instance = Instance.objects.get()
    assert instance.cloud_account_id == owner.account.cloud_account_id
    assert instance.created_by_email == "member@example.com"


def test_an_access_token_works_and_its_scopes_are_enforced(api, member, region, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret, scope="compute:read")["access_token"]
    assert api.get(f"{base(member.account)}/instances", headers=bearer(token)).status_code == 200
    response = create_instance(api, member.account, token)
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"


def test_a_token_without_compute_scopes_is_refused(api, member, region, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret, scope="credentials:read")["access_token"]
    assert api.get(f"{base(member.account)}/instances", headers=bearer(token)).status_code == 403
