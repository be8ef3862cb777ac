"""Every regional endpoint: own account works, another account's path is 403, no token is 401."""

import pytest

from regional.models import Instance, SshPublicKey
from tests.credentials.helpers import bearer

ENDPOINTS = [
    ("get", "instancetypes", 200),
    ("get", "instances", 200),
    ("post", "instances", 201),
    ("get", "instances/id/{instance_id}", 200),
    ("get", "instances/name/web-1", 200),
    ("delete", "instances/id/{instance_id}", 204),
    ("delete", "instances/name/web-1", 204),
    ("get", "sshpublickeys", 200),
    ("post", "sshpublickeys", 201),
    ("get", "sshpublickeys/id/{key_id}", 200),
    ("get", "sshpublickeys/name/laptop", 200),
    ("delete", "sshpublickeys/id/{key_id}", 204),
    ("delete", "sshpublickeys/name/laptop", 204),
]


@pytest.fixture
def resources(member, region, ed25519_key):
    key = SshPublicKey.objects.create(
        cloud_account_id=member.account.cloud_account_id,
        region=region,
        name="laptop",
        public_key=ed25519_key,
        key_type="ssh-ed25519",
        fingerprint="SHA256:x",
        created_by_email="member@example.com",
    )
    instance = Instance.objects.create(
        cloud_account_id=member.account.cloud_account_id,
        region=region,
        name="web-1",
        instance_type=region.instance_types.first(),
        machine_image="debian-12",
        created_by_email="member@example.com",
    )
    return {"instance_id": instance.resource_id, "key_id": key.resource_id}


def call(api, method, account, path, resources, secret=None, ed25519_key=""):
    url = f"/regional/us-region-1/v1/cloudaccounts/{account.cloud_account_id}/{path.format(**resources)}"
    body = {"name": "new-one", "instance_type": "vm.small", "machine_image": "debian-12"}
    if path == "sshpublickeys":
        body = {"name": "new-one", "ssh_public_key": ed25519_key}
    headers = bearer(secret) if secret else {}
    if method == "post":
        return getattr(api, method)(url, body, content_type="application/json", headers=headers)
    return getattr(api, method)(url, headers=headers)


@pytest.mark.parametrize(("method", "path", "expected"), ENDPOINTS)
def test_own_account_succeeds(api, member, resources, member_secret, ed25519_key, method, path, expected):
    response = call(api, method, member.account, path, resources, member_secret, ed25519_key)
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(("method", "path", "expected"), ENDPOINTS)
def test_another_accounts_token_gets_403_and_changes_nothing(
    api, member, resources, outsider_secret, ed25519_key, method, path, expected
):
    response = call(api, method, member.account, path, resources, outsider_secret, ed25519_key)
    assert response.status_code == 403
    assert "web-1" not in response.content.decode() and "laptop" not in response.content.decode()
    assert Instance.objects.count() == 1 and SshPublicKey.objects.count() == 1


@pytest.mark.parametrize(("method", "path", "expected"), ENDPOINTS)
def test_no_token_gets_401(api, member, resources, ed25519_key, method, path, expected):
    response = call(api, method, member.account, path, resources, None, ed25519_key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="caas"'
