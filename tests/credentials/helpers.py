import base64
import re
import socket
from urllib.parse import urlencode

from accounts.services import remove_member
from credentials import services
from credentials.scopes import ALL_SCOPES
from credentials.services import generate_credential


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


FORM = "application/x-www-form-urlencoded"


def post_form(client, path: str, params, **kwargs):
    """A form-encoded POST (the Django test client sends multipart by default)."""
    return client.post(path, urlencode(params), content_type=FORM, **kwargs)


def get_token(client, client_id: str, secret: str, **extra) -> dict:
    response = post_form(
        client,
        "/oauth2/token",
        {"grant_type": "client_credentials", **extra},
        headers={"Authorization": basic(client_id, secret)},
    )
    assert response.status_code == 200, response.content
    return response.json()


def bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


FULL_ACCESS = sorted(ALL_SCOPES)


def new_credential(membership, name="ci", **choices):
    """A credential with every permission, unless `choices` say otherwise."""
    return generate_credential(membership=membership, name=name, **{"permissions": FULL_ACCESS, **choices})


GENERATE = "/settings/credentials/new/"


def nonce_from(response) -> str:
    """The one-time nonce of a rendered Generate Client Secret form."""
    return re.search(r'name="nonce" value="([^"]+)"', response.content.decode()).group(1)


def generate_in_portal(client, query: str = "", **data):
    """Open the Generate Client Secret form (with `query`, e.g. ?successor=...) and submit `data`."""
    form = client.get(GENERATE + query)
    return client.post(GENERATE + query, {"nonce": nonce_from(form), **data})


def database_url_for_subprocesses() -> str:
    """The test database, for servers and commands this test starts (PostgreSQL in CI)."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def free_port() -> int:
    """A TCP port nobody listens on now, for a server this test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Addresses inside and outside the allow-list (203.0.113.0/24) the least-privilege tests give.
INSIDE, OUTSIDE = "203.0.113.7", "192.0.2.9"


def mint(client, secret: str, **fields):
    """POST /api/v1/credentials/ as a bearer, from an address inside the allow-lists these tests use."""
    return client.post(
        "/api/v1/credentials/",
        {"name": "p-minted", **fields},
        content_type="application/json",
        headers=bearer(secret),
        REMOTE_ADDR=INSIDE,
    )


# Four ways of revoking a credential outright, for the tests that check each one holds everywhere.
def disable(credential):
    services.disable_credential(credential=credential, by=None, reason="test")


def delete(credential):
    services.delete_credential(membership=credential.membership, client_id=credential.client_id)


def remove_the_member(credential):
    owner = credential.membership.account.memberships.get(role="owner")
    remove_member(by=owner, member=credential.membership)


def deactivate_the_user(credential):
    user = credential.membership.user
    user.is_active = False
    user.save()
