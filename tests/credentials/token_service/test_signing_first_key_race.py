"""The first signing key, made by whichever request needs it first, under truly concurrent requests.

A row lock cannot serialise the servers that find no key at all (there is no row to lock yet), so
two of them used to each make a "first" key, and for a while each signed with one the other's
JWKS copy (and a region's) had never seen.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from credentials.models import SigningKey

REQUESTS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_jwks_requests_make_one_key_that_every_answer_lists(live_server):
    start = threading.Barrier(REQUESTS)

    def fetch(_: int) -> list[str]:
        start.wait()
        response = requests.get(f"{live_server.url}/.well-known/jwks.json", timeout=30)
        response.raise_for_status()
        return [key["kid"] for key in response.json()["keys"]]

    with ThreadPoolExecutor(REQUESTS) as pool:
        answers = list(pool.map(fetch, range(REQUESTS)))

    made = list(SigningKey.objects.values_list("kid", flat=True))
    assert len(made) == 1, made
    assert answers == [made] * REQUESTS
