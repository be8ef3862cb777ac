"""Client secrets and client ids: shape, randomness and checksum."""

import math

from credentials import keys


def test_a_secret_has_the_prefix_256_random_bits_and_a_checksum():
    secret = keys.new_secret()
    assert secret.startswith("caas_sk_")
    assert keys.SECRET_PATTERN.fullmatch(secret)
    assert keys.SECRET_BODY_LENGTH * math.log2(62) >= 256
    assert keys.is_well_formed(secret)


def test_secrets_do_not_repeat():
    assert len({keys.new_secret() for _ in range(1000)}) == 1000


def test_a_mistyped_secret_fails_the_checksum():
    secret = keys.new_secret()
    position = len(keys.SECRET_PREFIX) + 5
    swapped = "A" if secret[position] != "A" else "B"
    assert not keys.is_well_formed(secret[:position] + swapped + secret[position + 1 :])


def test_malformed_secrets_are_rejected_by_shape():
    secret = keys.new_secret()
    for bad in ["", "caas_sk_", secret[:-1], secret + "x", secret.replace("caas_sk_", "caas_pk_"), " " + secret]:
        assert not keys.is_well_formed(bad)


def test_the_digest_is_sha256_hex_and_the_hint_is_short():
    secret = keys.new_secret()
    assert len(keys.digest(secret)) == 64 and secret not in keys.digest(secret)
    assert keys.hint(secret) == secret[-4:]


def test_client_ids_are_url_safe_with_a_prefix():
    client_id = keys.new_client_id()
    assert keys.CLIENT_ID_PATTERN.fullmatch(client_id)
    assert len(client_id) - len(keys.CLIENT_ID_PREFIX) >= 22


def test_base62_pads_to_width():
    assert keys.base62(0, 6) == "000000"
    assert keys.base62(61, 2) == "0z"
    assert keys.base62(2**32 - 1, 6) == "4gfFC3"
