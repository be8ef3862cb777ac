"""The region's client of the console's internal API (credentials/federation/views.py)."""

import requests
from django.conf import settings


class ConsoleUnavailable(Exception):
    """The console did not answer, or answered with an error; the message says which."""


class Console:
    def __init__(self, base_url: str, region_key: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {region_key}", "Accept": "application/json"})

    def _call(self, method: str, path: str, *, timeout: float, **kwargs) -> dict:
        try:
            response = self.session.request(method, f"{self.base_url}/internal/v1/{path}", timeout=timeout, **kwargs)
        except requests.RequestException as error:
            raise ConsoleUnavailable(f"{path}: {type(error).__name__}") from None
        if response.status_code != 200:
            raise ConsoleUnavailable(f"{path}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise ConsoleUnavailable(f"{path}: not JSON") from None

    def jwks(self) -> dict:
        return self._call("GET", "jwks", timeout=5)

    def revocations(self, after: int, wait: int) -> dict:
        return self._call("GET", "revocations", params={"after": after, "wait": wait}, timeout=wait + 5)

    def secret(self, digest: str) -> dict:
        return self._call("POST", "secrets", json={"secret_digest": digest}, timeout=3)

    def report(self, payload: dict) -> dict:
        return self._call("POST", "reports", json=payload, timeout=10)


def console() -> Console:
    return Console(settings.CAAS_CONSOLE_URL, settings.CAAS_REGION_KEY)
