"""RFC 6750 bearer authentication of the management API, with a client secret or an access token."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Membership
from accounts.services import remove_member
from credentials import keys
from credentials.models import Credential
from credentials.services import delete_credential, revoke_credential
from credentials.verify import credential_for_secret
from tests.credentials.helpers import bearer, get_token, new_credential
from tests.factories import MembershipFactory

ME = "/api/v1/me"
CREDENTIALS = "/api/v1/credentials/"


def test_the_client_secret_authenticates_as_its_member(api, member, member_credential):
    credential, secret = member_credential
    body = api.get(ME, headers=bearer(secret)).json()
    assert body["user"]["email"] == "member@example.com"
    assert body["account"]["cloud_account_id"] == member.account.cloud_account_id
    assert body["credential"] == {"client_id": credential.client_id, "name": "ci"}
    assert body["authentication"] == "client_secret"


def test_an_access_token_authenticates_as_its_member(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    body = api.get(ME, headers=bearer(token)).json()
    assert body["credential"]["client_id"] == credential.client_id
    assert body["authentication"] == "access_token"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_scheme_name_is_case_insensitive(api, member_credential, scheme):
    _, secret = member_credential
    assert api.get(ME, headers={"Authorization": f"{scheme} {secret}"}).status_code == 200


@pytest.mark.django_db
def test_section_3_no_credentials_gets_a_challenge_without_error(api):
    response = api.get(CREDENTIALS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="caas"'
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer {bad}", "Bearer caas sk"])
def test_section_3_1_a_malformed_header_is_invalid_request(api, header):
    response = api.get(ME, headers={"Authorization": header})
    assert response.status_code == 400
    assert response["WWW-Authenticate"].startswith('Bearer realm="caas", error="invalid_request"')
    assert response.json()["error"] == "invalid_request"


@pytest.mark.django_db
def test_section_2_3_a_token_in_the_query_string_is_refused(api, member_credential):
    _, secret = member_credential
    response = api.get(f"{ME}?access_token={secret}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    [
        keys.new_secret(),
        "caas_sk_" + "A" * 49,
        "not-a-secret",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "a.b.c",
    ],
)
def test_section_3_1_an_unknown_or_malformed_token_is_invalid_token(api, token):
    response = api.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer realm="caas", error="invalid_token", error_description="')
    body = response.json()
    assert body["error"] == "invalid_token" and body["error_description"]


def test_a_bad_checksum_is_rejected_before_any_query(member_credential, django_assert_num_queries):
    _, secret = member_credential
    broken = secret[:-1] + ("0" if secret[-1] != "0" else "1")
    with django_assert_num_queries(0):
        assert credential_for_secret(broken) is None


def test_a_valid_secret_costs_one_indexed_query(member_credential, django_assert_num_queries):
    credential, secret = member_credential
    with django_assert_num_queries(1):
        assert credential_for_secret(secret) == credential


def test_an_expired_access_token_is_refused(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    with time_machine.travel(timezone.now() + timedelta(seconds=3601)):
        response = api.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response["WWW-Authenticate"]


def test_a_tampered_access_token_is_refused(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload[:-2]}AA.{signature}"
    assert api.get(ME, headers=bearer(tampered)).status_code == 401


def test_deleting_a_credential_stops_secret_and_tokens_on_the_next_request(api, member, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    assert api.get(ME, headers=bearer(secret)).status_code == 200
    assert api.get(ME, headers=bearer(token)).status_code == 200
    delete_credential(membership=member, client_id=credential.client_id)
    assert api.get(ME, headers=bearer(secret)).status_code == 401
    response = api.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert "deleted or revoked" in response.json()["error_description"]


def test_an_owner_revocation_stops_the_members_tokens(api, owner, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    revoke_credential(by=owner.user, credential=credential)
    assert api.get(ME, headers=bearer(token)).status_code == 401


def test_removing_the_member_stops_their_credentials(api, owner, member, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    remove_member(by=owner, member=member)
    assert api.get(ME, headers=bearer(secret)).status_code == 401
    assert api.get(ME, headers=bearer(token)).status_code == 401


def test_deactivating_the_user_stops_their_credentials(api, member, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    member.user.is_active = False
    member.user.save()
    assert api.get(ME, headers=bearer(secret)).status_code == 401
    assert api.get(ME, headers=bearer(token)).status_code == 401


def test_section_3_1_a_missing_scope_is_insufficient_scope(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret, scope="credentials:read")["access_token"]
    assert api.get(CREDENTIALS, headers=bearer(token)).status_code == 200
    response = api.post(CREDENTIALS, {"name": "x"}, content_type="application/json", headers=bearer(token))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert 'scope="credentials:write"' in response["WWW-Authenticate"]
    assert response.json()["error"] == "insufficient_scope"


def test_the_management_api_works_with_a_bearer_secret(api, member_credential):
    _, secret = member_credential
    created = api.post(CREDENTIALS, {"name": "second"}, content_type="application/json", headers=bearer(secret))
    assert created.status_code == 201
    listing = api.get(CREDENTIALS, headers=bearer(secret)).json()
    assert {c["name"] for c in listing} == {"ci", "second"}
    client_id = created.json()["client_id"]
    assert api.delete(f"{CREDENTIALS}{client_id}/", headers=bearer(secret)).status_code == 204


def test_a_credential_acts_only_in_its_own_account(client, owner, outsider):
    MembershipFactory(user=owner.user, account=outsider.account)
    credential, secret = new_credential(owner)
    client.force_login(owner.user)
    client.post("/settings/switch/", {"account": outsider.account.cloud_account_id})
    body = client.get(ME, headers=bearer(secret)).json()
    assert body["account"]["cloud_account_id"] == owner.account.cloud_account_id
    listing = client.get(CREDENTIALS, headers=bearer(secret)).json()
    assert [c["client_id"] for c in listing] == [credential.client_id]


def test_a_bad_bearer_token_does_not_fall_back_to_the_session(member_client):
    response = member_client.get(ME, headers=bearer(keys.new_secret()))
    assert response.status_code == 401


def test_last_used_is_written_at_most_once_a_minute(api, member_credential, django_assert_num_queries):
    credential, secret = member_credential
    api.get(ME, headers=bearer(secret), REMOTE_ADDR="192.0.2.7")
    credential.refresh_from_db()
    first = credential.last_used_at
    assert first is not None and credential.last_used_ip == "192.0.2.7"
    api.get(ME, headers=bearer(secret), REMOTE_ADDR="192.0.2.8")
    credential.refresh_from_db()
    assert credential.last_used_at == first and credential.last_used_ip == "192.0.2.7"
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        api.get(ME, headers=bearer(secret), REMOTE_ADDR="192.0.2.8")
    credential.refresh_from_db()
    assert credential.last_used_at > first and credential.last_used_ip == "192.0.2.8"


def test_last_used_shows_in_the_portal(member_client, member_credential):
    _, secret = member_credential
    member_client.get(ME, headers=bearer(secret), REMOTE_ADDR="192.0.2.9")
    assert "192.0.2.9" in member_client.get("/settings/credentials/").content.decode()


def test_session_authentication_still_works(member_client):
    assert member_client.get(ME).json()["authentication"] == "session"


def test_no_secret_ever_lands_in_a_membership_or_credential_row(member_credential):
    _, secret = member_credential
    rows = list(Credential.objects.values_list()) + list(Membership.objects.values_list())
    assert secret not in repr(rows)
