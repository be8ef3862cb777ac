"""RFC 7009 token revocation."""

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


def test_rfc_7009_revoking_a_token_is_logged_once_however_often_it_is_sent(api, member, member_credential):
    from accounts.models import AuditEvent

    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    for _ in range(2):
        post_form(
            api, "/oauth2/revoke", {"token": token}, headers={"Authorization": basic(credential.client_id, secret)}
        )
    event = AuditEvent.objects.get(action="token.revoked")
    assert event.account == member.account and event.actor == member.user
    assert credential.client_id in event.target
