import pytest
from django.test import Client

from credentials.signing import keyring
from tests.credentials.helpers import new_credential


@pytest.fixture(autouse=True)
def _fresh_keyring():
    """Signing keys live in the database, which each test rolls back: forget the cached copies."""
    keyring.forget()
    yield
    keyring.forget()


@pytest.fixture
def api():
    """A client with no session: what a program calling the API looks like."""
    return Client()


@pytest.fixture
def member_credential(member):
    return new_credential(member)
