"""Calls to the console's internal API, as a region makes them."""

import json


def as_region(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def feed(client, key: str, **params):
    return client.get("/internal/v1/revocations", params, headers=as_region(key))


def ask_secret(client, key: str, body):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/internal/v1/secrets", data, content_type="application/json", headers=as_region(key))


def send_report(client, key: str, body):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post("/internal/v1/reports", data, content_type="application/json", headers=as_region(key))
