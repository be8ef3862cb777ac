"""The client address behind trusted proxies (DJANGO_TRUSTED_PROXIES), and the same one everywhere.

From an untrusted socket address X-Forwarded-For is ignored; from a trusted proxy the client is
the rightmost forwarded address that is not one of our proxies. Throttles, last use, Activity
and allow-lists all see that one address.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from accounts.models import AuditEvent
from config.proxies import client_address
from credentials import keys
from credentials.models import Credential
from tests.credentials.helpers import bearer, new_credential, post_form

pytestmark = pytest.mark.usefixtures("fresh_window")

ROOT = Path(__file__).resolve().parents[2]
ME = "/api/v1/me"
PROXY, OTHER_PROXY = "10.0.0.5", "10.1.2.3"
CLIENT_A, CLIENT_B, SPOOFED = "203.0.113.7", "198.51.100.20", "192.0.2.99"


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


def address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert address(CLIENT_A, SPOOFED) == CLIENT_A
    assert address(PROXY, CLIENT_A) == PROXY


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        (CLIENT_A, SPOOFED, CLIENT_A),  # not from a proxy of ours: the header proves nothing
        (PROXY, CLIENT_A, CLIENT_A),
        (PROXY, f"{SPOOFED}, {CLIENT_A}", CLIENT_A),  # the client wrote the left part itself
        (PROXY, f"{SPOOFED}, {CLIENT_A}, {OTHER_PROXY}", CLIENT_A),  # two proxies of ours
        (PROXY, f"{CLIENT_A}:51234", CLIENT_A),
        (PROXY, "[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8:ffff::1", "2001:DB8::7", "2001:db8::7"),
        (PROXY, f"{CLIENT_A}, not-an-address", PROXY),  # a proxy of ours would not write that
        (PROXY, f"not-an-address, {CLIENT_A}", CLIENT_A),
        (PROXY, OTHER_PROXY, OTHER_PROXY),  # only proxies: the farthest one is the client
        (PROXY, None, PROXY),
        (PROXY, "", PROXY),
    ],
)
def test_the_client_is_the_rightmost_forwarded_address_that_is_not_a_proxy(proxies, remote, forwarded, client):
    assert address(remote, forwarded) == client


def test_a_spoofed_header_from_an_untrusted_address_changes_nothing(api, proxies, settings, member_credential):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (3, 60)}
    credential, secret = member_credential
    codes = [
        api.get(
            ME, headers=bearer(keys.new_secret()), REMOTE_ADDR=CLIENT_B, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"
        ).status_code
        for i in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]
    assert api.get(ME, headers=bearer(secret), REMOTE_ADDR=CLIENT_B, HTTP_X_FORWARDED_FOR=SPOOFED).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_ip == CLIENT_B


def test_through_a_trusted_proxy_two_clients_have_separate_failure_budgets(api, proxies, settings, member_credential):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (3, 60)}

    def guess(client: str) -> int:
        return api.get(
            ME, headers=bearer(keys.new_secret()), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{SPOOFED}, {client}"
        ).status_code

    assert [guess(CLIENT_A) for _ in range(4)] == [401, 401, 401, 429]
    assert [guess(CLIENT_B) for _ in range(4)] == [401, 401, 401, 429]


def test_last_use_and_activity_record_the_client_behind_the_proxy(api, proxies, member, member_credential):
    credential, secret = member_credential
    via_proxy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT_A}
    grant = {"grant_type": "client_credentials", "client_id": credential.client_id, "client_secret": secret}
    assert post_form(api, "/oauth2/token", grant, **via_proxy).status_code == 200
    assert AuditEvent.objects.get(action="token.issued").ip == CLIENT_A
    Credential.objects.filter(pk=credential.pk).update(last_used_at=None)
    assert api.get(ME, headers=bearer(secret), **via_proxy).status_code == 200
    credential.refresh_from_db()
    assert credential.last_used_ip == CLIENT_A


def test_allow_lists_see_the_client_behind_the_proxy_and_ignore_spoofing(api, proxies, member):
    _, secret = new_credential(member, name="office", allowed_ips=["203.0.113.0/24"])
    assert api.get(ME, headers=bearer(secret), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT_A).status_code == 200
    refused = api.get(ME, headers=bearer(secret), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{CLIENT_A}, {CLIENT_B}")
    assert refused.status_code == 401
    spoofed = api.get(ME, headers=bearer(secret), REMOTE_ADDR=CLIENT_B, HTTP_X_FORWARDED_FOR=CLIENT_A)
    assert spoofed.status_code == 401


def test_an_invalid_trusted_proxy_setting_stops_the_server_with_a_clear_message():
    env = {**os.environ, "DJANGO_DEBUG": "true", "DJANGO_TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES: 'proxy.internal' is not an IP address or CIDR." in result.stderr
