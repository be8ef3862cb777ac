"""examples/client.py against a live server: token, cache, regions, create, list, delete, 401 retry."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from django.conf import settings

from credentials.models import RevokedToken
from credentials.services import generate_credential
from regional.models import Instance
from tests.regional.conftest import seeded_region

CLIENT = Path(settings.BASE_DIR) / "examples" / "client.py"


def load_client_module():
    spec = importlib.util.spec_from_file_location("example_client", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def completed(live_server, credential, secret, *args) -> subprocess.CompletedProcess:
    """The client run as the README runs it: the walk-through's CLIENT_ID, CLIENT_SECRET and BASE."""
    env = {"BASE": live_server.url, "CLIENT_ID": credential.client_id, "CLIENT_SECRET": secret, "PATH": ""}
    result = subprocess.run([sys.executable, str(CLIENT), *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def run(live_server, credential, secret, *args):
    return json.loads(completed(live_server, credential, secret, *args).stdout)


@pytest.mark.django_db(transaction=True)
def test_the_example_client_creates_lists_and_deletes(live_server, member_credential):
    for slug in ("us-region-1", "us-region-2"):
        seeded_region(slug)
    credential, secret = member_credential
    assert run(live_server, credential, secret, "whoami")["credential"]["client_id"] == credential.client_id
    created = run(live_server, credential, secret, "create", "web-1", "--region", "us-region-2")
    assert created["name"] == "web-1" and created["region"] == "us-region-2"
    listing = run(live_server, credential, secret, "list")
    assert listing["us-region-2"] == ["web-1"] and listing["us-region-1"] == []
    assert run(live_server, credential, secret, "delete", "web-1", "--region", "us-region-2") == {"deleted": "web-1"}
    assert not Instance.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_client_caches_its_token_and_renews_it_once_after_a_401(live_server, member_credential):
    seeded_region("us-region-1")
    credential, secret = member_credential
    client = load_client_module().Client(live_server.url, credential.client_id, secret)
    client.me()
    client.me()
    assert client.tokens_fetched == 1
    requests.post(
        f"{live_server.url}/oauth2/revoke",
        data={"token": client.token()},
        auth=(credential.client_id, secret),
        timeout=10,
    )
    assert RevokedToken.objects.count() == 1
    assert client.me()["credential"]["client_id"] == credential.client_id
    assert client.tokens_fetched == 2


@pytest.mark.django_db(transaction=True)
def test_the_client_runs_from_the_env_file_the_secret_page_downloads(live_server, member_credential):
    """The .env's CAAS_CLIENT_ID, CAAS_CLIENT_SECRET and CAAS_TOKEN_URL are enough."""
    credential, secret = member_credential
    env = {
        "CAAS_CLIENT_ID": credential.client_id,
        "CAAS_CLIENT_SECRET": secret,
        "CAAS_TOKEN_URL": f"{live_server.url}/oauth2/token",
        "CAAS_API_BASE": f"{live_server.url}/api/v1",
        "PATH": "",
    }
    result = subprocess.run(
        [sys.executable, str(CLIENT), "whoami"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["credential"]["client_id"] == credential.client_id


def test_the_client_refuses_to_run_without_a_credential():
    result = subprocess.run([sys.executable, str(CLIENT), "list"], env={"PATH": ""}, capture_output=True, text=True)
    assert result.returncode == 2 and "--client-id" in result.stderr


def region_restricted(member, *regions):
    """A credential that may use only `regions`, as the portal makes one."""
    return generate_credential(
        membership=member, name="restricted", regions=list(regions), permissions=["compute:read", "compute:write"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_region_restricted_credential_lists_only_its_regions_and_says_so(live_server, member):
    """Walking every enabled region would end in a 401 from the first region it may not use."""
    for slug in ("us-region-1", "us-region-2", "us-region-3"):
        seeded_region(slug)
    credential, secret = region_restricted(member, "us-region-3", "us-region-2")
    result = completed(live_server, credential, secret, "list")
    assert json.loads(result.stdout) == {"us-region-2": [], "us-region-3": []}
    assert "This credential may be used only in us-region-2, us-region-3." in result.stderr


@pytest.mark.django_db(transaction=True)
def test_a_region_restricted_credential_creates_and_deletes_in_its_own_region_by_default(live_server, member):
    for slug in ("us-region-1", "us-region-2"):
        seeded_region(slug)
    credential, secret = region_restricted(member, "us-region-2")
    assert run(live_server, credential, secret, "create", "web-1")["region"] == "us-region-2"
    assert run(live_server, credential, secret, "delete", "web-1") == {"deleted": "web-1"}
    assert not Instance.objects.exists()
