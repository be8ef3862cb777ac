"""The bench URLconf's routes, under the bench settings only (bench/settings.py): run in a process
of their own by test_bench_endpoint.py, never collected by the main run (not a test_*.py file)."""

import pytest
from django.urls import URLResolver, get_resolver

from bench.seed import peer_requests
from tests.factories import AccountFactory, MembershipFactory, UserFactory

OPEN = "/bench/regional/us-region-1/v1/cloudaccounts/{account}/instancetypes"
PEER_CASES = ["peer_dot", "peer_knox", "peer_drf_token", "peer_api_key"]  # bench/run.py's
# HasAPIKey is a permission, not an authentication class: without a key DRF answers 403, not 401.
REFUSED = {"peer_dot": 401, "peer_knox": 401, "peer_drf_token": 401, "peer_api_key": 403}


def routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        found.extend(routes(pattern, route) if isinstance(pattern, URLResolver) else [route])
    return found


def test_the_bench_urlconf_adds_the_baseline_and_one_route_per_peer():
    bench = [route for route in routes(get_resolver("bench.urls")) if route.startswith("bench/")]
    assert [route.split("/")[1] for route in bench] == ["regional", "dot", "knox", "drf_token", "api_key"]


@pytest.mark.django_db
def test_the_open_endpoint_answers_without_authentication(api, region, owner):
    response = api.get(OPEN.format(account=owner.account.cloud_account_id))
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == [t.name for t in region.instance_types.all()]


@pytest.mark.django_db
def test_the_open_endpoint_still_answers_404_for_an_unknown_region(api, region):
    assert api.get("/bench/regional/nowhere-1/v1/cloudaccounts/123456789012/instancetypes").status_code == 404


@pytest.mark.django_db
def test_our_endpoint_still_needs_a_token_in_the_bench_urlconf(api, region, owner):
    path = OPEN.format(account=owner.account.cloud_account_id).removeprefix("/bench")
    assert api.get(path).status_code == 401


@pytest.fixture
def peer_spec(region, request):
    """bench/seed.py's peer request for one bench user, as the peer case `request.param` sends it."""
    MembershipFactory(user=UserFactory(email="bench-0@bench.example.com"), account=AccountFactory())
    return peer_requests(1, region.slug)[request.param][0]


@pytest.mark.parametrize("peer_spec", PEER_CASES, indirect=True)
def test_each_peer_route_refuses_a_request_without_credentials(api, peer_spec, request):
    case = request.node.callspec.params["peer_spec"]
    response = api.get(peer_spec["path"])
    assert response.status_code == REFUSED[case]
    assert ("WWW-Authenticate" in response.headers) is (response.status_code == 401)


@pytest.mark.parametrize("peer_spec", PEER_CASES, indirect=True)
def test_each_peer_route_refuses_a_wrong_credential(api, peer_spec, request):
    case = request.node.callspec.params["peer_spec"]
    wrong = peer_spec["headers"]["Authorization"][:-4] + "xxxx"
    assert api.get(peer_spec["path"], headers={"Authorization": wrong}).status_code == REFUSED[case]


@pytest.mark.parametrize("peer_spec", PEER_CASES, indirect=True)
def test_each_peer_route_answers_200_with_its_seeded_credential(api, region, peer_spec):
    response = api.get(peer_spec["path"], headers=peer_spec["headers"])
    assert response.status_code == 200
    assert [t["name"] for t in response.json()] == [t.name for t in region.instance_types.all()]
