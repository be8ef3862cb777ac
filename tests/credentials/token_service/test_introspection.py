"""RFC 7662 token introspection of access tokens; client secrets are in test_introspect_secret.py."""

import pytest

from tests.credentials.helpers import basic, get_token, new_credential, post_form


def introspect(api, credential, secret, token):
    return post_form(
        api, "/oauth2/introspect", {"token": token}, headers={"Authorization": basic(credential.client_id, secret)}
    )


def test_rfc_7662_an_active_token_is_described(api, owner, member, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret, scope="compute:read")["access_token"]
    resource_server, rs_secret = new_credential(owner, name="resource-server")
    body = introspect(api, resource_server, rs_secret, token).json()
    assert body["active"] is True and body["client_id"] == credential.client_id
    assert body["scope"] == "compute:read" and body["token_type"] == "Bearer"
    assert body["cloud_account_id"] == member.account.cloud_account_id and body["exp"] > body["iat"]


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_rfc_7662_anything_invalid_is_inactive(api, member_credential, token):
    credential, secret = member_credential
    response = introspect(api, credential, secret, token or "x")
    assert response.status_code == 200 and response.json() == {"active": False}


def test_rfc_7662_revoked_deleted_and_foreign_tokens_are_inactive(api, member, outsider, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    foreign, foreign_secret = new_credential(outsider, name="foreign")
    assert introspect(api, foreign, foreign_secret, token).json() == {"active": False}
    second, second_secret = new_credential(member, name="second")
    post_form(api, "/oauth2/revoke", {"token": token}, headers={"Authorization": basic(credential.client_id, secret)})
    assert introspect(api, second, second_secret, token).json() == {"active": False}
    other_token = get_token(api, credential.client_id, secret)["access_token"]
    credential.delete()
    assert introspect(api, second, second_secret, other_token).json() == {"active": False}


def test_rfc_7662_introspection_needs_client_authentication(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    assert post_form(api, "/oauth2/introspect", {"token": token}).status_code == 401
