"""RFC 6749 §4.4 client credentials grant at /oauth2/token, one requirement per test."""

import jwt
import pytest

from accounts.models import AuditEvent
from credentials.models import SigningKey
from tests.credentials.helpers import FORM, basic, get_token, post_form

TOKEN = "/oauth2/token"
GRANT = {"grant_type": "client_credentials"}


def form_auth(credential, secret, **extra):
    return {**GRANT, "client_id": credential.client_id, "client_secret": secret, **extra}


def test_section_4_4_3_basic_authentication_issues_a_bearer_token(api, member, member_credential):
    credential, secret = member_credential
    response = post_form(api, TOKEN, GRANT, headers={"Authorization": basic(credential.client_id, secret)})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["scope"] == "compute:read compute:write credentials:read credentials:write"  # all it was given
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"


def test_section_2_3_1_form_parameters_also_authenticate(api, member_credential):
    credential, secret = member_credential
    assert post_form(api, TOKEN, form_auth(credential, secret)).status_code == 200


def test_section_2_3_1_client_credentials_in_basic_are_form_url_decoded(api, member_credential):
    credential, secret = member_credential
    encoded = secret.replace("_", "%5F")
    response = post_form(api, TOKEN, GRANT, headers={"Authorization": basic(credential.client_id, encoded)})
    assert response.status_code == 200


def test_rfc_9068_the_token_is_a_signed_at_jwt_with_the_required_claims(api, member, member_credential, settings):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "at+jwt" and header["alg"] == "RS256"
    assert SigningKey.objects.filter(kid=header["kid"], algorithm="RS256").exists()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == settings.OAUTH_ISSUER and claims["aud"] == settings.OAUTH_AUDIENCE
    assert claims["sub"] == claims["client_id"] == credential.client_id
    assert claims["cloud_account_id"] == member.account.cloud_account_id
    assert claims["exp"] - claims["iat"] == 3600 and claims["jti"]


def test_the_lifetime_is_a_setting(api, member_credential, settings):
    settings.OAUTH_ACCESS_TOKEN_LIFETIME = 600
    credential, secret = member_credential
    assert get_token(api, credential.client_id, secret)["expires_in"] == 600


def test_section_5_1_no_refresh_token_is_issued(api, member_credential):
    credential, secret = member_credential
    assert "refresh_token" not in get_token(api, credential.client_id, secret)


def test_basic_with_a_matching_client_id_parameter_is_accepted(api, member_credential):
    credential, secret = member_credential
    response = post_form(
        api,
        TOKEN,
        {**GRANT, "client_id": credential.client_id},
        headers={"Authorization": basic(credential.client_id, secret)},
    )
    assert response.status_code == 200


def test_basic_with_a_different_client_id_parameter_is_invalid_request(api, member_credential):
    credential, secret = member_credential
    response = post_form(
        api, TOKEN, {**GRANT, "client_id": "cid_other"}, headers={"Authorization": basic(credential.client_id, secret)}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_section_2_3_two_authentication_methods_at_once_are_invalid_request(api, member_credential):
    credential, secret = member_credential
    response = post_form(
        api, TOKEN, form_auth(credential, secret), headers={"Authorization": basic(credential.client_id, secret)}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_section_5_2_wrong_secret_and_unknown_client_answer_byte_identically(api, member_credential):
    credential, secret = member_credential
    other = secret[:-8] + "AAAAAAAA"
    wrong = post_form(api, TOKEN, GRANT, headers={"Authorization": basic(credential.client_id, other)})
    unknown = post_form(api, TOKEN, GRANT, headers={"Authorization": basic("cid_" + "x" * 24, secret)})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.json() == {"error": "invalid_client", "error_description": "Client authentication failed."}
    per_request = {"X-Request-ID"}  # made anew for every request, known or not
    assert {k: v for k, v in wrong.headers.items() if k not in per_request} == {
        k: v for k, v in unknown.headers.items() if k not in per_request
    }


def test_section_5_2_invalid_client_with_basic_answers_a_basic_challenge(api, member_credential):
    credential, _ = member_credential
    response = post_form(api, TOKEN, GRANT, headers={"Authorization": basic(credential.client_id, "nope")})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Basic realm="caas"'


@pytest.mark.parametrize("endpoint", ["/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"])
def test_every_401_of_the_token_service_answers_a_basic_challenge(api, member_credential, endpoint):
    """RFC 9110 §15.5.2 and RFC 6749 §5.2: also for body authentication, none at all, and a
    credential that exists but may not be used."""
    from credentials.services import disable_credential

    credential, secret = member_credential
    params = {**GRANT, "token": "x"}
    attempts = {
        "no authentication": post_form(api, endpoint, params),
        "wrong secret in the body": post_form(
            api, endpoint, {**params, "client_id": credential.client_id, "client_secret": "nope"}
        ),
        "unknown client with Basic": post_form(api, endpoint, params, headers={"Authorization": basic("cid_x", "y")}),
        "another scheme": post_form(api, endpoint, params, headers={"Authorization": "Digest x"}),
    }
    disable_credential(credential=credential, by=credential.membership.user, reason="a test")
    attempts["disabled credential"] = post_form(
        api, endpoint, {**params, "client_id": credential.client_id, "client_secret": secret}
    )
    for what, response in attempts.items():
        assert response.status_code == 401, what
        assert response["WWW-Authenticate"] == 'Basic realm="caas"', what


@pytest.mark.django_db
def test_section_5_2_no_client_authentication_is_invalid_client(api):
    response = post_form(api, TOKEN, GRANT)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


@pytest.mark.django_db
def test_section_3_2_only_post_is_allowed(api):
    response = api.get(TOKEN)
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json()["error"] == "invalid_request"


def test_section_3_2_a_json_body_is_invalid_request(api, member_credential):
    credential, secret = member_credential
    response = api.post(TOKEN, form_auth(credential, secret), content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_section_3_2_parameters_in_the_query_string_are_invalid_request(api, member_credential):
    credential, secret = member_credential
    response = api.post(
        f"{TOKEN}?grant_type=client_credentials",
        "",
        content_type=FORM,
        headers={"Authorization": basic(credential.client_id, secret)},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_section_3_2_repeated_parameters_are_invalid_request(api, member_credential):
    credential, secret = member_credential
    auth = f"client_id={credential.client_id}&client_secret={secret}"
    body = f"grant_type=client_credentials&grant_type=client_credentials&{auth}"
    response = api.post(TOKEN, body, content_type=FORM)
    assert response.status_code == 400
    assert "grant_type" in response.json()["error_description"]


def test_section_4_4_2_a_missing_grant_type_is_invalid_request(api, member_credential):
    credential, secret = member_credential
    response = post_form(api, TOKEN, {"client_id": credential.client_id, "client_secret": secret})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("grant", ["password", "authorization_code", "refresh_token", "urn:x"])
def test_section_5_2_other_grants_are_unsupported_grant_type(api, member_credential, grant):
    credential, secret = member_credential
    response = post_form(api, TOKEN, {**form_auth(credential, secret), "grant_type": grant})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_section_3_3_a_subset_of_scopes_is_granted(api, member_credential):
    credential, secret = member_credential
    body = get_token(api, credential.client_id, secret, scope="compute:read credentials:read")
    assert body["scope"] == "compute:read credentials:read"
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["scope"] == body["scope"]


def test_section_5_2_an_unknown_scope_is_invalid_scope(api, member_credential):
    credential, secret = member_credential
    response = post_form(api, TOKEN, form_auth(credential, secret, scope="compute:read admin"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_every_issued_token_is_in_the_activity_log(api, member, member_credential):
    credential, secret = member_credential
    get_token(api, credential.client_id, secret)
    event = AuditEvent.objects.get(action="token.issued")
    assert event.account == member.account and event.actor == member.user
    assert credential.client_id in event.target


def test_failed_client_authentications_are_logged_once_a_minute(api, member, member_credential):
    credential, _ = member_credential
    for _ in range(3):
        post_form(api, TOKEN, form_auth(credential, "wrong"))
    events = AuditEvent.objects.filter(action="client.authentication_failed")
    assert events.count() == 1
    assert events.get().subject == member.user


def test_failed_authentications_per_address_are_throttled_and_valid_clients_are_not(
    api, settings, member_credential, owner, fresh_window
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (3, 60)}
    from tests.credentials.helpers import new_credential

    other, other_secret = new_credential(owner, name="other")
    credential, _ = member_credential
    codes = [post_form(api, TOKEN, form_auth(credential, "wrong")).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert post_form(api, TOKEN, form_auth(other, other_secret)).status_code == 200
    assert post_form(api, TOKEN, form_auth(other, "wrong"), REMOTE_ADDR="192.0.2.1").status_code == 401


def test_token_requests_per_credential_are_throttled(api, settings, member_credential, fresh_window):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token_per_credential": (2, 60)}
    credential, secret = member_credential
    for _ in range(2):
        assert post_form(api, TOKEN, form_auth(credential, secret)).status_code == 200
    response = post_form(api, TOKEN, form_auth(credential, secret))
    assert response.status_code == 429 and "Retry-After" in response
