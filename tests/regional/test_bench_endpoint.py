"""`make bench`'s routes: the unauthenticated baseline and the peer packages' authentication, in the
bench URLconf and settings (bench/urls.py, bench/settings.py) only, never in production's.

The bench's own tests (bench_routes.py) need the peers' apps installed from the start: DRF's
authtoken decides when it is first imported whether its model exists (and the schema tests import
it first), so installing the apps mid-run cannot work. test_the_bench_routes_work_under_the_bench_settings
runs them in a pytest process of its own, with the bench settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import get_resolver

from bench import settings as bench_settings
from tests.regional.bench_routes import OPEN, PEER_CASES, routes

ROOT = Path(__file__).resolve().parents[2]


def test_production_urlconf_has_no_bench_route():
    production = routes(get_resolver("config.urls"))
    assert production
    assert [route for route in production if route.startswith("bench/")] == []


def test_production_settings_know_nothing_of_the_bench():
    assert not set(bench_settings.PEER_APPS) & set(django_settings.INSTALLED_APPS)
    assert not hasattr(django_settings, "BENCHMARK_OPEN_ENDPOINTS")


@pytest.mark.django_db
def test_the_open_endpoint_is_not_routed_in_production(api, region, owner):
    assert api.get(OPEN.format(account=owner.account.cloud_account_id)).status_code == 404


def test_the_bench_routes_work_under_the_bench_settings():
    """SQLite and no migrations (tables straight from the models), to keep it to a few seconds;
    `make bench` runs the peers' migrations themselves."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}  # never the run's own DB
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["--ds=bench.settings", "--nomigrations", str(Path(__file__).with_name("bench_routes.py"))]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{4 + 3 * len(PEER_CASES)} passed" in done.stdout, done.stdout[-3000:]
