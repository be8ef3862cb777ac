"""The management API's credentials endpoint: create, list and delete, with JSON errors."""

import pytest
from django.test import Client

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import generate_credential

URL = "/api/v1/credentials/"


def create(client, name):
    return client.post(URL, {"name": name}, content_type="application/json")


def test_create_returns_the_secret_once_with_no_store(member_client):
    response = create(member_client, "ci-runner")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        *("client_id", "name", "client_secret", "secret_hint", "status", "regions", "created_at", "expires_at"),
        *("disabled_at", "disabled_reason", "last_used_at", "last_used_ip", "last_used_region"),
        *("permissions", "predates_permissions", "allowed_ips", "allowed_ips_mode", "created_by"),
    }
    assert body["name"] == "ci-runner" and body["client_secret"].startswith("caas_sk_")
    assert body["permissions"] == ["compute:read", "compute:write"] and body["created_by"] is None
    assert response["Cache-Control"] == "no-store"
    listing = member_client.get(URL)
    assert listing.status_code == 200
    assert [c["client_id"] for c in listing.json()] == [body["client_id"]]
    assert body["client_secret"] not in listing.content.decode()
    assert AuditEvent.objects.filter(action="credential.created").exists()


def test_the_list_shows_only_the_callers_own_credentials(member_client, owner, member, outsider):
    generate_credential(membership=owner, name="owners")
    generate_credential(membership=outsider, name="outsiders")
    mine, _ = generate_credential(membership=member, name="mine")
    assert [c["client_id"] for c in member_client.get(URL).json()] == [mine.client_id]


def test_the_third_credential_gets_409_with_a_message(member_client):
    assert create(member_client, "one").status_code == 201
    assert create(member_client, "two").status_code == 201
    response = create(member_client, "three")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "You can create a maximum of two credentials. Delete one before you generate another.",
        "code": "credential_limit_reached",
    }
    assert Credential.objects.count() == 2


@pytest.mark.parametrize("name", ["", " ", "x" * 64, "<script>", "a/b", "has space", "under_score"])
def test_a_bad_name_gets_400_with_a_field_error(member_client, name):
    response = create(member_client, name)
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert not Credential.objects.exists()


def test_a_taken_name_gets_400(member_client):
    create(member_client, "dup")
    response = create(member_client, "DUP")
    assert response.status_code == 400
    assert "already have a credential named DUP" in response.json()["name"][0]


@pytest.mark.parametrize(
    "body", ["not json", '{"name": ["a"]}', '{"name": {"a": 1}}', "[]", '{"nom": "x"}', '{"name": null}']
)
def test_malformed_bodies_get_400_json(member_client, body):
    response = member_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_form_encoded_body_gets_415(member_client):
    response = member_client.post(URL, {"name": "x"})
    assert response.status_code == 415


def test_delete_answers_204_and_the_credential_is_gone(member_client, member):
    credential, _ = generate_credential(membership=member, name="one")
    response = member_client.delete(f"{URL}{credential.client_id}/")
    assert response.status_code == 204
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.deleted").exists()


def test_deleting_someone_elses_or_an_unknown_credential_answers_404(member_client, owner, outsider):
    owners, _ = generate_credential(membership=owner, name="owners")
    outsiders, _ = generate_credential(membership=outsider, name="outsiders")
    for client_id in (owners.client_id, outsiders.client_id, "cid_unknown"):
        response = member_client.delete(f"{URL}{client_id}/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
    assert Credential.objects.count() == 2


def test_unsupported_methods_get_405_json(member_client, member):
    credential, _ = generate_credential(membership=member, name="one")
    assert member_client.put(URL, {}, content_type="application/json").status_code == 405
    assert member_client.post(f"{URL}{credential.client_id}/", {}, content_type="application/json").status_code == 405
    assert member_client.patch(f"{URL}{credential.client_id}/", {}, content_type="application/json").status_code == 405


@pytest.mark.django_db
def test_anonymous_callers_are_refused_with_json(client):
    for response in (client.get(URL), create(client, "x"), client.delete(f"{URL}cid_x/")):
        assert response.status_code in (401, 403)
        assert response["Content-Type"] == "application/json"


def test_session_calls_need_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    response = create(client, "x")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    client.get("/settings/credentials/")
    token = client.cookies["csrftoken"].value
    response = client.post(URL, {"name": "x"}, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201


def test_the_api_acts_on_the_active_account(owner_client, owner, outsider):
    from tests.factories import MembershipFactory

    MembershipFactory(user=owner.user, account=outsider.account)
    create(owner_client, "in-a")
    owner_client.post("/settings/switch/", {"account": outsider.account.cloud_account_id})
    assert owner_client.get(URL).json() == []
    assert create(owner_client, "in-b").status_code == 201
    accounts = set(Credential.objects.values_list("name", "membership__account__name"))
    assert accounts == {("in-a", "Account A"), ("in-b", "Account B")}
