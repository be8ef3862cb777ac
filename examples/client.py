#!/usr/bin/env python3
"""A small command-line client for Credentials as a Service (needs `pip install requests`).

It exchanges a client ID and secret for an access token (OAuth 2.0 client credentials),
keeps the token until shortly before it expires, fetches a new one once if a call answers
401, and calls the regional services. It uses only the regions the credential may be used in
(its token's `aud`) and, for a credential restricted to some regions, says which on stderr.

    export CLIENT_ID=cid_... CLIENT_SECRET=caas_sk_... BASE=http://127.0.0.1:8000
    python examples/client.py whoami
    set -a; . ./caas-web-1.env; set +a                  # or the .env the secret page downloads
    python examples/client.py whoami
    python examples/client.py list                      # instances in every region the credential may use
    python examples/client.py create web-1 --region us-region-1 --instance-type vm.small --image debian-12
    python examples/client.py delete web-1 --region us-region-1
"""

import argparse
import base64
import json
import os
import sys
import time

import requests

REFRESH_MARGIN = 60
DEFAULT_REGION = "us-region-1"


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

    def allowed_regions(self) -> list[str] | None:
        """The regions the credential is restricted to, or None for every region. Its tokens say it
        in `aud` (RFC 9068): the whole regional service (a string), or each allowed region's
        service, `<audience>/<region>`. Read without verifying: the server enforces it anyway."""
        payload = self.token().split(".")[1]
        aud = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["aud"]
        return None if isinstance(aud, str) else sorted(service.rsplit("/", 1)[-1] for service in aud)

    def regions(self) -> list[str]:
        """The enabled regions the credential may be used in."""
        allowed = self.allowed_regions()
        enabled = [region["slug"] for region in checked(self.call("GET", "/api/v1/regions"))]
        return [slug for slug in enabled if allowed is None or slug in allowed]

    def regional(self, region: str) -> str:
        return f"/regional/{region}/v1/cloudaccounts/{self.me()['account']['cloud_account_id']}"


def checked(response: requests.Response):
    if not response.ok:
        raise SystemExit(f"{response.request.method} {response.url} answered {response.status_code}: {response.text}")
    return response.json() if response.content else None


def from_environment(*names: str) -> str | None:
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def default_base_url() -> str:
    """$BASE, else the server of $CAAS_TOKEN_URL (the downloaded .env's), else a local one."""
    token_url = os.environ.get("CAAS_TOKEN_URL", "")
    from_env_file = token_url.removesuffix("/oauth2/token") if token_url.endswith("/oauth2/token") else None
    return from_environment("BASE") or from_env_file or "http://127.0.0.1:8000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=default_base_url(), help="default: $BASE, or $CAAS_TOKEN_URL's server")
    parser.add_argument(
        "--client-id",
        default=from_environment("CLIENT_ID", "CAAS_CLIENT_ID"),
        help="default: $CLIENT_ID or $CAAS_CLIENT_ID",
    )
    parser.add_argument(
        "--client-secret",
        default=from_environment("CLIENT_SECRET", "CAAS_CLIENT_SECRET"),
        help="default: $CLIENT_SECRET or $CAAS_CLIENT_SECRET",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("whoami", help="who the credential acts for")
    listing = commands.add_parser("list", help="list instances (every region the credential may use, unless --region)")
    listing.add_argument("--region")
    region_help = f"default: the credential's first region if it is restricted to some, else {DEFAULT_REGION}"
    create = commands.add_parser("create", help="create an instance")
    create.add_argument("name")
    create.add_argument("--region", help=region_help)
    create.add_argument("--instance-type", default="vm.small")
    create.add_argument("--image", default="debian-12")
    delete = commands.add_parser("delete", help="delete an instance by name")
    delete.add_argument("name")
    delete.add_argument("--region", help=region_help)
    args = parser.parse_args(argv)
    if not args.client_id or not args.client_secret:
        parser.error("give --client-id and --client-secret (or CLIENT_ID and CLIENT_SECRET)")

    client = Client(args.url, args.client_id, args.client_secret)
    allowed = client.allowed_regions()
    if allowed is not None:
        print(f"This credential may be used only in {', '.join(allowed)}.", file=sys.stderr)
    if args.command in ("create", "delete") and args.region is None:
        args.region = allowed[0] if allowed else DEFAULT_REGION
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
