import pytest

from tests.regional.conftest import seeded_region


@pytest.fixture
def regions(db):
    """The portal's pages offer the enabled regions: two of them."""
    return seeded_region("us-region-1"), seeded_region("us-region-2")
