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
from regional.models import Instance
from tests.regional.conftest import seeded_region

CLIENT = Path(settings.BASE_DIR) / "examples" / "client.py"


def load_client_module():
    spec = importlib.util.spec_from_file_location("example_client", CLIENT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(live_server, credential, secret, *args):
    env = {
        "CAAS_URL": live_server.url,
        "CAAS_CLIENT_ID": credential.client_id,
        "CAAS_CLIENT_SECRET": secret,
        "PATH": "",
    }
    result = subprocess.run([sys.executable, str(CLIENT), *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


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


def test_the_client_refuses_to_run_without_a_credential():
    result = subprocess.run([sys.executable, str(CLIENT), "list"], env={"PATH": ""}, capture_output=True, text=True)
    assert result.returncode == 2 and "--client-id" in result.stderr
