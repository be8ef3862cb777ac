"""Brute force: wrong secrets are throttled (429 with Retry-After) and the right one works after the window."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from credentials import keys
from tests.credentials.helpers import bearer, post_form

ME = "/api/v1/me"
TOKEN = "/oauth2/token"


def form_auth(credential, secret):
    return {"grant_type": "client_credentials", "client_id": credential.client_id, "client_secret": secret}


def test_wrong_bearer_secrets_are_throttled_then_the_right_one_works(api, settings, member_credential):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (5, 60)}
    _, secret = member_credential
    for _ in range(5):
        assert api.get(ME, headers=bearer(keys.new_secret())).status_code == 401
    response = api.get(ME, headers=bearer(secret))
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert api.get(ME, headers=bearer(secret)).status_code == 200


def test_wrong_secrets_at_the_token_endpoint_are_throttled_then_the_right_one_works(api, settings, member_credential):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_client": (3, 60)}
    credential, secret = member_credential
    for _ in range(3):
        assert post_form(api, TOKEN, form_auth(credential, "wrong")).status_code == 401
    blocked = post_form(api, TOKEN, form_auth(credential, secret))
    assert blocked.status_code == 429 and 0 < int(blocked["Retry-After"]) <= 60
    assert blocked.json()["error"] == "too_many_requests"
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert post_form(api, TOKEN, form_auth(credential, secret)).status_code == 200
