"""Standard OAuth 2.0 client libraries against the live token service, as an integrator uses them."""

import httpx
import pytest
import requests
from authlib.integrations.httpx_client import OAuth2Client as AuthlibHttpxClient
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_fetches_a_token_and_calls_the_api(service, method):
    session = AuthlibSession(service["client_id"], service["client_secret"], token_endpoint_auth_method=method)
    token = session.fetch_token(service["token_url"], grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    me = session.get(service["me"], timeout=10)
    assert me.status_code == 200 and me.json()["account"]["cloud_account_id"] == service["account"]


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_authlib_introspects_and_revokes(service, method):
    session = AuthlibSession(service["client_id"], service["client_secret"], token_endpoint_auth_method=method)
    token = session.fetch_token(service["token_url"], grant_type="client_credentials")["access_token"]
    described = session.introspect_token(service["introspection_url"], token=token).json()
    assert described["active"] is True and described["client_id"] == service["client_id"]
    assert session.revoke_token(service["revocation_url"], token=token).status_code == 200
    assert session.introspect_token(service["introspection_url"], token=token).json() == {"active": False}
    refused = requests.get(service["me"], headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer ")


def test_requests_oauthlib_backend_application_client(service, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # oauthlib's switch for a test server on plain http
    session = OAuth2Session(client=BackendApplicationClient(client_id=service["client_id"]))
    token = session.fetch_token(
        token_url=service["token_url"], client_id=service["client_id"], client_secret=service["client_secret"]
    )
    assert set(token["scope"]) >= {"compute:read"}
    assert session.get(service["me"], timeout=10).status_code == 200


def test_authlib_over_httpx(service):
    with AuthlibHttpxClient(service["client_id"], service["client_secret"]) as client:
        client.fetch_token(service["token_url"], grant_type="client_credentials")
        assert client.get(service["me"]).status_code == 200


def test_plain_httpx_with_basic_auth_and_a_bearer_secret(service):
    with httpx.Client(timeout=10) as client:
        answer = client.post(
            service["token_url"],
            data={"grant_type": "client_credentials"},
            auth=(service["client_id"], service["client_secret"]),
        )
        assert answer.status_code == 200
        token = answer.json()["access_token"]
        assert client.get(service["me"], headers={"Authorization": f"Bearer {token}"}).status_code == 200
        secret = {"Authorization": f"Bearer {service['client_secret']}"}
        assert client.get(service["me"], headers=secret).status_code == 200
        wrong = client.post(service["token_url"], data={"grant_type": "client_credentials"}, auth=("cid_x", "y"))
        assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Basic ")
