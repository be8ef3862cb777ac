"""The settings `make bench` serves the app with: production's (config/settings.py), plus the peer
packages its peer cases measure our authentication against, and the bench URLconf. The peers'
apps, tables and routes exist only here and in the bench database, never in production."""

from config.settings import *  # noqa: F403 (production's settings, unchanged)
from config.settings import CAAS_ROLE, INSTALLED_APPS

PEER_APPS = ["oauth2_provider", "knox", "rest_framework.authtoken", "rest_framework_api_key"]
if CAAS_ROLE != "regional":  # a region on its own serves only the open baseline besides its services
    INSTALLED_APPS = [*INSTALLED_APPS, *PEER_APPS]
ROOT_URLCONF = "bench.urls"
