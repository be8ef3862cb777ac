"""The unauthenticated baseline that `make bench` compares bearer authentication against:
routed only when BENCHMARK_OPEN_ENDPOINTS is on, never by default."""

import importlib

import pytest
from django.conf import settings as django_settings

import regional.urls

OPEN = "/bench/regional/us-region-1/v1/cloudaccounts/{account}/instancetypes"


@pytest.fixture
def open_endpoints(settings):
    """regional/urls.py re-read with the setting on, and served as the whole URLconf (setting
    ROOT_URLCONF clears the URL caches); re-read with the setting off again afterwards."""
    settings.BENCHMARK_OPEN_ENDPOINTS = True
    importlib.reload(regional.urls)
    settings.ROOT_URLCONF = "regional.urls"
    yield
    settings.BENCHMARK_OPEN_ENDPOINTS = False
    importlib.reload(regional.urls)


def test_the_setting_is_off_by_default():
    assert django_settings.BENCHMARK_OPEN_ENDPOINTS is False


@pytest.mark.django_db
def test_the_open_endpoint_is_not_routed_by_default(api, region, owner):
    assert api.get(OPEN.format(account=owner.account.cloud_account_id)).status_code == 404


@pytest.mark.django_db
def test_the_open_endpoint_answers_without_authentication_when_on(api, region, owner, open_endpoints):
    response = api.get(OPEN.format(account=owner.account.cloud_account_id))
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == [t.name for t in region.instance_types.all()]


@pytest.mark.django_db
def test_the_open_endpoint_still_answers_404_for_an_unknown_region(api, region, open_endpoints):
    assert api.get("/bench/regional/nowhere-1/v1/cloudaccounts/123456789012/instancetypes").status_code == 404


@pytest.mark.django_db
def test_the_authenticated_endpoint_still_needs_a_token_when_on(api, region, owner, open_endpoints):
    path = OPEN.format(account=owner.account.cloud_account_id).removeprefix("/bench")
    assert api.get(path).status_code == 401
