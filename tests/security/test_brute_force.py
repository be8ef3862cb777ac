"""Brute force: failing requests are throttled per client address; a valid credential never is.

An attacker's guesses, from the victim's own address or naming the victim's (public) client ID,
get 429 once the address has spent its failure budget, while the victim's valid secret and
tokens keep working from everywhere.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from credentials import keys
from tests.credentials.helpers import basic, bearer, get_token, post_form

pytestmark = pytest.mark.usefixtures("fresh_window")

ME = "/api/v1/me"
TOKEN = "/oauth2/token"
ATTACKER, VICTIM = "198.51.100.66", "203.0.113.10"


@pytest.fixture
def budget(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (5, 60)}
    return 5


def form_auth(credential, secret):
    return {"grant_type": "client_credentials", "client_id": credential.client_id, "client_secret": secret}


def test_junk_bearer_tokens_from_an_address_never_lock_out_a_valid_secret_from_it(api, budget, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    junk = [api.get(ME, headers=bearer(keys.new_secret())).status_code for _ in range(budget + 25)]
    assert junk == [401] * budget + [429] * 25
    assert api.get(ME, headers=bearer(secret)).status_code == 200
    assert api.get(ME, headers=bearer(token)).status_code == 200
    assert get_token(api, credential.client_id, secret)["token_type"] == "Bearer"
    blocked = api.get(ME, headers=bearer(keys.new_secret()))
    assert blocked.status_code == 429 and 0 < int(blocked["Retry-After"]) <= 60


def test_wrong_secrets_for_a_client_id_never_lock_that_client_out(api, budget, member_credential):
    credential, secret = member_credential
    codes = [post_form(api, TOKEN, form_auth(credential, "wrong"), REMOTE_ADDR=ATTACKER).status_code for _ in range(12)]
    assert codes == [401] * budget + [429] * 7
    for address in (VICTIM, ATTACKER):
        assert post_form(api, TOKEN, form_auth(credential, secret), REMOTE_ADDR=address).status_code == 200
    basic_auth = {"Authorization": basic(credential.client_id, secret)}
    granted = post_form(api, TOKEN, {"grant_type": "client_credentials"}, headers=basic_auth, REMOTE_ADDR=ATTACKER)
    assert granted.status_code == 200


def test_the_throttled_failure_says_when_to_try_again(api, budget, member_credential):
    credential, _ = member_credential
    for _ in range(budget):
        post_form(api, TOKEN, form_auth(credential, "wrong"))
    blocked = post_form(api, TOKEN, form_auth(credential, "wrong"))
    assert blocked.status_code == 429 and 0 < int(blocked["Retry-After"]) <= 60
    assert blocked.json()["error"] == "too_many_requests"
    assert "from this address" in blocked.json()["error_description"]


def test_one_budget_for_every_endpoint_that_authenticates(api, budget, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    wrong = {"Authorization": basic(credential.client_id, "wrong")}
    failures = [
        api.get(ME, headers=bearer(keys.new_secret())).status_code,
        post_form(api, TOKEN, form_auth(credential, "wrong")).status_code,
        post_form(api, "/oauth2/introspect", {"token": token}, headers=wrong).status_code,
        post_form(api, "/oauth2/revoke", {"token": token}, headers=wrong).status_code,
        post_form(api, "/oauth2/revoke", {"token": token}).status_code,  # no client authentication at all
    ]
    assert failures == [401] * budget
    assert post_form(api, "/oauth2/introspect", {"token": token}, headers=wrong).status_code == 429
    assert post_form(api, "/oauth2/revoke", {"token": token}, headers=wrong).status_code == 429
    right = {"Authorization": basic(credential.client_id, secret)}
    assert post_form(api, "/oauth2/introspect", {"token": token}, headers=right).json()["active"] is True


def test_refusals_of_a_real_credential_are_not_guesses(api, budget, member_credential):
    """A disabled credential retried by a forgotten cron job does not spend its address's budget."""
    from credentials.services import disable_credential

    credential, secret = member_credential
    for _ in range(budget + 3):
        assert api.get(ME, headers=bearer(secret)).status_code == 200
    disable_credential(credential=credential, by=credential.membership.user, reason="a test")
    for _ in range(budget + 3):
        assert api.get(ME, headers=bearer(secret)).status_code == 401
        assert post_form(api, TOKEN, form_auth(credential, secret)).status_code == 401
    assert api.get(ME, headers=bearer(keys.new_secret())).status_code == 401


def test_the_failure_budget_comes_back_after_its_window(api, budget, member_credential):
    for _ in range(budget + 1):
        api.get(ME, headers=bearer(keys.new_secret()))
    assert api.get(ME, headers=bearer(keys.new_secret())).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert api.get(ME, headers=bearer(keys.new_secret())).status_code == 401


def test_each_address_has_its_own_failure_budget(api, budget, member_credential):
    for _ in range(budget + 1):
        api.get(ME, headers=bearer(keys.new_secret()), REMOTE_ADDR=ATTACKER)
    assert api.get(ME, headers=bearer(keys.new_secret()), REMOTE_ADDR=ATTACKER).status_code == 429
    assert api.get(ME, headers=bearer(keys.new_secret()), REMOTE_ADDR=VICTIM).status_code == 401
