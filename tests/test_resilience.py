"""Degrading well: a dead cache is skipped, a dead database answers 503 rather than 500."""

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from config.errors import server_error
from credentials import throttling
from tests.credentials.helpers import bearer, get_token

DEAD_REDIS = {
    "default": {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = DEAD_REDIS


def test_a_dead_cache_reads_as_empty_and_writes_nowhere(dead_cache, caplog):
    from django.core.cache import cache

    assert cache.get("x", "default") == "default"
    assert cache.add("x", 1) is False and cache.incr("x") == 0
    assert throttling.take("failed_auth_per_ip", "192.0.2.1") is None
    assert "Redis is unavailable" in caplog.text


def test_bearer_and_token_requests_work_without_the_cache(dead_cache, api, member_credential):
    credential, secret = member_credential
    assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token = get_token(api, credential.client_id, secret)["access_token"]
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize(("path", "content_type"), [("/api/v1/me", "application/json"), ("/settings/", "text/plain")])
def test_a_database_outage_answers_503_without_a_trace(path, content_type):
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(RequestFactory().get(path))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"].startswith(content_type)
    assert b"temporarily unavailable" in response.content and b"Traceback" not in response.content


def test_the_redis_cache_reuses_one_client_per_pool():
    """Django builds a redis.Redis for every call (~100 µs); config/cache.py keeps one per pool."""
    from config.cache import FailOpenRedisCache

    cache = FailOpenRedisCache("redis://127.0.0.1:6379/15", {"OPTIONS": {"socket_timeout": 0.5}})
    client = cache._cache.get_client(write=True)
    cache.set("probe", 1)
    assert cache.get("probe") == 1
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.delete("probe")
