"""RFC 8414 authorization server metadata; signing keys are in test_signing_keys.py."""

import pytest


@pytest.mark.django_db
def test_rfc_8414_metadata_describes_the_endpoints(api, settings):
    body = api.get("/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == settings.OAUTH_ISSUER
    assert body["token_endpoint"] == f"{settings.OAUTH_ISSUER}/oauth2/token"
    assert body["jwks_uri"].endswith("/.well-known/jwks.json")
    assert body["grant_types_supported"] == ["client_credentials"]
    assert body["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "compute:read" in body["scopes_supported"]
