"""Five JWT libraries verify our access tokens offline from the JWKS, with their default settings,
checking `iss`, `aud`, `exp` and `typ` (`at+jwt`, RFC 9068 §4), and refuse a tampered one."""

import base64
import json

import jwt as pyjwt
import pytest
from authlib.jose import JsonWebKey, JsonWebToken
from jose import jwt as jose_jwt
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import KeySet
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jwt as jwcrypto_jwt


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "credentials:write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def verify_with_pyjwt(token, service, jwks):
    key = pyjwt.PyJWKClient(service["jwks_uri"]).get_signing_key_from_jwt(token).key
    claims = pyjwt.decode(token, key, algorithms=["RS256"], audience=service["audience"], issuer=service["issuer"])
    return pyjwt.get_unverified_header(token)["typ"], claims


def verify_with_joserfc(token, service, jwks):
    decoded = joserfc_jwt.decode(token, KeySet.import_key_set(jwks))
    registry = joserfc_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": service["issuer"]},
        aud={"essential": True, "value": service["audience"]},
        exp={"essential": True},
    )
    registry.validate(decoded.claims)
    return decoded.header["typ"], decoded.claims


def verify_with_jwcrypto(token, service, jwks):
    keyset = jwcrypto_jwk.JWKSet.from_json(json.dumps(jwks))
    checks = {"iss": service["issuer"], "aud": service["audience"], "exp": None}
    verified = jwcrypto_jwt.JWT(jwt=token, key=keyset, check_claims=checks, expected_type="JWS")
    return json.loads(verified.header)["typ"], json.loads(verified.claims)


def verify_with_python_jose(token, service, jwks):
    claims = jose_jwt.decode(token, jwks, algorithms=["RS256"], audience=service["audience"], issuer=service["issuer"])
    return jose_jwt.get_unverified_header(token)["typ"], claims


def verify_with_authlib(token, service, jwks):
    claims = JsonWebToken(["RS256"]).decode(
        token,
        JsonWebKey.import_key_set(jwks),
        claims_options={
            "iss": {"essential": True, "value": service["issuer"]},
            "aud": {"essential": True, "value": service["audience"]},
            "exp": {"essential": True},
        },
    )
    claims.validate()
    return claims.header["typ"], dict(claims)


VERIFIERS = [verify_with_pyjwt, verify_with_joserfc, verify_with_jwcrypto, verify_with_python_jose, verify_with_authlib]


@pytest.mark.parametrize("verify", VERIFIERS, ids=lambda verify: verify.__name__.removeprefix("verify_with_"))
def test_each_verifier_accepts_our_token_from_the_jwks(service, access_token, jwks, verify):
    typ, claims = verify(access_token, service, jwks)
    assert typ == "at+jwt"
    assert claims["client_id"] == claims["sub"] == service["client_id"]
    assert claims["cloud_account_id"] == service["account"]


@pytest.mark.parametrize("verify", VERIFIERS, ids=lambda verify: verify.__name__.removeprefix("verify_with_"))
def test_each_verifier_refuses_a_tampered_token(service, access_token, jwks, verify):
    with pytest.raises(Exception):  # noqa: B017 (each library raises its own error)
        verify(tampered(access_token), service, jwks)


def test_every_published_key_says_its_kid_alg_and_use(jwks):
    assert jwks["keys"]
    for key in jwks["keys"]:
        assert key["kid"] and key["alg"] in {"RS256", "ES256", "Ed25519", "EdDSA"} and key["use"] == "sig"
