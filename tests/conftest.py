import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.test import Client

from accounts.models import Membership, Role
from credentials import throttling, usage
from credentials.scopes import ALL_SCOPES
from credentials.services import generate_credential
from credentials.signing import keyring
from tests.accounts.helpers import enrol_totp, sign_in
from tests.factories import AccountFactory, MembershipFactory, UserFactory
from tests.regional.conftest import seeded_region

PASSWORD = "Correct-Horse-Battery-9"
# Independent client libraries, run against a live server by tests/interop/run.py in a venv of their own.
collect_ignore = ["interop"]

# The live test server listens with Django's backlog of 10, so a burst of more simultaneous
# connections (test_concurrency fires 24) may be reset by the kernel before the server sees
# them. Production servers (gunicorn) listen with a backlog of 2048.
WSGIServer.request_queue_size = 64


@pytest.fixture(autouse=True)
def _seeded_regions(request):
    """The three regions come from a data migration, which every transactional test (live
    servers) flushes; tests that rely on them must not depend on running before one of those."""
    names = set(request.fixturenames)
    if not names & {"db", "transactional_db", "live_server"} and request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("transactional_db" if names & {"transactional_db", "live_server"} else "db")
    from regional.models import Region

    if not Region.objects.exists():
        for slug in ("us-region-1", "us-region-2", "us-region-3"):
            seeded_region(slug)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """A fast hasher, static files straight from the source folders, and an empty cache (rate limits)."""
    cache.clear()
    keyring.forget()  # signing keys live in the database, which each test rolls back
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    usage.buffer.discard()  # counts in memory outlive each test's rolled-back database
    for limit in (throttling.requests_per_credential, throttling.introspections_per_credential):
        limit.forget()  # leases of the cleared cache's counters
    yield
    usage.buffer.discard()


@pytest.fixture
def fresh_window():
    """Throttle windows are whole minutes: a test that counts requests in one starts at the
    beginning of a minute, so that it cannot straddle two (and see its count reset)."""
    start = (time.time() // 60 + 1) * 60 + 0.5
    with time_machine.travel(start, tick=True):
        yield


@pytest.fixture
def account_a(db):
    return AccountFactory(name="Account A")


@pytest.fixture
def account_b(db):
    return AccountFactory(name="Account B")


@pytest.fixture
def owner(account_a) -> Membership:
    """Owns account A."""
    return MembershipFactory(account=account_a, role=Role.OWNER, user=UserFactory(email="owner@example.com"))


@pytest.fixture
def member(account_a, owner) -> Membership:
    """A plain member of account A."""
    return MembershipFactory(account=account_a, role=Role.MEMBER, user=UserFactory(email="member@example.com"))


@pytest.fixture
def outsider(account_b) -> Membership:
    """Owns account B and has nothing in account A."""
    return MembershipFactory(account=account_b, role=Role.OWNER, user=UserFactory(email="outsider@example.com"))


def client_for(client, membership: Membership):
    client.force_login(membership.user)
    return client


@pytest.fixture
def owner_client(client, owner):
    return client_for(client, owner)


@pytest.fixture
def member_client(client, member):
    return client_for(client, member)


@pytest.fixture
def outsider_client(client, outsider):
    return client_for(client, outsider)


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with the confirmed address that signing in requires (mandatory verification)."""
    EmailAddress.objects.create(user=admin_user, email=admin_user.email, primary=True, verified=True)
    return admin_user


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's, but signed in with password and TOTP code, as the admin requires (accounts/admin_mfa.py)."""
    client = Client()
    sign_in(client, admin_user.email, "password", secret=enrol_totp(admin_user))
    return client


@pytest.fixture
def api():
    """A client with no session: what a program calling the API looks like."""
    return Client()


@pytest.fixture
def member_credential(member):
    """(credential, secret) of the member, with every permission (the portal's default has only compute)."""
    return generate_credential(membership=member, name="ci", permissions=sorted(ALL_SCOPES))


@pytest.fixture
def region(db):
    return seeded_region("us-region-1")


@pytest.fixture
def other_region(db):
    return seeded_region("us-region-2")
