"""Revocation against real servers: two gunicorn servers of two workers with two threads each,
sharing one database, every worker's cache warm with the secret (credentials/bearer_cache.py on
PostgreSQL; on SQLite every request asks the database). Whatever revokes it, the very next
request fails at every worker; and an attacker racing the revocation with a leaked secret gets
nothing served after the revocation's answer."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from credentials.models import Credential
from tests import harness
from tests.credentials.helpers import (
    basic,
    bearer,
    database_url_for_subprocesses,
    deactivate_the_user,
    delete,
    disable,
    free_port,
    new_credential,
    remove_the_member,
)
from tests.factories import MembershipFactory

REDIS_DB = 13
WARM = 40  # requests per server, spread over its workers' threads by new connections


def narrow_its_permissions(credential):
    Credential.objects.filter(pk=credential.pk).update(permissions=["compute:read"])


CHANGES = {  # change: the status the credential list gets after it
    disable: 401,
    delete: 401,
    remove_the_member: 401,
    deactivate_the_user: 401,
    narrow_its_permissions: 403,
}


@pytest.fixture
def servers(db, tmp_path):
    env = harness.environment(
        "unused",
        REDIS_DB,
        DATABASE_URL=database_url_for_subprocesses(),
        THROTTLE_FAILED_AUTH_PER_IP="100000/60",  # so every refusal here is a 401, not a 429
    )
    redis.Redis(db=REDIS_DB).flushdb()
    with (
        harness.gunicorn(env, free_port(), tmp_path / "a.log", workers=2, args=["--threads", "2"]) as a,
        harness.gunicorn(env, free_port(), tmp_path / "b.log", workers=2, args=["--threads", "2"]) as b,
    ):
        yield [str(a), str(b)]
    redis.Redis(db=REDIS_DB).flushdb()


def statuses(servers: list[str], secret: str, each: int) -> list[int]:
    """`each` requests to every server, each on a new connection (so on any worker and thread)."""

    def call(url: str) -> int:
        return requests.get(f"{url}/api/v1/credentials/", headers=bearer(secret), timeout=30).status_code

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(call, [url for url in servers for _ in range(each)]))


@pytest.mark.django_db(transaction=True)
def test_every_revocation_fails_the_very_next_request_at_every_worker(account_a, owner, servers):
    chosen = {}
    for change in CHANGES:
        member = MembershipFactory(account=account_a)
        chosen[change] = new_credential(member, name=change.__name__.replace("_", "-"))
    for _, secret in chosen.values():
        assert set(statuses(servers, secret, WARM)) == {200}
    for change, expected in CHANGES.items():
        credential, secret = chosen[change]
        change(credential)
        assert set(statuses(servers, secret, WARM // 2)) == {expected}, change.__name__


@pytest.mark.django_db(transaction=True)
def test_a_leaked_secret_racing_its_revocation_gets_nothing_after_the_answer(member, servers):
    credential, secret = new_credential(member, name="leaked")
    answers: list[tuple[float, int]] = []
    stop_at = time.monotonic() + 3

    def attacker(url: str) -> None:
        with requests.Session() as session:  # keep-alive: the same worker thread, its cache warm
            while time.monotonic() < stop_at:
                started = time.monotonic()
                status = session.get(f"{url}/api/v1/me", headers=bearer(secret), timeout=30).status_code
                answers.append((started, status))

    with ThreadPoolExecutor(8) as pool:
        attacks = [pool.submit(attacker, url) for url in servers * 4]
        time.sleep(1)
        response = requests.delete(
            f"{servers[0]}/api/v1/credentials/{credential.client_id}/", headers=bearer(secret), timeout=30
        )
        revoked_at = time.monotonic()
        for attack in attacks:
            attack.result()
    assert response.status_code == 204, response.content
    before = [status for started, status in answers if started < revoked_at]
    after = [status for started, status in answers if started >= revoked_at]
    assert before.count(200) > 50, before  # the caches were warm and in use
    assert after and set(after) == {401}, sorted(set(after))


@pytest.mark.django_db(transaction=True)
def test_a_revoked_access_token_fails_the_very_next_request_at_every_worker(member, servers):
    credential, secret = new_credential(member, name="tokens")
    answer = requests.post(
        f"{servers[0]}/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(credential.client_id, secret)},
        timeout=30,
    )
    token = answer.json()["access_token"]
    assert set(statuses(servers, token, WARM)) == {200}
    revoked = requests.post(
        f"{servers[1]}/oauth2/revoke",
        data={"token": token},
        headers={"Authorization": basic(credential.client_id, secret)},
        timeout=30,
    )
    assert revoked.status_code == 200, revoked.content
    assert set(statuses(servers, token, WARM // 2)) == {401}
    assert set(statuses(servers, secret, 4)) == {200}  # the credential itself still works
