"""The per-credential rate limit (THROTTLE_REQUESTS_PER_CREDENTIAL) and what it costs.

Requests spend a budget leased from the shared cache in blocks, so most make no round trip;
leases never add up to more than the limit, across processes and servers.
"""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.utils import timezone

from credentials import keys, throttling
from tests.credentials.helpers import basic, bearer, get_token, new_credential, post_form

pytestmark = pytest.mark.usefixtures("fresh_window")

ME = "/api/v1/me"
REDIS_DB = 13
REAL_REDIS = {
    "default": {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def rate(settings, name: str, limit: int, period: int = 60) -> None:
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, name: (limit, period)}


def test_a_credential_past_its_rate_gets_429_with_the_rate_limit_headers(api, settings, member, member_credential):
    rate(settings, "requests_per_credential", 5)
    _, secret = member_credential
    answers = [api.get(ME, headers=bearer(secret)) for _ in range(6)]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]
    assert [answer["RateLimit-Remaining"] for answer in answers] == ["4", "3", "2", "1", "0", "0"]
    assert {answer["RateLimit-Limit"] for answer in answers} == {"5"}
    assert all(0 < int(answer["RateLimit-Reset"]) <= 60 for answer in answers)
    refused = answers[-1]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("This credential may make 5 requests per 60 seconds.")
    _, other = new_credential(member, name="other")
    assert api.get(ME, headers=bearer(other)).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert api.get(ME, headers=bearer(secret)).status_code == 200


def test_secret_and_tokens_of_a_credential_share_one_budget_on_every_api(api, settings, member, member_credential):
    rate(settings, "requests_per_credential", 3)
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    regional = f"/regional/us-region-1/v1/cloudaccounts/{member.account.cloud_account_id}/instancetypes"
    assert api.get(ME, headers=bearer(secret)).status_code == 200
    assert api.get(regional, headers=bearer(token)).status_code == 200
    assert api.get(regional, headers=bearer(secret)).status_code == 200
    assert api.get(regional, headers=bearer(token)).status_code == 429
    assert api.get(ME, headers=bearer(secret)).status_code == 429


def test_a_session_in_the_portal_is_not_rate_limited(member_client, settings):
    rate(settings, "requests_per_credential", 1)
    answers = [member_client.get(ME) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200] * 3
    assert "RateLimit-Limit" not in answers[0]


def test_introspection_is_limited_per_calling_credential(api, settings, member, member_credential):
    rate(settings, "introspections_per_credential", 2)
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    resource_server, rs_secret = new_credential(member, name="rs")

    def introspect(caller, caller_secret):
        auth = {"Authorization": basic(caller.client_id, caller_secret)}
        return post_form(api, "/oauth2/introspect", {"token": token}, headers=auth)

    answers = [introspect(resource_server, rs_secret) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].json()["active"] is True and answers[0]["RateLimit-Remaining"] == "1"
    assert answers[2].json()["error"] == "too_many_requests" and 0 < int(answers[2]["Retry-After"]) <= 60
    assert answers[2]["RateLimit-Remaining"] == "0"
    assert introspect(credential, secret).status_code == 200


def counter(name: str, ident: str) -> int:
    _limit, period = throttling.settings.THROTTLE_RATES[name]
    window = int(timezone.now().timestamp() // period)
    return cache.get(f"ratelimit:{name}:{ident}:{window}", 0)


def test_a_process_leases_a_block_and_spends_it_without_asking_again(settings):
    rate(settings, "requests_per_credential", 6000)
    limit = throttling.RateLimit("requests_per_credential")
    assert limit.spend("c1").allowed and counter("requests_per_credential", "c1") == 60
    for _ in range(59):
        assert limit.spend("c1").allowed
    assert counter("requests_per_credential", "c1") == 60
    assert limit.spend("c1").allowed and counter("requests_per_credential", "c1") == 120


def test_processes_sharing_a_budget_never_let_more_through_than_the_limit(settings):
    rate(settings, "requests_per_credential", 1000)
    processes = [throttling.RateLimit("requests_per_credential") for _ in range(3)]
    allowed = sum(processes[i % 3].spend("c1").allowed for i in range(1500))
    assert 900 <= allowed <= 1000


def test_ten_idle_processes_holding_leases_cost_a_client_at_most_a_tenth(settings):
    rate(settings, "requests_per_credential", 1000)
    idle = [throttling.RateLimit("requests_per_credential") for _ in range(10)]
    assert all(process.spend("c1").allowed for process in idle)
    busy = throttling.RateLimit("requests_per_credential")
    allowed = len(idle) + sum(busy.spend("c1").allowed for _ in range(1500))
    assert 900 <= allowed <= 1000


def test_a_spent_budget_is_refused_without_asking_the_cache_again(settings):
    rate(settings, "requests_per_credential", 2)
    limit = throttling.RateLimit("requests_per_credential")
    assert [limit.spend("c1").allowed for _ in range(3)] == [True, True, False]
    assert counter("requests_per_credential", "c1") == 3
    assert [limit.spend("c1").allowed for _ in range(50)] == [False] * 50
    assert counter("requests_per_credential", "c1") == 3


CONNECTION_SETUP = {"SELECT", "PING", "CLIENT", "HELLO"}


@contextmanager
def redis_commands(db: int):
    """The commands Redis runs on database `db` while the block runs (MONITOR: Redis's own
    record), leaving out those that set up connections."""
    seen: list[str] = []
    ready = threading.Event()
    sentinel = "caas-monitor-stop"

    def watch():
        with redis.Redis(db=db).monitor() as monitor:
            ready.set()
            while True:
                command = monitor.next_command()
                if command["db"] != db:
                    continue
                if sentinel in command["command"]:
                    return
                if command["command"].split()[0] not in CONNECTION_SETUP:
                    seen.append(command["command"])

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    ready.wait(5)
    redis.Redis(db=db).ping()
    try:
        yield seen
    finally:
        redis.Redis(db=db).get(sentinel)
        watcher.join(5)


@pytest.fixture
def real_redis(settings):
    settings.CACHES = REAL_REDIS
    redis.Redis(db=REDIS_DB).flushdb()
    yield
    redis.Redis(db=REDIS_DB).flushdb()


def test_successful_bearer_requests_make_one_round_trip_per_leased_block(api, settings, real_redis, member_credential):
    """The success path reads no throttle state: 120 requests at 6000/60 cost two leases of 60."""
    rate(settings, "requests_per_credential", 6000)
    _, secret = member_credential
    with redis_commands(REDIS_DB) as commands:
        assert {api.get(ME, headers=bearer(secret)).status_code for _ in range(120)} == {200}
    assert [command.split()[0] for command in commands if "ratelimit" in command] == ["SET", "INCRBY"] * 2
    assert len(commands) == 4, commands


def test_each_failure_costs_one_round_trip_and_nothing_else(api, real_redis, member_credential):
    with redis_commands(REDIS_DB) as commands:
        assert api.get(ME, headers=bearer(keys.new_secret())).status_code == 401
    assert [command.split()[0] for command in commands] == ["SET", "INCRBY"]
    assert "failed_auth_per_ip" in commands[1]
