"""The operator's log (config/logs.py): one JSON line per request, request ids, security events.

Lines are read through the console handler that settings.LOGGING configures, so these tests see
what the server writes, not only what reaches a logger."""

import json
import logging
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.request import Request

from config.logs import security_event
from tests.conftest import PASSWORD
from tests.credentials.helpers import bearer

ME = "/api/v1/me"


@pytest.fixture
def log(caplog):
    """The lines the server writes, parsed: `log("caas.request")` gives that logger's lines."""
    caplog.set_level(logging.DEBUG)
    console = next(handler for handler in logging.getLogger().handlers if handler.name == "console")

    def lines(name: str | None = None) -> list[dict]:
        records = [record for record in caplog.records if name is None or record.name == name]
        return [json.loads(console.format(record)) for record in records if console.filter(record)]

    return lines


def events(log, name: str) -> list[dict]:
    return [line for line in log("caas.security") if line["event"] == name]


def test_each_request_is_one_json_line_with_what_an_operator_needs(owner_client, owner, log):
    response = owner_client.get("/settings/")

    [line] = log("caas.request")
    assert line["method"] == "GET" and line["path"] == "/settings/" and line["status"] == response.status_code
    assert line["request_id"] == response["X-Request-ID"]
    assert line["client"] == "127.0.0.1"
    assert line["account"] == owner.account.cloud_account_id
    assert line["client_id"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


def test_a_bearer_request_names_its_account_and_client_id(api, member, member_credential, log):
    credential, secret = member_credential
    assert api.get(ME, headers=bearer(secret)).status_code == 200

    [line] = log("caas.request")
    assert line["account"] == member.account.cloud_account_id and line["client_id"] == credential.client_id


def test_the_query_string_is_never_logged(api, db, log):
    api.get(ME + "?access_token=caas_sk_in_the_query_string&page=2")

    [line] = log("caas.request")
    assert line["path"] == ME
    assert not any("caas_sk_in_the_query_string" in json.dumps(each) for each in log())


def test_a_request_id_is_made_for_every_request(api, db, log):
    first, second = api.get("/healthz"), api.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert [line["request_id"] for line in log("caas.request")] == [first["X-Request-ID"], second["X-Request-ID"]]


def test_a_request_id_from_a_trusted_proxy_is_kept(api, db, settings, log):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    response = api.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42:1"})
    assert response["X-Request-ID"] == "lb-7f3a.42:1"
    assert log("caas.request")[0]["request_id"] == "lb-7f3a.42:1"


def test_a_request_id_from_anyone_else_is_replaced(api, db, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    response = api.get("/healthz", headers={"X-Request-ID": "chosen-by-the-client"})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.parametrize("offered", ["x" * 129, "two words", "<script>", "line\tbreak"])
def test_a_strange_request_id_even_from_a_trusted_proxy_is_replaced(api, db, settings, offered):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    response = api.get("/healthz", headers={"X-Request-ID": offered})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_an_invitation_link_is_logged_without_its_token(outsider_client, log):
    token = "k3Yq9VvX2pX3m0rRj1nO6cHw8tZs5aLbUe4dFg7iKy"
    outsider_client.get(f"/invitations/{token}/")

    assert log("caas.request")[0]["path"] == "/invitations/<redacted>/"
    assert any(line["logger"] == "django.request" for line in log()), "Django's own 'Not Found' line"
    assert not any(token in json.dumps(line) for line in log())


def test_a_failed_sign_in_is_a_security_event_without_the_password(client, owner, log):
    wrong = "Not-" + PASSWORD
    client.post(reverse("account_login"), {"login": owner.user.email, "password": wrong})

    [event] = events(log, "signin.failed")
    assert event["email"] == owner.user.email and event["path"] == "/accounts/login/"
    assert event["level"] == "WARNING" and event["logger"] == "caas.security"
    assert not any(wrong in json.dumps(line) for line in log())


def test_an_outsiders_404_on_another_accounts_object_is_a_security_event(api, outsider, member_credential, log):
    from credentials.services import generate_credential

    credential, _ = member_credential
    outsiders, secret = generate_credential(membership=outsider, name="probe", permissions=["credentials:read"])
    assert api.get(f"/api/v1/credentials/{credential.client_id}/", headers=bearer(secret)).status_code == 404

    [event] = events(log, "access.denied")
    assert event["status"] == 404 and event["client_id"] == outsiders.client_id
    assert event["account"] == outsider.account.cloud_account_id


def test_a_members_403_on_an_owners_page_is_a_security_event(member_client, member, log):
    assert member_client.post(reverse("accounts:grant_access"), {"email": "x@example.com"}).status_code == 403

    [event] = events(log, "access.denied")
    assert event["status"] == 403 and event["path"] == "/settings/access/grant/"


def test_a_404_outside_the_tenant_pages_is_no_security_event(client, db, log):
    assert client.get("/no-such-page/").status_code == 404
    assert events(log, "access.denied") == []


def test_every_429_is_one_throttled_event(api, db, settings, log):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "leak_reports_per_ip": (1, 60)}
    report = {"secret": "caas_sk_not_a_real_one"}
    api.post("/api/v1/credentials/report-leak", report, content_type="application/json")
    assert api.post("/api/v1/credentials/report-leak", report, content_type="application/json").status_code == 429

    [event] = events(log, "throttled")
    assert event["status"] == 429 and event["path"] == "/api/v1/credentials/report-leak"


def test_security_event_takes_a_drf_request_and_extra_fields(log):
    request = RequestFactory().get("/oauth2/token?client_secret=never-logged", REMOTE_ADDR="203.0.113.9")
    security_event(Request(request), "client.authentication_failed", client_id="caas_ci_x", reason="wrong secret")

    [event] = events(log, "client.authentication_failed")
    assert event["client"] == "203.0.113.9" and event["path"] == "/oauth2/token"
    assert event["client_id"] == "caas_ci_x" and event["reason"] == "wrong secret"
    assert "never-logged" not in json.dumps(event)
