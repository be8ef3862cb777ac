"""Rule 3: after the one response that creates it, a client secret exists nowhere."""

import logging

import pytest
from django.db import connection
from django.urls import reverse

SECRET_FREE_PAGES = [
    "/api/v1/credentials/",
    "/api/v1/me",
    "/settings/",
    "/settings/credentials/",
    "/settings/access/",
    "/settings/activity/",
]


def every_stored_value() -> str:
    """The text of every row of every table: a dump of the whole database."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def use_everywhere(client_id: str, secret: str) -> list:
    """Use the secret the ways a program would: bearer, token endpoint, regional, and wrongly."""
    from django.test import Client

    from tests.credentials.helpers import basic, bearer, post_form
    from tests.regional.conftest import seeded_region

    seeded_region("us-region-1")
    api = Client()
    account = api.get("/api/v1/me", headers=bearer(secret)).json()["account"]["cloud_account_id"]
    token = post_form(
        api, "/oauth2/token", {"grant_type": "client_credentials"}, headers={"Authorization": basic(client_id, secret)}
    )
    access = token.json()["access_token"]
    return [
        token,
        api.get(f"/regional/us-region-1/v1/cloudaccounts/{account}/instances", headers=bearer(secret)),
        api.get(f"/regional/us-region-1/v1/cloudaccounts/{account}/instances", headers=bearer(access)),
        post_form(api, "/oauth2/introspect", {"token": access}, headers={"Authorization": basic(client_id, secret)}),
        api.get(f"/api/v1/me?access_token={secret}"),
        api.get("/api/v1/me", headers=bearer(secret[:-1] + "0")),
        post_form(
            api, "/oauth2/token", {"grant_type": "password"}, headers={"Authorization": basic(client_id, secret)}
        ),
    ]


def test_the_secret_is_in_no_table_no_log_and_no_later_page(owner_client, all_logs):
    created = owner_client.post("/api/v1/credentials/", {"name": "leak-check"}, content_type="application/json")
    secret = created.json()["client_secret"]
    assert secret.startswith("caas_sk_")
    for response in use_everywhere(created.json()["client_id"], secret):
        assert secret not in response.content.decode()

    assert secret not in every_stored_value()
    for path in SECRET_FREE_PAGES:
        response = owner_client.get(path)
        assert response.status_code == 200, path
        assert secret not in response.content.decode(), path
    assert secret not in all_logs.text
    assert all(secret not in record.getMessage() for record in all_logs.records)


def test_the_portal_secret_is_in_no_table_and_no_later_page(owner_client, all_logs):
    form = owner_client.get(reverse("credentials:generate")).content.decode()
    nonce = form.split('name="nonce" value="')[1].split('"')[0]
    page = owner_client.post(reverse("credentials:generate"), {"name": "leak-check", "nonce": nonce})
    secret = page.content.decode().split('<code id="client-secret">')[1].split("</code>")[0]

    assert secret not in every_stored_value()
    for path in SECRET_FREE_PAGES:
        assert secret not in owner_client.get(path).content.decode(), path
    assert secret not in all_logs.text


def test_the_admin_never_shows_the_secret_or_its_digest(admin_client, owner):
    from credentials.services import generate_credential

    credential, secret = generate_credential(membership=owner, name="admin-check")
    for url in (
        reverse("admin:credentials_credential_changelist"),
        reverse("admin:credentials_credential_change", args=[credential.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert credential.client_id in content
        assert secret not in content and credential.secret_digest not in content
