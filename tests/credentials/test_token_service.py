"""Revocation (RFC 7009), introspection (RFC 7662) and metadata (RFC 8414); signing keys are in test_signing_keys.py."""

import pytest

from tests.credentials.helpers import basic, bearer, get_token, new_credential, post_form

ME = "/api/v1/me"


def test_rfc_7009_a_client_revokes_its_token_and_it_stops_at_once(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    assert api.get(ME, headers=bearer(token)).status_code == 200
    response = post_form(
        api, "/oauth2/revoke", {"token": token}, headers={"Authorization": basic(credential.client_id, secret)}
    )
    assert response.status_code == 200
    assert api.get(ME, headers=bearer(token)).status_code == 401
    assert api.get(ME, headers=bearer(secret)).status_code == 200


def test_rfc_7009_revocation_needs_client_authentication(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    assert post_form(api, "/oauth2/revoke", {"token": token}).status_code == 401
    assert api.get(ME, headers=bearer(token)).status_code == 200


def test_rfc_7009_an_unknown_token_answers_200(api, member_credential):
    credential, secret = member_credential
    response = post_form(
        api, "/oauth2/revoke", {"token": "garbage"}, headers={"Authorization": basic(credential.client_id, secret)}
    )
    assert response.status_code == 200


def test_rfc_7009_a_missing_token_is_invalid_request(api, member_credential):
    credential, secret = member_credential
    response = post_form(api, "/oauth2/revoke", {}, headers={"Authorization": basic(credential.client_id, secret)})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_rfc_7009_a_client_cannot_revoke_another_clients_token(api, owner, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    other, other_secret = new_credential(owner, name="other")
    post_form(api, "/oauth2/revoke", {"token": token}, headers={"Authorization": basic(other.client_id, other_secret)})
    assert api.get(ME, headers=bearer(token)).status_code == 200


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


@pytest.mark.django_db
def test_rfc_8414_metadata_describes_the_endpoints(api, settings):
    body = api.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == settings.OAUTH_ISSUER
    assert body["token_endpoint"] == f"{settings.OAUTH_ISSUER}/oauth2/token"
    assert body["jwks_uri"].endswith("/.well-known/jwks.json")
    assert body["grant_types_supported"] == ["client_credentials"]
    assert body["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "compute:read" in body["scopes_supported"]
