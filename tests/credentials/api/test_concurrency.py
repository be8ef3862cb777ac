"""The two-credential limit under truly concurrent requests, through the real HTTP stack.

On PostgreSQL (CI) the requests race inside the database; on SQLite they are serialised by
the database lock, which the test accepts too.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client

from credentials.models import Credential

REQUESTS = 24


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_never_exceed_two(live_server, member):
    client = Client()
    client.force_login(member.user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.get(f"{live_server.url}/settings/credentials/").raise_for_status()
    csrf = session.cookies["csrftoken"]
    start = threading.Barrier(REQUESTS)

    def create(i: int) -> int:
        start.wait()
        response = session.post(
            f"{live_server.url}/api/v1/credentials/", json={"name": f"race-{i}"}, headers={"X-CSRFToken": csrf}
        )
        return response.status_code

    with ThreadPoolExecutor(REQUESTS) as pool:
        codes = list(pool.map(create, range(REQUESTS)))

    assert codes.count(201) == 2, codes
    assert set(codes) <= {201, 409}, codes
    assert Credential.objects.filter(membership=member).count() == 2
    assert sorted(Credential.objects.values_list("slot", flat=True)) == [1, 2]
