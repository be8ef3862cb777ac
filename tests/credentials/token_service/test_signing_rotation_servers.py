"""A rotation across servers, seen by a verifier that caches the JWKS for exactly its max-age.

Two gunicorn servers of two workers share one database; a strict verifier (an unknown `kid` is
an error, and it refetches the JWKS only when its copy has expired) checks every token they
issue while `manage.py rotate_signing_key` runs. The next key is published first and signs only
once the verifier must have fetched it, so not one token carries a `kid` it does not know.
"""

import re
import subprocess
import sys
import time

import jwt
import pytest
import requests
from django.conf import settings

from credentials import signing
from tests import harness
from tests.credentials.helpers import database_url_for_subprocesses, free_port, new_credential

REDIS_DB = 15
MAX_AGE = 2


class CachingVerifier:
    def __init__(self, jwks_urls: list[str], issuer: str, audience: str) -> None:
        self.jwks_urls, self.issuer, self.audience = jwks_urls, issuer, audience
        self.keys: dict[str, jwt.PyJWK] = {}
        self.expires = 0.0
        self.fetches = 0

    def _refresh(self) -> None:
        url = self.jwks_urls[self.fetches % len(self.jwks_urls)]  # from either server
        response = requests.get(url, timeout=10)
        max_age = int(re.search(r"max-age=(\d+)", response.headers["Cache-Control"]).group(1))
        self.keys = {key["kid"]: jwt.PyJWK(key) for key in response.json()["keys"]}
        self.expires = time.monotonic() + max_age
        self.fetches += 1

    def verify(self, token: str) -> str:
        if time.monotonic() >= self.expires:
            self._refresh()
        kid = jwt.get_unverified_header(token)["kid"]
        if kid not in self.keys:
            raise AssertionError(f"unknown kid {kid} in a token; the cached JWKS has {sorted(self.keys)}")
        jwt.decode(token, self.keys[kid].key, algorithms=["RS256"], audience=self.audience, issuer=self.issuer)
        return kid


@pytest.mark.django_db(transaction=True)
def test_a_caching_verifier_never_meets_an_unknown_kid_through_a_rotation_across_servers(member, tmp_path):
    credential, secret = new_credential(member)
    first_kid = signing.ensure_keys()[0].kid
    env = harness.environment(
        "unused",
        REDIS_DB,
        DATABASE_URL=database_url_for_subprocesses(),
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the servers decrypt the key this process made
        OAUTH_JWKS_MAX_AGE=str(MAX_AGE),
        THROTTLE_TOKEN_PER_CREDENTIAL="100000/60",
    )
    issuer = env["OAUTH_ISSUER"]
    with (
        harness.gunicorn(env, free_port(), tmp_path / "a.log", workers=2) as server_a,
        harness.gunicorn(env, free_port(), tmp_path / "b.log", workers=2) as server_b,
    ):
        servers = [server_a, server_b]
        verifier = CachingVerifier(
            [f"{server}/.well-known/jwks.json" for server in servers], issuer, f"{issuer}/regional"
        )
        session = requests.Session()
        seen: list[tuple[float, str]] = []
        rotated_at = None
        started = time.monotonic()
        while time.monotonic() - started < 40:
            for server in servers:
                answer = session.post(
                    f"{server}/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(credential.client_id, secret),
                )
                assert answer.status_code == 200, answer.text
                seen.append((time.monotonic(), verifier.verify(answer.json()["access_token"])))
            if rotated_at is None and time.monotonic() - started > 1:
                command = [sys.executable, "manage.py", "rotate_signing_key"]
                subprocess.run(command, cwd=harness.ROOT, env=env, check=True, capture_output=True)
                rotated_at = time.monotonic()
            new_kids = {kid for at, kid in seen if kid != first_kid}
            if new_kids and sum(1 for at, kid in seen if kid in new_kids and at > seen[-1][0] - 2) > 20:
                break  # every worker of both servers signs with the new key by now
            time.sleep(0.05)
    kids = [kid for _, kid in seen]
    assert kids[0] == first_kid and len(set(kids)) == 2, "the rotation did not complete within the test"
    switched = next(at for at, kid in seen if kid != first_kid)
    assert switched - rotated_at >= MAX_AGE, "a token was signed with the new key before verifiers could know it"
    assert verifier.fetches >= 2
