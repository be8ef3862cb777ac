"""Rule 3: after the one response that creates it, a client secret exists nowhere."""

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.credentials.helpers import basic, bearer, generate_in_portal, post_form
from tests.regional.conftest import seeded_region

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
    """Every record at DEBUG, Django's and its SQL included."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = False


def written_lines(caplog) -> list[str]:
    """Each record as the server's console handler (settings.LOGGING) writes it, fields included."""
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")
    return [console.format(record) for record in caplog.records if console.filter(record)]


def use_everywhere(client_id: str, secret: str) -> list:
    """Use the secret the ways a program would: bearer, token endpoint, regional, and wrongly."""
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


def test_no_log_line_carries_a_secret_an_access_token_or_an_invitation_link(
    owner_client, outsider, all_logs, mailoutbox
):
    """Every flow that handles one, logged at DEBUG: generating (portal and API), the token endpoint
    (Basic and form authentication), bearer calls with a secret and a JWT, a wrong secret,
    revocation, and an invitation link opened by someone it was not sent to."""
    portal = generate_in_portal(owner_client, name="portal", permissions=["compute:read"])
    portal_secret = portal.content.decode().split('<code id="client-secret">')[1].split("</code>")[0]
    created = owner_client.post("/api/v1/credentials/", {"name": "api"}, content_type="application/json").json()
    client_id, secret = created["client_id"], created["client_secret"]
    seeded_region("us-region-1")
    api = Client()
    account = api.get("/api/v1/me", headers=bearer(secret)).json()["account"]["cloud_account_id"]
    grant = {"grant_type": "client_credentials"}
    basic_token = post_form(api, "/oauth2/token", grant, headers={"Authorization": basic(client_id, secret)})
    form_token = post_form(api, "/oauth2/token", {**grant, "client_id": client_id, "client_secret": secret})
    access_tokens = [basic_token.json()["access_token"], form_token.json()["access_token"]]
    api.get(f"/regional/us-region-1/v1/cloudaccounts/{account}/instances", headers=bearer(access_tokens[0]))
    api.get("/api/v1/me", headers=bearer(secret[:-1] + "0"))
    post_form(api, "/oauth2/token", grant, headers={"Authorization": basic(client_id, secret[:-1] + "0")})
    post_form(api, "/oauth2/revoke", {"token": access_tokens[0]}, headers={"Authorization": basic(client_id, secret)})
    api.get("/api/v1/me", headers=bearer(access_tokens[0]))
    api.get(f"/api/v1/me?access_token={access_tokens[1]}")
    owner_client.post(reverse("credentials:revoke", args=[created["client_id"]]))
    api.get("/api/v1/me", headers=bearer(secret))
    expires_on = (timezone.localdate() + timedelta(days=7)).isoformat()
    owner_client.post(reverse("accounts:grant_access"), {"email": "invitee@example.com", "expires_on": expires_on})
    link = re.search(r"(/invitations/[^/\s]+/)", mailoutbox[0].body).group(1)
    wrong_user = Client()
    wrong_user.force_login(outsider.user)
    assert wrong_user.get(link).status_code == 400
    wrong_user.post(link)

    secrets = [portal_secret, secret, *access_tokens, link.split("/")[2]]
    lines = written_lines(all_logs)
    assert any("/invitations/<redacted>/" in line for line in lines)
    for value in secrets:
        assert value not in all_logs.text
        assert not [line for line in lines if value in line]
