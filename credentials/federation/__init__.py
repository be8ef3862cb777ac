"""The console's side of regions deployed on their own (CAAS_ROLE=regional, regional/edge/).

A region authenticates with a region key (`region_keys.py`), verifies access tokens offline from
the JWKS, asks the console about a client secret once and caches the answer, follows the
revocation feed (`revocations.py`) to forget what was revoked at once, and sends back the usage,
refusals and Activity it saw (`views.py`).
"""
