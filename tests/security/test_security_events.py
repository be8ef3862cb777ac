"""Authentication failures and throttling as `caas.security` lines an operator can alert on."""

import logging

import pytest

from credentials import keys
from tests.credentials.helpers import bearer, post_form

pytestmark = pytest.mark.usefixtures("fresh_window")

ME = "/api/v1/me"
TOKEN = "/oauth2/token"


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="caas.security")

    def read() -> list[dict]:
        return [record.fields for record in caplog.records if record.name == "caas.security"]

    return read


def test_a_refused_bearer_is_a_security_event_with_its_reason(api, events, member_credential):
    api.get(ME, headers=bearer(keys.new_secret()), REMOTE_ADDR="198.51.100.66")
    [event] = events()
    assert event["event"] == "bearer.refused" and event["client"] == "198.51.100.66"
    assert event["reason"] == "The client secret is invalid or has been revoked."
    assert event["path"] == ME


def test_a_failed_client_authentication_names_the_client_but_never_what_was_sent(api, events, member_credential):
    credential, secret = member_credential
    wrong = secret[:-4] + "AAAA"
    post_form(
        api, TOKEN, {"grant_type": "client_credentials", "client_id": credential.client_id, "client_secret": wrong}
    )
    post_form(
        api, TOKEN, {"grant_type": "client_credentials", "client_id": secret, "client_secret": credential.client_id}
    )
    first, swapped = events()
    assert first["event"] == swapped["event"] == "client.authentication_failed"
    assert first["client_id"] == credential.client_id
    assert swapped["client_id"] is None
    assert secret not in repr(events()) and wrong not in repr(events())


def test_throttling_is_a_security_event_naming_the_limit(api, events, settings, member_credential):
    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "failed_auth_per_ip": (1, 60),
        "requests_per_credential": (1, 60),
    }
    credential, secret = member_credential
    for _ in range(2):
        api.get(ME, headers=bearer(keys.new_secret()))
        api.get(ME, headers=bearer(secret))
    throttled = [event for event in events() if event["event"] == "throttled"]
    assert [event["limit"] for event in throttled] == ["failed_auth_per_ip", "requests_per_credential"]
    assert throttled[1]["client_id"] == credential.client_id
