"""Region keys and calls to the console's internal API (credentials/federation/), as a region makes them."""

import pytest

from credentials.federation import region_keys, revocations


@pytest.fixture(autouse=True)
def _no_cached_redis_client():
    """revocations caches its Redis client: each test starts without one (and REDIS_URL as set)."""
    revocations._client = None
    yield
    if revocations._client is not None:
        revocations._client.close()
    revocations._client = None


@pytest.fixture
def region_key(regions) -> str:
    """A key of us-region-1."""
    return region_keys.issue_region_key(regions[0])[1]


@pytest.fixture
def other_region_key(regions) -> str:
    """A key of us-region-2."""
    return region_keys.issue_region_key(regions[1])[1]
