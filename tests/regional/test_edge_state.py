"""What a region deployed on its own knows (regional/edge/state.py) and what it reports back
(regional/edge/reporting.py), with a stand-in for the remote console: the feed thread is never
started here; each test feeds the Edge what the thread would."""

import json
from collections import Counter

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.algorithms import OKPAlgorithm

from credentials import signing, tokens
from credentials.scopes import ALL_SCOPES
from credentials.services import generate_credential
from regional.edge import reporting, state
from regional.edge.console import ConsoleUnavailable
from regional.edge.reporting import Reporter
from regional.edge.state import JWKS_REFRESH_AFTER_UNKNOWN_KID, Edge

CLIENT, OTHER = "cid_" + "a" * 24, "cid_" + "b" * 24
DIGEST, OTHER_DIGEST = "1" * 64, "2" * 64


class FakeConsole:
    """The console's internal API as a region sees it (regional/edge/console.py's Console)."""

    def __init__(self) -> None:
        self.jwks_keys: list[dict] = []
        self.answers: dict[str, dict] = {}
        self.asked: Counter = Counter()
        self.jwks_calls = 0
        self.while_asked = None  # run while the console is "answering" a secret question
        self.down = False
        self.reports: list[dict] = []
        self.attempts = 0
        self.while_reporting = None  # run while a report is "on its way"

    def jwks(self) -> dict:
        self.jwks_calls += 1
        if self.down:
            raise ConsoleUnavailable("jwks: ConnectionError")
        return {"keys": list(self.jwks_keys)}

    def revocations(self, after: int, wait: int) -> dict:
        return {"cursor": after, "revocations": [], "more": False}

    def secret(self, digest: str) -> dict:
        self.asked[digest] += 1
        if self.down:
            raise ConsoleUnavailable("secrets: ConnectionError")
        if self.while_asked is not None:
            self.while_asked()
        return dict(self.answers.get(digest, {"active": False}))

    def report(self, payload: dict) -> dict:
        self.attempts += 1
        if self.while_reporting is not None:
            self.while_reporting()
        if self.down:
            raise ConsoleUnavailable("reports: HTTP 503")
        self.reports.append(json.loads(json.dumps(payload)))
        return {"accepted": True}


class Clock:
    """Stands in for the `time` module of state.py and reporting.py: monotonic and wall time move
    only when a test says so."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(state, "time", fake)
    monkeypatch.setattr(reporting, "time", fake)
    return fake


@pytest.fixture
def console() -> FakeConsole:
    fake = FakeConsole()
    fake.answers[DIGEST] = {"active": True, "client_id": CLIENT, "permissions": ["compute:read"]}
    fake.answers[OTHER_DIGEST] = {"active": True, "client_id": OTHER, "permissions": ["compute:read"]}
    return fake


@pytest.fixture
def edge(console, clock):
    edge = Edge(make_console=lambda: console)
    edge.console = console
    edge.last_contact = clock.monotonic()
    yield edge
    edge.reporter._console = None  # nothing left to send at exit


def revocation(entry_id: int, at: float, **names) -> dict:
    return {"id": entry_id, "at": at, **names}


def public_jwk(kid: str) -> dict:
    jwk = json.loads(OKPAlgorithm.to_jwk(ed25519.Ed25519PrivateKey.generate().public_key()))
    return {**jwk, "kid": kid, "alg": "EdDSA", "use": "sig"}


# Revocations


def test_a_revoked_client_id_evicts_its_cached_secret_answer(edge, console, clock):
    assert edge.answer_for(DIGEST)["active"] is True
    assert edge.answer_for(OTHER_DIGEST)["active"] is True
    assert edge.answer_for(DIGEST)["active"] is True
    assert console.asked == {DIGEST: 1, OTHER_DIGEST: 1}
    edge.apply([revocation(1, clock.time(), client_id=CLIENT)])
    console.answers[DIGEST] = {"active": False}  # deleted at the console meanwhile
    assert edge.answer_for(DIGEST) == {"active": False}
    assert edge.answer_for(OTHER_DIGEST)["active"] is True
    assert console.asked == {DIGEST: 2, OTHER_DIGEST: 1}


def test_a_revoked_client_id_refuses_its_tokens_issued_at_or_before_the_revocation(edge, clock):
    revoked_at = clock.time()
    edge.apply([revocation(1, revoked_at, client_id=CLIENT)])
    assert edge.revoked(CLIENT, "jti-old", revoked_at - 600) is True
    assert edge.revoked(CLIENT, "jti-same-second", revoked_at) is True
    assert edge.revoked(CLIENT, "jti-new", revoked_at + 1) is False  # a token issued after, e.g. once re-enabled
    assert edge.revoked(OTHER, "jti-old", revoked_at - 600) is False


def test_a_later_revocation_of_the_same_client_wins_whatever_the_order(edge, clock):
    first, second = clock.time() - 100, clock.time()
    edge.apply([revocation(2, second, client_id=CLIENT), revocation(1, first, client_id=CLIENT)])
    assert edge.revoked(CLIENT, None, second - 1) is True
    assert edge.delivered == 2


def test_a_token_revocation_refuses_that_jti_only(edge, console, clock):
    edge.answer_for(DIGEST)
    edge.apply([revocation(1, clock.time(), jti="jti-1")])
    assert edge.revoked(CLIENT, "jti-1", clock.time() - 10) is True
    assert edge.revoked(CLIENT, "jti-2", clock.time() - 10) is False
    assert edge.revoked(CLIENT, None, clock.time() - 10) is False
    edge.answer_for(DIGEST)
    assert console.asked[DIGEST] == 1  # the credential's secret is not revoked by that


# Cached answers about secrets


def test_an_answer_is_cached_for_the_secret_cache_seconds_then_asked_again(edge, console, clock, settings):
    settings.CAAS_SECRET_CACHE_SECONDS = 60
    edge.answer_for(DIGEST)
    clock.advance(59.9)
    edge.answer_for(DIGEST)
    assert console.asked[DIGEST] == 1
    clock.advance(0.1)
    edge.answer_for(DIGEST)
    assert console.asked[DIGEST] == 2
    clock.advance(30)
    edge.answer_for(DIGEST)
    assert console.asked[DIGEST] == 2


def test_a_negative_answer_is_cached_too(edge, console, clock):
    unknown = "f" * 64
    assert edge.answer_for(unknown) == {"active": False}
    assert edge.answer_for(unknown) == {"active": False}
    assert console.asked[unknown] == 1


def test_a_revocation_arriving_while_the_console_is_asked_is_not_cached(edge, console, clock):
    console.while_asked = lambda: edge.apply([revocation(1, clock.time(), client_id=CLIENT)])
    assert edge.answer_for(DIGEST) == {"active": False}
    console.while_asked = None
    console.answers[DIGEST] = {"active": False}
    assert edge.answer_for(DIGEST) == {"active": False}
    assert console.asked[DIGEST] == 2  # the console was asked again, not the refused answer cached


def test_another_client_s_revocation_while_asking_does_not_refuse(edge, console, clock):
    console.while_asked = lambda: edge.apply([revocation(1, clock.time(), client_id=OTHER)])
    assert edge.answer_for(DIGEST)["active"] is True
    console.while_asked = None
    edge.answer_for(DIGEST)
    assert console.asked[DIGEST] == 1


def test_a_credential_revoked_before_it_was_enabled_again_is_not_refused_by_another_s_revocation(edge, console, clock):
    """Disabled (on the feed), enabled again: an unrelated revocation delivered while its secret
    is asked about does not refuse it."""
    edge.apply([revocation(1, clock.time(), client_id=CLIENT)])
    clock.advance(30)
    console.while_asked = lambda: edge.apply([revocation(2, clock.time(), client_id=OTHER)])
    assert edge.answer_for(DIGEST)["active"] is True
    console.while_asked = None
    edge.answer_for(DIGEST)
    assert console.asked[DIGEST] == 1  # and the answer was cached


def test_a_console_outage_while_asking_is_raised_and_nothing_is_cached(edge, console):
    console.down = True
    with pytest.raises(ConsoleUnavailable):
        edge.answer_for(DIGEST)
    console.down = False
    assert edge.answer_for(DIGEST)["active"] is True
    assert console.asked[DIGEST] == 2


# The JWKS


def test_an_unknown_kid_fetches_the_jwks_at_most_every_few_seconds(edge, console, clock):
    console.jwks_keys = [public_jwk("k1")]
    found = edge.key("k1")
    assert found is not None and found.kid == "k1" and found.algorithm == "EdDSA"
    assert console.jwks_calls == 1
    assert edge.key("k1") is found and console.jwks_calls == 1  # a known kid asks nothing
    assert edge.key("unknown") is None
    assert console.jwks_calls == 1  # fetched just now
    clock.advance(JWKS_REFRESH_AFTER_UNKNOWN_KID - 0.1)
    assert edge.key("unknown") is None
    assert console.jwks_calls == 1
    console.jwks_keys = [public_jwk("k1"), public_jwk("k2")]  # the console rotated
    clock.advance(0.1)
    assert edge.key("k2") is not None
    assert console.jwks_calls == 2
    for _ in range(5):
        assert edge.key("forged") is None
    assert console.jwks_calls == 2


def test_a_console_outage_during_a_jwks_refresh_keeps_the_keys(edge, console, clock):
    console.jwks_keys = [public_jwk("k1")]
    assert edge.key("k1") is not None
    console.down = True
    clock.advance(JWKS_REFRESH_AFTER_UNKNOWN_KID)
    assert edge.key("k9") is None
    assert edge.key("k1") is not None and console.jwks_calls == 2


def test_a_jwks_key_the_region_cannot_use_is_skipped(edge, console):
    console.jwks_keys = [{"kid": "odd", "alg": "HS256", "kty": "oct", "k": "c2VjcmV0"}, public_jwk("k1")]
    assert edge.key("k1") is not None
    assert edge.key("odd") is None


def test_a_token_of_the_console_verifies_with_the_keys_from_its_jwks(db, edge, console, member):
    credential, _ = generate_credential(membership=member, name="ci", permissions=sorted(ALL_SCOPES))
    console.jwks_keys = [row.public_jwk for row in signing.ensure_keys()]
    token = tokens.issue(credential, frozenset({"compute:read"})).value
    claims = tokens.decode(token, key_for=edge.key)
    assert claims["client_id"] == credential.client_id and claims["scope"] == "compute:read"
    console.jwks_keys = [public_jwk(row["kid"]) for row in console.jwks_keys]  # same kids, other keys
    stranger = Edge(make_console=lambda: console)
    stranger.console = console
    with pytest.raises(tokens.InvalidToken):
        tokens.decode(token, key_for=stranger.key)


# Staleness


def test_fresh_only_while_the_feed_was_heard_within_the_max_staleness(edge, clock, settings):
    settings.CAAS_REVOCATION_MAX_STALENESS = 60
    edge.last_contact = None
    assert edge.fresh() is False  # never heard from the feed
    edge.last_contact = clock.monotonic()
    assert edge.fresh() is True
    clock.advance(60)
    assert edge.fresh() is True
    clock.advance(0.5)
    assert edge.fresh() is False
    edge.last_contact = clock.monotonic() - 10
    assert edge.fresh() is True
    settings.CAAS_REVOCATION_MAX_STALENESS = 5
    assert edge.fresh() is False


# Reports


@pytest.fixture
def reporter(clock, settings):
    settings.USAGE_FLUSH_SECONDS = 30
    reporter = Reporter()
    yield reporter
    reporter._console = None  # nothing left to send at exit


def test_the_reporter_sends_when_due(reporter, console, clock):
    reporter.request(CLIENT, "compute:read", "203.0.113.7")
    reporter.send_if_due(console)
    assert console.attempts == 0
    clock.advance(30)
    reporter.send_if_due(console)
    assert console.attempts == 1
    (sent,) = console.reports
    assert sent["usage"] == [[CLIENT, sent["usage"][0][1], "compute:read", 1, 0]]
    assert sent["last_used"] == [[CLIENT, clock.now - 30, "203.0.113.7"]]
    clock.advance(30)
    reporter.send_if_due(console)
    assert console.attempts == 1  # nothing new to send


def test_a_batch_the_console_refused_is_kept_and_sent_next_time_merged(reporter, console, clock):
    reporter.request(CLIENT, "compute:read", "203.0.113.7")
    reporter.refusal(CLIENT, "192.0.2.9", "Not from an allowed address.")
    reporter.activity(client_id=CLIENT, cloud_account_id="123", action="instance.created", target="web in r")
    console.down = True
    clock.advance(30)
    reporter.send_if_due(console)
    assert console.attempts == 1 and console.reports == []

    clock.advance(1)
    reporter.request(CLIENT, "compute:read", "203.0.113.8")
    reporter.request(OTHER, "compute:write", None)
    reporter.activity(client_id=OTHER, cloud_account_id="456", action="instance.deleted", target="db in r")
    console.down = False
    reporter.send_now()
    (sent,) = console.reports
    usage = sorted((cid, perm, requests, refused) for cid, _, perm, requests, refused in sent["usage"])
    assert usage == [(CLIENT, "", 0, 1), (CLIENT, "compute:read", 2, 0), (OTHER, "compute:write", 1, 0)]
    assert [(cid, ip, reason) for cid, _, ip, reason in sent["failures"]] == [
        (CLIENT, "192.0.2.9", "Not from an allowed address.")
    ]
    assert sorted(sent["last_used"]) == sorted([[CLIENT, clock.now, "203.0.113.8"], [OTHER, clock.now, None]])
    assert [event["action"] for event in sent["activity"]] == ["instance.created", "instance.deleted"]
    reporter.send_now()
    assert len(console.reports) == 1  # sent once, then forgotten


def refuse(reporter, clock, numbers: range) -> None:
    for n in numbers:
        clock.advance(1)
        reporter.refusal(CLIENT, None, f"refusal {n}")


def send_while_the_console_is_down(reporter, console) -> None:
    console.down = True
    reporter._console = console
    reporter.send_now()
    console.down = False


def test_kept_refusals_stay_in_order_and_the_newest_are_kept(reporter, console, clock):
    refuse(reporter, clock, range(3))
    send_while_the_console_is_down(reporter, console)
    refuse(reporter, clock, range(3, 6))
    reporter.send_now()
    (sent,) = console.reports
    kept = [reason for _, _, _, reason in sent["failures"]]
    assert kept == [f"refusal {n}" for n in range(6 - reporting.FAILURES_KEPT, 6)]
    times = [at for _, at, _, _ in sent["failures"]]
    assert times == sorted(times)


def test_refusals_kept_from_a_failed_batch_come_before_newer_ones(reporter, console, clock):
    refuse(reporter, clock, range(3))
    send_while_the_console_is_down(reporter, console)
    refuse(reporter, clock, range(3, 4))
    reporter.send_now()
    (sent,) = console.reports
    assert [reason for _, _, _, reason in sent["failures"]] == [f"refusal {n}" for n in range(4)]


def test_what_was_counted_while_a_refused_batch_was_on_its_way_is_merged_with_it(reporter, console, clock):
    reporter.request(CLIENT, "compute:read", "203.0.113.7")
    reporter.refusal(CLIENT, "192.0.2.9", "first")
    reporter.activity(client_id=CLIENT, cloud_account_id="123", action="instance.created", target="web in r")

    def meanwhile():
        clock.advance(1)
        reporter.request(CLIENT, "compute:read", "203.0.113.8")
        reporter.refusal(CLIENT, "192.0.2.9", "second")
        reporter.activity(client_id=CLIENT, cloud_account_id="123", action="instance.deleted", target="web in r")

    console.down, console.while_reporting = True, meanwhile
    reporter._console = console
    reporter.send_now()
    console.down, console.while_reporting = False, None
    reporter.send_now()
    (sent,) = console.reports
    assert [(cid, perm, req, ref) for cid, _, perm, req, ref in sorted(sent["usage"])] == [
        (CLIENT, "", 0, 2),
        (CLIENT, "compute:read", 2, 0),
    ]
    assert [reason for _, _, _, reason in sent["failures"]] == ["first", "second"]
    assert sent["last_used"] == [[CLIENT, clock.now, "203.0.113.8"]]  # the newer use, not the kept one
    assert [event["action"] for event in sent["activity"]] == ["instance.created", "instance.deleted"]
