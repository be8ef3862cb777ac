"""Signing keys: algorithms (RS256 by default), the JWKS (RFC 7517), and rotation no verifier notices."""

import io
import json
from datetime import timedelta

import jwt
import pytest
import requests
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from credentials import signing
from credentials.models import SigningKey
from tests.credentials.helpers import bearer, get_token, new_credential

ME = "/api/v1/me"
JWKS = "/.well-known/jwks.json"


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def published_kids(api) -> set[str]:
    return {key["kid"] for key in api.get(JWKS).json()["keys"]}


def later(seconds: float):
    """Another moment, with every process's key cache expired (as it would be by then)."""
    signing.keyring.forget()
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


@pytest.mark.django_db
def test_the_first_key_is_rs256_made_once_and_stored_encrypted(api):
    api.get(JWKS)
    api.get(JWKS)
    key = SigningKey.objects.get()
    assert key.algorithm == "RS256"
    assert key.private_key.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


@pytest.mark.django_db
def test_the_jwks_lists_public_keys_with_kid_alg_and_use(api, settings):
    response = api.get(JWKS)
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert {"n", "e"} <= set(key) and not {"d", "p", "q"} & set(key)
    assert response["Cache-Control"] == f"public, max-age={settings.OAUTH_JWKS_MAX_AGE}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [JWKS, "/.well-known/oauth-authorization-server"])
def test_head_works_on_the_jwks_and_the_metadata(api, path):
    response = api.head(path)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert api.post(path).status_code == 405


@pytest.mark.parametrize(
    ("algorithm", "kty", "curve"), [("RS256", "RSA", None), ("ES256", "EC", "P-256"), ("Ed25519", "OKP", "Ed25519")]
)
def test_each_algorithm_signs_tokens_that_verify_here_and_from_the_jwks(
    api, settings, member_credential, algorithm, kty, curve
):
    settings.OAUTH_SIGNING_ALG = algorithm
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == algorithm and header["typ"] == "at+jwt"
    assert api.get(ME, headers=bearer(token)).status_code == 200
    [jwk] = api.get(JWKS).json()["keys"]
    assert jwk["kty"] == kty and jwk.get("crv") == curve and jwk["alg"] == algorithm
    public = signing.ALGORITHMS[algorithm][0].from_jwk(json.dumps(jwk))
    claims = jwt.decode(
        token, public, algorithms=[algorithm], audience=settings.OAUTH_AUDIENCE, issuer=settings.OAUTH_ISSUER
    )
    assert claims["client_id"] == credential.client_id


def test_a_token_cannot_choose_another_algorithm_than_its_key(api, member_credential):
    """RFC 8725 §3.1: an RS256 key's public half must not verify an HS256 token made with it."""
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    [jwk] = api.get(JWKS).json()["keys"]
    forged = jwt.api_jws.PyJWS(algorithms=["HS256"]).encode(
        jwt.utils.force_bytes(jwt.api_jwt.json.dumps(claims)),
        jwt.utils.force_bytes(jwk["n"]),
        algorithm="HS256",
        headers={"kid": jwk["kid"], "typ": "at+jwt"},
    )
    assert api.get(ME, headers=bearer(forged)).status_code == 401


def test_a_rotation_publishes_the_next_key_before_it_signs(api, settings, member_credential):
    credential, secret = member_credential
    old = get_token(api, credential.client_id, secret)["access_token"]
    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    new_key = SigningKey.objects.order_by("-created_at").first()
    assert "is published and signs from" in out.getvalue()
    assert abs(new_key.activates_at - new_key.created_at - signing.prepublication()) < timedelta(seconds=1)
    assert signing.prepublication() == timedelta(seconds=settings.OAUTH_JWKS_MAX_AGE + 60)
    signing.keyring.forget()
    assert published_kids(api) == {kid_of(old), new_key.kid}
    assert kid_of(get_token(api, credential.client_id, secret)["access_token"]) == kid_of(old)
    with later(signing.prepublication().total_seconds() + 1):
        new = get_token(api, credential.client_id, secret)["access_token"]
        assert kid_of(new) == new_key.kid
        assert api.get(ME, headers=bearer(old)).status_code == 200
        assert api.get(ME, headers=bearer(new)).status_code == 200


def test_the_old_key_leaves_the_jwks_once_its_last_token_has_expired(api, settings, member_credential):
    credential, secret = member_credential
    old_kid = kid_of(get_token(api, credential.client_id, secret)["access_token"])
    new_key = signing.rotate()
    superseded = (new_key.activates_at - timezone.now()).total_seconds()
    last_token_expires = superseded + settings.OAUTH_ACCESS_TOKEN_LIFETIME
    with later(last_token_expires):
        assert published_kids(api) == {old_kid, new_key.kid}  # clocks may be a little apart
    with later(last_token_expires + signing.CLOCK_SKEW.total_seconds() + 1):
        assert published_kids(api) == {new_key.kid}


def test_rotating_immediately_signs_with_the_new_key_at_once(api, member_credential):
    credential, secret = member_credential
    old = get_token(api, credential.client_id, secret)["access_token"]
    call_command("rotate_signing_key", "--immediately", stdout=io.StringIO())
    new = get_token(api, credential.client_id, secret)["access_token"]
    assert kid_of(new) != kid_of(old)
    assert api.get(ME, headers=bearer(old)).status_code == 200


def test_a_new_algorithm_is_pre_published_and_eddsa_tokens_verify_until_their_key_retires(
    api, settings, member_credential
):
    """A deployment from before RS256: its Ed25519 key signed as `EdDSA` (the name RFC 9864 deprecates)."""
    settings.OAUTH_SIGNING_ALG = "Ed25519"
    credential, secret = member_credential
    get_token(api, credential.client_id, secret)
    key = SigningKey.objects.get()
    SigningKey.objects.update(
        algorithm="EdDSA",
        activates_at=timezone.now() - timedelta(days=1),
        public_jwk={**key.public_jwk, "alg": "EdDSA"},
    )
    settings.OAUTH_SIGNING_ALG = "RS256"
    signing.keyring.forget()
    legacy = get_token(api, credential.client_id, secret)["access_token"]
    assert jwt.get_unverified_header(legacy)["alg"] == "EdDSA"
    still_legacy = get_token(api, credential.client_id, secret)["access_token"]
    assert jwt.get_unverified_header(still_legacy)["alg"] == "EdDSA"
    rsa_key = SigningKey.objects.get(algorithm="RS256")
    assert {key["alg"] for key in api.get(JWKS).json()["keys"]} == {"EdDSA", "RS256"}
    with later(signing.prepublication().total_seconds() + 1):
        fresh = get_token(api, credential.client_id, secret)["access_token"]
        assert jwt.get_unverified_header(fresh) == {"alg": "RS256", "kid": rsa_key.kid, "typ": "at+jwt"}
        assert api.get(ME, headers=bearer(legacy)).status_code == 200
    assert SigningKey.objects.count() == 2


def test_signing_keys_lists_each_key_state_and_when_it_changes(api, member_credential):
    credential, secret = member_credential
    get_token(api, credential.client_id, secret)
    first = SigningKey.objects.get()
    second = signing.rotate()

    def listing() -> str:
        out = io.StringIO()
        call_command("signing_keys", stdout=out)
        return out.getvalue()

    now = listing()
    assert f"{second.kid}" in now and " next " in now and f"signs from {second.activates_at:%Y-%m-%d %H:%M:%S}" in now
    assert f"{first.kid}" in now and " current " in now and "superseded at" in now
    with later(signing.prepublication().total_seconds() + 1):
        then = listing()
    assert " retiring " in then and "leaves the JWKS at" in then and "until a rotation" in then


def test_a_process_that_missed_a_rotation_still_verifies_new_tokens(api, member_credential):
    credential, secret = member_credential
    get_token(api, credential.client_id, secret)  # this process now holds the keys
    elsewhere = signing.rotate(immediately=True)
    claims = jwt.decode(
        get_token(api, credential.client_id, secret)["access_token"], options={"verify_signature": False}
    )
    token = jwt.encode(
        claims,
        signing._decrypt(elsewhere.private_key),
        algorithm="RS256",
        headers={"kid": elsewhere.kid, "typ": "at+jwt"},
    )
    signing.keyring._loaded_at -= signing.MISS_REFRESH_SECONDS + 1
    assert api.get(ME, headers=bearer(token)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_external_verifier_with_default_settings_accepts_our_tokens(live_server, member, settings):
    credential, secret = new_credential(member)
    response = requests.post(
        f"{live_server.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(credential.client_id, secret),
        timeout=10,
    )
    token = response.json()["access_token"]
    verifier = jwt.PyJWKClient(f"{live_server.url}{JWKS}")
    claims = jwt.decode(
        token,
        verifier.get_signing_key_from_jwt(token).key,
        algorithms=["RS256"],
        audience=settings.OAUTH_AUDIENCE,
        issuer=settings.OAUTH_ISSUER,
    )
    assert claims["client_id"] == credential.client_id


@pytest.mark.django_db(transaction=True)
def test_upgrading_keeps_the_current_eddsa_key_signing_and_the_retired_one_retiring():
    """Migration 0006 from the keys of before: one current, one retired ten minutes ago."""
    before, after = [("credentials", "0005_least_privilege")], [("credentials", "0006_signing_key_lifecycle")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldKey = executor.loader.project_state(before).apps.get_model("credentials", "SigningKey")
    now = timezone.now()
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "x", "alg": "EdDSA", "use": "sig"}
    OldKey.objects.create(kid="old", private_key="-", public_jwk=jwk, is_current=False, retired_at=now)
    OldKey.objects.create(kid="new", private_key="-", public_jwk=jwk, is_current=True)
    OldKey.objects.filter(kid="old").update(created_at=now - timedelta(days=30))
    OldKey.objects.filter(kid="new").update(created_at=now - timedelta(minutes=10))
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    found = {state.key.kid: state.state for state in signing.states(list(SigningKey.objects.all()), timezone.now())}
    assert found == {"old": signing.RETIRING, "new": signing.CURRENT}
    assert set(SigningKey.objects.values_list("algorithm", flat=True)) == {"EdDSA"}
