"""The token service within least privilege: scopes, token lifetimes, and RFC 7009 with the client secret itself."""

from datetime import timedelta

import jwt
from django.utils import timezone

from accounts.models import AuditEvent
from credentials.models import Credential
from tests.credentials.helpers import basic, bearer, get_token, new_credential, post_form

URL = "/api/v1/credentials/"
JSON = "application/json"


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


# Tokens never outlive their credential.


def test_a_token_expires_no_later_than_its_credential(api, member):
    credential, secret = new_credential(member, expires_in_days=30)
    soon = timezone.now() + timedelta(minutes=10)
    Credential.objects.filter(pk=credential.pk).update(expires_at=soon)
    body = get_token(api, credential.client_id, secret)
    assert 0 < body["expires_in"] <= 600
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] <= int(soon.timestamp()) and claims["exp"] - claims["iat"] == body["expires_in"]


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
