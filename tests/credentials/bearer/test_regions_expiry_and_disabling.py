"""Region restriction, expiry and disabling, as every way of authenticating sees them."""

from datetime import timedelta

import jwt
import pytest
import time_machine
from django.test import Client

from credentials import services
from tests.credentials.helpers import basic, bearer, get_token, new_credential, post_form


def regional(slug: str, account) -> str:
    return f"/regional/{slug}/v1/cloudaccounts/{account.cloud_account_id}/instancetypes"


@pytest.fixture
def restricted(member, regions):
    return new_credential(member, name="eu-only", regions=["us-region-2", "us-region-1"])


def assert_invalid_token(response, words: str) -> None:
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert words in challenge


def test_restricted_secret_works_in_its_regions_and_is_refused_elsewhere(client, member, restricted):
    _credential, secret = restricted
    account = member.account
    assert client.get(regional("us-region-1", account), headers=bearer(secret)).status_code == 200
    assert client.get(regional("us-region-2", account), headers=bearer(secret)).status_code == 200
    refused = client.get(regional("us-region-3", account), headers=bearer(secret))
    assert_invalid_token(refused, "only in us-region-1, us-region-2, not in us-region-3")
    assert refused.json()["detail"].startswith("This credential may be used only in")


def test_restricted_token_names_its_regions_in_aud_and_is_refused_elsewhere(client, member, restricted):
    credential, secret = restricted
    token = get_token(client, credential.client_id, secret)["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == ["http://127.0.0.1:8000/regional/us-region-1", "http://127.0.0.1:8000/regional/us-region-2"]
    assert client.get(regional("us-region-2", member.account), headers=bearer(token)).status_code == 200
    assert_invalid_token(client.get(regional("us-region-3", member.account), headers=bearer(token)), "us-region-3")


def test_unrestricted_token_keeps_the_whole_service_as_audience(client, member, regions):
    credential, secret = services.generate_credential(membership=member, name="everywhere")
    token = get_token(client, credential.client_id, secret)["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "http://127.0.0.1:8000/regional"
    for region in regions:
        assert client.get(regional(region.slug, member.account), headers=bearer(token)).status_code == 200


def test_restricted_credential_still_manages_its_own_credentials(client, restricted):
    _, secret = restricted
    assert client.get("/api/v1/credentials/", headers=bearer(secret)).status_code == 200


def test_token_for_another_audience_is_refused(client, member, regions, settings):
    credential, secret = services.generate_credential(membership=member, name="a")
    token = get_token(client, credential.client_id, secret)["access_token"]
    settings.OAUTH_AUDIENCE = "https://elsewhere.example/regional"
    assert_invalid_token(client.get(regional("us-region-1", member.account), headers=bearer(token)), "not meant")


def test_region_refusals_do_not_count_towards_the_address_block(client, member, restricted, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (2, 60)}
    _, secret = restricted
    for _ in range(4):
        assert client.get(regional("us-region-3", member.account), headers=bearer(secret)).status_code == 401
    assert client.get(regional("us-region-1", member.account), headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize("days", [30, 90, 365])
def test_expiring_credential_works_until_its_expiry_then_stops_at_once(client, member, regions, days):
    credential, secret = services.generate_credential(membership=member, name="short", expires_in_days=days)
    assert credential.expires_at - credential.created_at == timedelta(days=days)
    url = regional("us-region-1", member.account)
    with time_machine.travel(credential.expires_at - timedelta(seconds=5)):
        token = get_token(client, credential.client_id, secret)["access_token"]
        assert client.get(url, headers=bearer(secret)).status_code == 200
        assert client.get(url, headers=bearer(token)).status_code == 200
    with time_machine.travel(credential.expires_at + timedelta(seconds=1)):
        assert_invalid_token(client.get(url, headers=bearer(secret)), "expired")
        assert_invalid_token(client.get(url, headers=bearer(token)), "expired")
        refused = post_form(
            client,
            "/oauth2/token",
            {"grant_type": "client_credentials"},
            headers={"Authorization": basic(credential.client_id, secret)},
        )
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"
        assert "expired" in refused.json()["error_description"]
        credential.refresh_from_db()
        assert credential.status == "expired"


def test_disabled_credential_is_refused_everywhere_until_enabled(client, member, regions):
    credential, secret = services.generate_credential(membership=member, name="a")
    token = get_token(client, credential.client_id, secret)["access_token"]
    url = regional("us-region-1", member.account)
    assert services.disable_credential(credential=credential, by=member.user, reason="Disabled by its member.")
    assert not services.disable_credential(credential=credential, by=member.user, reason="again")
    assert_invalid_token(client.get(url, headers=bearer(secret)), "disabled")
    assert_invalid_token(client.get(url, headers=bearer(token)), "disabled")
    introspection = post_form(
        Client(),
        "/oauth2/introspect",
        {"token": token},
        headers={"Authorization": basic(credential.client_id, secret)},
    )
    assert introspection.status_code == 401  # a disabled client cannot even authenticate
    services.enable_credential(membership=member, client_id=credential.client_id)
    assert client.get(url, headers=bearer(secret)).status_code == 200
    assert client.get(url, headers=bearer(token)).status_code == 200


def test_introspection_reports_a_disabled_credentials_token_inactive(member, regions):
    credential, secret = services.generate_credential(membership=member, name="a")
    caller, caller_secret = services.generate_credential(membership=member, name="b")
    token = get_token(Client(), credential.client_id, secret)["access_token"]
    services.disable_credential(credential=credential, by=member.user, reason="test")
    answer = post_form(
        Client(),
        "/oauth2/introspect",
        {"token": token},
        headers={"Authorization": basic(caller.client_id, caller_secret)},
    )
    assert answer.json() == {"active": False}
