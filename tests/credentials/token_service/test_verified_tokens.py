"""tokens.VerifiedTokens: a token's signature is checked once per process (the console's bearer
path and a region's), and nothing it keeps outlives the token's own expiry or bends its checks."""

import time

import pytest

from credentials import tokens
from credentials.signing import keyring


@pytest.fixture
def counted(monkeypatch):
    """A VerifiedTokens whose key lookups (one per real verification) are counted."""
    asked = []

    def key_for(kid):
        asked.append(kid)
        return keyring.verifying_key(kid)

    return tokens.VerifiedTokens(key_for, most=3), asked


def issue(credential) -> str:
    return tokens.issue(credential, frozenset(credential.permissions)).value


def test_a_token_seen_before_is_not_verified_again(counted, member_credential):
    cache, asked = counted
    credential, _ = member_credential
    token = issue(credential)
    first = cache.claims(token)
    assert cache.claims(token) == first == tokens.decode(token)
    assert len(asked) == 1


def test_a_kept_token_past_its_expiry_is_refused_as_expired(counted, member_credential, settings):
    cache, _ = counted
    credential, _ = member_credential
    settings.OAUTH_ACCESS_TOKEN_LIFETIME = 1
    token = issue(credential)
    cache.claims(token)
    time.sleep(1.1)
    with pytest.raises(tokens.InvalidToken, match="expired"):
        cache.claims(token)


def test_a_forged_token_is_never_kept(counted, member_credential):
    cache, asked = counted
    credential, _ = member_credential
    header, payload, signature = issue(credential).split(".")
    flipped = "B" if signature[10] == "A" else "A"
    forged = f"{header}.{payload}.{signature[:10]}{flipped}{signature[11:]}"
    for _ in range(2):
        with pytest.raises(tokens.InvalidToken):
            cache.claims(forged)
    assert len(asked) == 2


def test_a_full_cache_lets_expired_tokens_go_first_and_then_all(counted, member_credential, monkeypatch):
    cache, asked = counted
    credential, _ = member_credential
    minted = [issue(credential) for _ in range(4)]
    for token in minted[:3]:
        cache.claims(token)
    cache.claims(minted[3])  # over `most`: none had expired, so it started again with this one
    asked.clear()
    cache.claims(minted[3])
    cache.claims(minted[0])
    assert len(asked) == 1
