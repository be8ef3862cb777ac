"""A bearer secret carries exactly its permissions; credentials made before permissions keep full access."""

import pytest

from credentials.models import Credential
from tests.credentials.helpers import FULL_ACCESS, bearer, new_credential

URL = "/api/v1/credentials/"
JSON = "application/json"


def instances(region: str, membership) -> str:
    return f"/regional/{region}/v1/cloudaccounts/{membership.account.cloud_account_id}/instances"


def test_a_secret_carries_exactly_its_permissions(api, member, region):
    _, secret = new_credential(member, permissions=["compute:read"])
    assert api.get(instances("us-region-1", member), headers=bearer(secret)).status_code == 200
    write = api.post(instances("us-region-1", member), {"name": "web-1"}, content_type=JSON, headers=bearer(secret))
    assert write.status_code == 403 and 'scope="compute:write"' in write["WWW-Authenticate"]
    assert api.get(URL, headers=bearer(secret)).status_code == 403
    me = api.get("/api/v1/me", headers=bearer(secret)).json()
    assert me["scopes"] == ["compute:read"]


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
