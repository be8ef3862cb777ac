"""What a new integrator has: the service's base URL and one credential (run.py passes them)."""

import os

import pytest
import requests


@pytest.fixture(scope="session")
def service() -> dict:
    base = os.environ["INTEROP_BASE_URL"]
    metadata = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    return {
        "base": base,
        "client_id": os.environ["INTEROP_CLIENT_ID"],
        "client_secret": os.environ["INTEROP_CLIENT_SECRET"],
        "account": os.environ["INTEROP_ACCOUNT"],
        "issuer": metadata["issuer"],
        "audience": f"{metadata['issuer']}/regional",
        "token_url": metadata["token_endpoint"],
        "introspection_url": metadata["introspection_endpoint"],
        "revocation_url": metadata["revocation_endpoint"],
        "jwks_uri": metadata["jwks_uri"],
        "me": f"{base}/api/v1/me",
    }


@pytest.fixture
def access_token(service) -> str:
    response = requests.post(
        service["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(service["client_id"], service["client_secret"]),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def jwks(service) -> dict:
    return requests.get(service["jwks_uri"], timeout=10).json()
