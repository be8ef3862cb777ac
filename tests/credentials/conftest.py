import pytest

from credentials.models import Credential
from tests.credentials.helpers import mint, new_credential
from tests.regional.conftest import seeded_region


@pytest.fixture
def regions(db):
    return [seeded_region(slug) for slug in ("us-region-1", "us-region-2", "us-region-3")]


@pytest.fixture
def family(api, member, regions):
    """A parent made by the member, its child made with the parent's secret: (parent, secret), (child, secret)."""
    parent, parent_secret = new_credential(member, name="parent")
    body = mint(api, parent_secret, name="child").json()
    return (parent, parent_secret), (Credential.objects.get(client_id=body["client_id"]), body["client_secret"])
