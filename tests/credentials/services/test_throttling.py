"""The throttling counter itself."""

from credentials import throttling


def test_take_counts_each_use_and_refuses_past_the_limit(settings, db):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "token_per_credential": (2, 60)}
    results = [throttling.take("token_per_credential", "c1") for _ in range(3)]
    assert results[:2] == [None, None]
    assert 0 < results[2] <= 60
    assert throttling.take("token_per_credential", "c2") is None
