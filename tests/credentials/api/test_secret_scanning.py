"""POST /api/v1/secret-scanning/github: GitHub's secret-scanning partner protocol.

GitHub is played for real: a key server on 127.0.0.1 publishes P-256 public keys as GitHub's
meta API does, and reports are signed with their private halves exactly as GitHub signs them
(ECDSA over SHA-256 of the raw body, base64 DER, key named in a header).
"""

import base64
import hashlib
import http.client
import json
import logging
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import keys
from credentials.models import Credential, LeakReport
from credentials.secret_scanning import FETCH_INTERVAL_SECONDS, MAX_MATCHES, SECRET_TYPE
from tests.credentials.helpers import bearer, new_credential

URL = "/api/v1/secret-scanning/github"
GITHUB_IP = "140.82.115.10"
FOUND_AT = "https://github.com/octocat/hello-world/blob/0123abc/settings.py"


@dataclass
class GitHubKey:
    """One of GitHub's secret-scanning signing keys."""

    private: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    @property
    def identifier(self) -> str:
        der = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha256(der).hexdigest()

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


class KeyServer:
    """GitHub's /meta/public_keys/secret_scanning: what is `published`, or `answer` (status, body)."""

    def __init__(self) -> None:
        self.published: list[dict] = []
        self.answer: tuple[int, bytes] | None = None
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                status, body = server.answer or (200, json.dumps({"public_keys": server.published}).encode())
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/meta/public_keys/secret_scanning"

    def publish(self, *keys: GitHubKey) -> None:
        """GitHub's list after a rotation: the last key is current, the earlier ones still listed."""
        self.published = [
            {"key_identifier": key.identifier, "key": key.pem, "is_current": key is keys[-1]} for key in keys
        ]


@pytest.fixture
def key_server(settings):
    server = KeyServer()
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.SECRET_SCANNING_GITHUB_KEYS_URL = server.url
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def github_key(key_server) -> GitHubKey:
    key = GitHubKey()
    key_server.publish(key)
    return key


def match(token: str, url: str = FOUND_AT) -> dict:
    return {"token": token, "type": SECRET_TYPE, "url": url, "source": "content"}


def report(client, key: GitHubKey, payload, *, body: bytes | None = None, **headers):
    """POST what GitHub would: `payload` as JSON (or `body` as is), signed with `key`, unless
    `headers` say otherwise (None: without that header)."""
    body = json.dumps(payload).encode() if body is None else body
    signed = {"Github-Public-Key-Identifier": key.identifier, "Github-Public-Key-Signature": key.sign(body)}
    return client.post(
        URL,
        body,
        content_type="application/json",
        headers={name: value for name, value in {**signed, **headers}.items() if value is not None},
        REMOTE_ADDR=GITHUB_IP,
        HTTP_USER_AGENT="GitHub-Secret-Scanning",
    )


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def later():
    """Past the minute in which GitHub's keys were last fetched."""
    return time_machine.travel(timezone.now() + timedelta(seconds=FETCH_INTERVAL_SECONDS + 1))


def test_a_signed_report_revokes_our_secrets_and_labels_every_match(
    api, github_key, owner, member_credential, mailoutbox, django_capture_on_commit_callbacks
):
    credential, secret = member_credential
    unknown = keys.new_secret()
    with django_capture_on_commit_callbacks(execute=True):
        response = report(api, github_key, [match(unknown), match(secret), match("caas_sk_not-even-well-formed")])
    assert response.status_code == 200
    assert response.json() == [
        {"token_hash": sha256(unknown), "token_type": SECRET_TYPE, "label": "false_positive"},
        {"token_hash": sha256(secret), "token_type": SECRET_TYPE, "label": "true_positive"},
        {"token_hash": sha256("caas_sk_not-even-well-formed"), "token_type": SECRET_TYPE, "label": "false_positive"},
    ]
    assert not Credential.objects.filter(pk=credential.pk).exists()
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    event = AuditEvent.objects.get(action="credential.leak_revoked")
    assert GITHUB_IP in event.target and FOUND_AT in event.target
    [email] = mailoutbox
    assert sorted(email.to) == ["member@example.com", "owner@example.com"]
    assert f"(found at {FOUND_AT})" in email.body and secret not in email.body
    assert sorted(LeakReport.objects.values_list("matched", "client_id")) == [
        (False, ""),
        (False, ""),
        (True, credential.client_id),
    ]


def test_github_and_a_leak_report_leave_the_same_trace(
    api, github_key, owner, member, mailoutbox, django_capture_on_commit_callbacks
):
    (by_leak_report, leaked), (by_github, found) = new_credential(member, "one"), new_credential(member, "two")
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/credentials/report-leak", {"secret": leaked, "source": FOUND_AT}, "application/json")
    with django_capture_on_commit_callbacks(execute=True):
        assert report(api, github_key, [match(found)]).status_code == 200
    assert not Credential.objects.exists()
    leak_event, github_event = AuditEvent.objects.filter(action="credential.leak_revoked").order_by("id")
    assert leak_event.target.startswith(f"one ({by_leak_report.client_id})")
    assert github_event.target.startswith(f"two ({by_github.client_id})")
    assert github_event.target.split("; ")[1] == leak_event.target.split("; ")[1].replace("127.0.0.1", GITHUB_IP)
    leak_email, github_email = mailoutbox
    assert github_email.to == leak_email.to
    assert github_email.subject == leak_email.subject.replace("one", "two")
    assert github_email.body.split("UTC")[1] == leak_email.body.split("UTC")[1]


@pytest.mark.parametrize("case", [str.lower, str.upper])
def test_the_signature_headers_are_read_whatever_their_case(live_server, github_key, case):
    """Over a real socket, so that header names reach the server exactly as sent."""
    body = json.dumps([match(keys.new_secret())]).encode()
    server = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(server.hostname, server.port, timeout=10)
    connection.putrequest("POST", URL)
    for name, value in [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        (case("Github-Public-Key-Identifier"), github_key.identifier),
        (case("Github-Public-Key-Signature"), github_key.sign(body)),
    ]:
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.read())[0]["label"] == "false_positive"


@pytest.mark.django_db
def test_keys_are_fetched_once_and_then_come_from_the_cache(api, key_server, github_key):
    for _ in range(3):
        assert report(api, github_key, [match(keys.new_secret())]).status_code == 200
    assert key_server.fetches == 1


@pytest.mark.django_db
def test_an_unknown_key_is_looked_up_once_more_then_refused(api, key_server, github_key):
    assert report(api, github_key, [match(keys.new_secret())]).status_code == 200
    with later():
        refused = [report(api, GitHubKey(), [match(keys.new_secret())]) for _ in range(3)]
    assert [response.status_code for response in refused] == [401, 401, 401]
    assert refused[0].json() == {"detail": "GitHub publishes no key with this identifier."}
    assert key_server.fetches == 2


@pytest.mark.django_db
def test_a_rotated_key_is_accepted_once_it_is_published(api, key_server, github_key):
    assert report(api, github_key, [match(keys.new_secret())]).status_code == 200
    rotated = GitHubKey()
    key_server.publish(github_key, rotated)
    with later():
        assert report(api, rotated, [match(keys.new_secret())]).status_code == 200
        assert report(api, github_key, [match(keys.new_secret())]).status_code == 200
    assert key_server.fetches == 2


def test_a_key_github_withdrew_is_refused_after_the_next_fetch(api, key_server, github_key, member_credential):
    assert report(api, github_key, [match(keys.new_secret())]).status_code == 200
    replacement = GitHubKey()
    key_server.publish(replacement)
    with later():
        assert report(api, replacement, [match(keys.new_secret())]).status_code == 200
        assert report(api, github_key, [match(member_credential[1])]).status_code == 401
    assert Credential.objects.exists()


def _another_keys_signature(key: GitHubKey, body: bytes) -> dict:
    return {"Github-Public-Key-Signature": GitHubKey().sign(body)}


def _signature_of_other_bytes(key: GitHubKey, body: bytes) -> dict:
    return {"Github-Public-Key-Signature": key.sign(body + b" ")}


REFUSED_HEADERS = {
    "no signature headers": lambda key, body: {
        "Github-Public-Key-Identifier": None,
        "Github-Public-Key-Signature": None,
    },
    "no key identifier": lambda key, body: {"Github-Public-Key-Identifier": None},
    "no signature": lambda key, body: {"Github-Public-Key-Signature": None},
    "empty headers": lambda key, body: {"Github-Public-Key-Identifier": "", "Github-Public-Key-Signature": ""},
    "another key's signature": _another_keys_signature,
    "a signature of other bytes": _signature_of_other_bytes,
    "not base64": lambda key, body: {"Github-Public-Key-Signature": "not base64!"},
    "base64 but not DER": lambda key, body: {"Github-Public-Key-Signature": base64.b64encode(b"x" * 70).decode()},
}


@pytest.mark.parametrize("headers", REFUSED_HEADERS.values(), ids=REFUSED_HEADERS.keys())
def test_a_report_not_signed_by_github_is_a_401_and_changes_nothing(api, github_key, member_credential, headers):
    body = json.dumps([match(member_credential[1])]).encode()
    response = report(api, github_key, None, body=body, **headers(github_key, body))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Github-Public-Key-Signature realm="caas"'
    assert Credential.objects.exists() and not LeakReport.objects.exists()


def test_a_tampered_body_is_a_401_and_changes_nothing(api, github_key, member_credential):
    signed = json.dumps([match(keys.new_secret())]).encode()
    tampered = json.dumps([match(member_credential[1])]).encode()
    response = report(api, github_key, None, body=tampered, **{"Github-Public-Key-Signature": github_key.sign(signed)})
    assert response.status_code == 401
    assert Credential.objects.exists() and not LeakReport.objects.exists()


@pytest.mark.django_db
def test_a_garbage_signature_costs_no_fetch_from_github(api, key_server):
    response = report(api, GitHubKey(), [], **{"Github-Public-Key-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert response.status_code == 401 and key_server.fetches == 0


def test_a_listed_key_that_is_not_p256_is_ignored(api, key_server, member_credential):
    p384 = GitHubKey(ec.generate_private_key(ec.SECP384R1()))
    key_server.publish(p384)
    assert report(api, p384, [match(member_credential[1])]).status_code == 401
    assert Credential.objects.exists()


MALFORMED = {
    "not JSON": b"[{",
    "not an array": json.dumps(match(keys.new_secret())).encode(),
    "null": b"null",
    "an array of strings": json.dumps([keys.new_secret()]).encode(),
    "a match without its token": json.dumps([{"type": SECRET_TYPE, "url": FOUND_AT}]).encode(),
    "a match without its type": json.dumps([{"token": keys.new_secret(), "url": FOUND_AT}]).encode(),
    "a match without its url": json.dumps([{"token": keys.new_secret(), "type": SECRET_TYPE}]).encode(),
    "a NUL in a url": json.dumps([match(keys.new_secret(), url="https://github.com/\u0000")]).encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_but_malformed_body_is_a_400_and_changes_nothing(api, github_key, member_credential, body):
    assert report(api, github_key, None, body=body).status_code == 400
    assert Credential.objects.exists() and not LeakReport.objects.exists()


def test_more_than_a_thousand_matches_are_a_400(api, github_key, member_credential):
    _, secret = member_credential
    response = report(api, github_key, [match(secret)] + [match(keys.new_secret()) for _ in range(MAX_MATCHES)])
    assert response.status_code == 400
    assert Credential.objects.exists() and not LeakReport.objects.exists()


def test_a_thousand_matches_cost_a_bounded_number_of_queries(
    api, github_key, member_credential, django_assert_max_num_queries
):
    """One lookup for every digest and a bulk insert (batches of about 110 rows on SQLite), then
    the revocation of the one match: nowhere near a query per match."""
    _, secret = member_credential
    matches = [match(keys.new_secret()) for _ in range(MAX_MATCHES - 1)] + [match(secret)]
    with django_assert_max_num_queries(40):
        response = report(api, github_key, matches)
    labels = [entry["label"] for entry in response.json()]
    assert len(labels) == MAX_MATCHES and labels.count("true_positive") == 1 and labels[-1] == "true_positive"
    assert not Credential.objects.exists()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/meta/public_keys/secret_scanning"


DOWN = {
    "answers 500": (500, b'{"message": "Server Error"}'),
    "answers HTML": (200, b"<html>unicorn</html>"),
    "answers another shape": (200, b'{"keys": []}'),
    "lists keys without identifiers": (200, b'{"public_keys": [{"key": "PEM"}]}'),
}


@pytest.mark.parametrize("answer", DOWN.values(), ids=DOWN.keys())
def test_a_key_server_that_fails_gets_github_a_503_to_retry(api, key_server, github_key, member_credential, answer):
    key_server.answer = answer
    first, second = (report(api, github_key, [match(member_credential[1])]) for _ in range(2))
    assert first.status_code == second.status_code == 503
    assert 1 <= int(first.headers["Retry-After"]) <= FETCH_INTERVAL_SECONDS
    assert key_server.fetches == 1, "the second report waits for the next minute"
    assert Credential.objects.exists() and not LeakReport.objects.exists()


def test_a_key_server_that_is_unreachable_gets_github_a_503(api, settings, member_credential):
    settings.SECRET_SCANNING_GITHUB_KEYS_URL = _closed_port_url()
    response = report(api, GitHubKey(), [match(member_credential[1])])
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert Credential.objects.exists()


@pytest.mark.django_db
def test_the_keys_are_fetched_again_after_a_failure_once_the_minute_is_over(api, key_server, github_key):
    key_server.answer = (500, b"{}")
    assert report(api, github_key, []).status_code == 503
    key_server.answer = None
    with later():
        assert report(api, github_key, []).status_code == 200


@pytest.mark.django_db
def test_no_session_no_csrf_token_and_no_bearer_are_needed(github_key, member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert report(client, github_key, [match(keys.new_secret())]).status_code == 200


@pytest.mark.django_db
def test_refusals_spend_no_failure_budget_so_github_is_never_locked_out(api, settings, github_key):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "failed_auth_per_ip": (1, 60)}
    refused = [report(api, GitHubKey(), []).status_code for _ in range(3)]
    assert refused == [401, 401, 401]
    assert report(api, github_key, [match(keys.new_secret())]).status_code == 200


@pytest.mark.django_db
def test_a_match_without_source_is_accepted_as_older_payloads_sent_it(api, github_key):
    response = report(api, github_key, [{"token": "x", "type": SECRET_TYPE, "url": FOUND_AT}])
    assert response.status_code == 200 and response.json()[0]["token_hash"] == sha256("x")


@pytest.mark.django_db
def test_only_post_is_allowed(api):
    assert api.get(URL).status_code == 405


def test_no_token_reaches_the_logs(api, github_key, member_credential, caplog):
    caplog.set_level(logging.INFO)
    _, secret = member_credential
    report(api, github_key, [match(secret)])
    report(api, GitHubKey(), [match(secret)])
    refusals = [record.fields for record in caplog.records if record.name == "caas.security"]
    assert [event["event"] for event in refusals] == ["secret_scanning.refused"]
    assert secret not in repr([(record.getMessage(), getattr(record, "fields", None)) for record in caplog.records])
