#!/usr/bin/env python3
"""A small command-line client for Credentials as a Service (needs `pip install requests`).

It exchanges a client ID and secret for an access token (OAuth 2.0 client credentials),
keeps the token until shortly before it expires, fetches a new one once if a call answers
401, and calls the regional services.

    export CAAS_CLIENT_ID=cid_... CAAS_CLIENT_SECRET=caas_sk_... CAAS_URL=http://127.0.0.1:8000
    python examples/client.py whoami
    python examples/client.py list                      # instances in every region
    python examples/client.py create web-1 --region us-region-1 --instance-type vm.small --image debian-12
    python examples/client.py delete web-1 --region us-region-1
"""

import argparse
import json
import os
import sys
import time

import requests

REFRESH_MARGIN = 60


class Client:
    def __init__(self, base_url: str, client_id: str, client_secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = (client_id, client_secret)
        self.http = requests.Session()
        self._token: str | None = None
        self._expires_at = 0.0
        self.tokens_fetched = 0

    def token(self) -> str:
        if self._token is None or time.monotonic() > self._expires_at - REFRESH_MARGIN:
            response = self.http.post(
                f"{self.base_url}/oauth2/token", data={"grant_type": "client_credentials"}, auth=self.auth, timeout=10
            )
            if response.status_code != 200:
                raise SystemExit(f"Could not get an access token: {response.status_code} {response.text}")
            body = response.json()
            self._token, self._expires_at = body["access_token"], time.monotonic() + body["expires_in"]
            self.tokens_fetched += 1
        return self._token

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        """One API call; on 401 the token may have been revoked or expired early: fetch a new one, once."""
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.token()}"}
            response = self.http.request(method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs)
            if response.status_code != 401 or attempt:
                return response
            self._token = None
        return response

    def me(self) -> dict:
        return checked(self.call("GET", "/api/v1/me"))

    def regions(self) -> list[str]:
        return [region["slug"] for region in checked(self.call("GET", "/api/v1/regions"))]

    def regional(self, region: str) -> str:
        return f"/regional/{region}/v1/cloudaccounts/{self.me()['account']['cloud_account_id']}"


def checked(response: requests.Response):
    if not response.ok:
        raise SystemExit(f"{response.request.method} {response.url} answered {response.status_code}: {response.text}")
    return response.json() if response.content else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("CAAS_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--client-id", default=os.environ.get("CAAS_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("CAAS_CLIENT_SECRET"))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("whoami", help="who the credential acts for")
    listing = commands.add_parser("list", help="list instances (every region unless --region)")
    listing.add_argument("--region")
    create = commands.add_parser("create", help="create an instance")
    create.add_argument("name")
    create.add_argument("--region", default="us-region-1")
    create.add_argument("--instance-type", default="vm.small")
    create.add_argument("--image", default="debian-12")
    delete = commands.add_parser("delete", help="delete an instance by name")
    delete.add_argument("name")
    delete.add_argument("--region", default="us-region-1")
    args = parser.parse_args(argv)
    if not args.client_id or not args.client_secret:
        parser.error("give --client-id and --client-secret (or CAAS_CLIENT_ID and CAAS_CLIENT_SECRET)")

    client = Client(args.url, args.client_id, args.client_secret)
    if args.command == "whoami":
        result = client.me()
    elif args.command == "list":
        result = {}
        for region in [args.region] if args.region else client.regions():
            page = checked(client.call("GET", f"{client.regional(region)}/instances"))
            result[region] = [instance["name"] for instance in page["results"]]
    elif args.command == "create":
        body = {"name": args.name, "instance_type": args.instance_type, "machine_image": args.image}
        result = checked(client.call("POST", f"{client.regional(args.region)}/instances", json=body))
    else:
        checked(client.call("DELETE", f"{client.regional(args.region)}/instances/name/{args.name}"))
        result = {"deleted": args.name}
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
