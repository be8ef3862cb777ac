"""The per-credential rate limit across real servers: two gunicorn servers of two workers each,
sharing one database and one Redis, as a deployment behind a load balancer would."""

from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest
import redis
import requests

from tests import harness
from tests.credentials.helpers import bearer, database_url_for_subprocesses, free_port, new_credential

REDIS_DB = 14
LIMIT = 400
REQUESTS = 600


@pytest.mark.django_db(transaction=True)
def test_the_rate_limit_holds_across_servers_and_workers_to_within_ten_percent(member, tmp_path):
    _, secret = new_credential(member, name="busy")
    redis.Redis(db=REDIS_DB).flushdb()
    # A window of eleven days: the test cannot straddle two windows.
    env = harness.environment(
        "unused",
        REDIS_DB,
        DATABASE_URL=database_url_for_subprocesses(),
        THROTTLE_REQUESTS_PER_CREDENTIAL=f"{LIMIT}/1000000",
    )
    with (
        harness.gunicorn(env, free_port(), tmp_path / "a.log", workers=2) as server_a,
        harness.gunicorn(env, free_port(), tmp_path / "b.log", workers=2) as server_b,
    ):
        urls = cycle([f"{server_a}/api/v1/me", f"{server_b}/api/v1/me"])
        targets = [next(urls) for _ in range(REQUESTS)]
        sessions = {}

        def call(url: str) -> tuple[int, str]:
            session = sessions.setdefault(url, requests.Session())
            response = session.get(url, headers=bearer(secret), timeout=30)
            return response.status_code, response.headers.get("RateLimit-Limit", "")

        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(call, targets))
    redis.Redis(db=REDIS_DB).flushdb()
    codes = [code for code, _ in answers]
    assert set(codes) <= {200, 429}, codes
    assert 0.9 * LIMIT <= codes.count(200) <= LIMIT, codes.count(200)
    assert {limit for _, limit in answers} == {str(LIMIT)}
