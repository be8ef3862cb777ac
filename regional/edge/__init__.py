"""A region deployed on its own (CAAS_ROLE=regional): how it authenticates without the console's database.

- `console.py`: the calls to the console's internal API, with the region key.
- `state.py`: what each process knows: the JWKS, cached answers about client secrets, and the
  revocations it followed on the feed; a thread per process follows it and sends reports.
- `authentication.py`: the DRF authentication that checks a bearer request with only that.
- `reporting.py`: usage, last use, refusals and Activity, batched to the console.
"""
