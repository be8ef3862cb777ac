"""Fill the benchmark database up to N credentials, fast: users, accounts, owner memberships and
two credentials each, all with bulk_create and real secret digests (credentials/keys.py).

    python bench/seed.py TOTAL --keep K --out FILE [--peers N --region SLUG]

Writes the client ID, secret and cloud account ID of the first K credentials it creates to FILE
(JSON), since a secret exists in plain text only when it is made. With --peers (bench settings
only: bench/settings.py installs the peer packages), it also gives the first N bench users one
credential of each peer package and writes the peer cases' requests. Run by bench/run.py with the
benchmark's environment (DATABASE_URL etc.); it refuses any database not named caas_bench.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

BATCH = 5_000
EMAIL = "bench-{}@bench.example.com"


def setup_django() -> None:
    sys.path.insert(0, os.getcwd())  # the checkout being measured (bench/run.py runs this from it)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql" or connection.settings_dict["NAME"] != "caas_bench":
        sys.exit("bench/seed.py only writes to the PostgreSQL database caas_bench.")


def seed_batch(start: int, members: int, credentials_wanted: int) -> list[dict]:
    """`members` new accounts (start, start+1, ...), each with an owner and up to two credentials."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.db import transaction

    from accounts.models import Account, Membership, Role, User
    from credentials import keys
    from credentials.models import Credential
    from credentials.scopes import ALL_SCOPES

    with transaction.atomic():
        unusable = UNUSABLE_PASSWORD_PREFIX + "bench"  # nobody signs in as these users
        users = User.objects.bulk_create(
            User(email=EMAIL.format(n), password=unusable) for n in range(start, start + members)
        )
        accounts = Account.objects.bulk_create(
            Account(name=f"Bench {n}", cloud_account_id=str(10**11 + n)) for n in range(start, start + members)
        )
        memberships = Membership.objects.bulk_create(
            Membership(user=user, account=account, role=Role.OWNER)
            for user, account in zip(users, accounts, strict=True)
        )
        rows, made = [], []
        for membership in memberships:
            for slot in (1, 2):
                if len(rows) == credentials_wanted:
                    break
                secret = keys.new_secret()
                rows.append(
                    Credential(
                        membership=membership,
                        slot=slot,
                        name=f"bench-{slot}",
                        client_id=keys.new_client_id(),
                        secret_digest=keys.digest(secret),
                        secret_hint=keys.hint(secret),
                        permissions=sorted(ALL_SCOPES),  # the credential-list case needs credentials:read
                    )
                )
                made.append({"secret": secret, "cloud_account_id": membership.account.cloud_account_id})
        Credential.objects.bulk_create(rows)
    for row, entry in zip(rows, made, strict=True):
        entry["client_id"] = row.client_id
    return made


def peer_headers(users: list) -> dict[str, list[str]]:
    """For each peer case of bench/views.py, one credential per user, made the way the package's
    documentation makes one, as the Authorization header that presents it."""
    from datetime import timedelta

    from django.utils import timezone
    from knox.models import AuthToken
    from oauth2_provider.models import AccessToken, Application
    from oauth2_provider.settings import oauth2_settings
    from oauthlib.common import generate_token
    from rest_framework.authtoken.models import Token
    from rest_framework_api_key.models import APIKey

    application = Application.objects.create(
        name="bench",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://bench.example.com/callback",
    )
    expires = timezone.now() + timedelta(seconds=oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)
    headers: dict[str, list[str]] = {"peer_dot": [], "peer_knox": [], "peer_drf_token": [], "peer_api_key": []}
    for user in users:
        # what DOT's token endpoint stores after a user's authorization-code grant (less the refresh token)
        token = AccessToken.objects.create(
            user=user, application=application, token=generate_token(), expires=expires, scope="read write"
        )
        headers["peer_dot"].append(f"Bearer {token.token}")
        headers["peer_knox"].append(f"Token {AuthToken.objects.create(user=user)[1]}")
        headers["peer_drf_token"].append(f"Token {Token.objects.create(user=user).key}")
        headers["peer_api_key"].append(f"Api-Key {APIKey.objects.create_key(name=f'bench-{user.pk}')[1]}")
    return headers


def peer_requests(users: int, region: str) -> dict[str, list[dict]]:
    """The peer cases' requests: each rotates over the first `users` bench users' credentials of
    that peer, on the bench URLconf's route for it, with the user's own cloud account in the path."""
    from django.urls import reverse

    from accounts.models import Membership

    memberships = list(
        Membership.objects.filter(user__email__endswith="@bench.example.com")
        .select_related("user", "account")
        .order_by("pk")[:users]
    )
    specs: dict[str, list[dict]] = {}
    for case, headers in peer_headers([m.user for m in memberships]).items():
        specs[case] = [
            {
                "method": "GET",
                "path": reverse(
                    f"bench-{case}", kwargs={"region": region, "cloudaccount_id": m.account.cloud_account_id}
                ),
                "headers": {"Authorization": header},
            }
            for m, header in zip(memberships, headers, strict=True)
        ]
    return specs


def seed(total: int, keep: int) -> tuple[int, list[dict]]:
    from django.db import connection

    from accounts.models import User
    from credentials.models import Credential

    kept: list[dict] = []
    start = User.objects.filter(email__endswith="@bench.example.com").count()
    missing = total - Credential.objects.count()
    while missing > 0:
        wanted = min(missing, 2 * BATCH)
        members = (wanted + 1) // 2
        made = seed_batch(start, members, wanted)
        kept.extend(made[: max(0, keep - len(kept))])
        start += members
        missing -= len(made)
    with connection.cursor() as cursor:
        # A database in a steady state, as a live one would be: planner statistics, nothing left for
        # autovacuum (which would otherwise start within a minute and run during the next cases),
        # and no dirty pages for the checkpointer to write meanwhile.
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    return Credential.objects.count(), kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("total", type=int, help="credentials wanted in the database in all")
    parser.add_argument("--keep", type=int, default=0, help="how many new secrets to write out")
    parser.add_argument("--out", type=Path, help="where to write them (JSON)")
    parser.add_argument("--peers", type=int, default=0, help="bench users to give peer credentials (bench settings)")
    parser.add_argument("--region", default="us-region-1", help="the region in the peer cases' paths")
    args = parser.parse_args()
    setup_django()
    began = time.monotonic()
    count, kept = seed(args.total, args.keep)
    peers = peer_requests(args.peers, args.region) if args.peers else {}
    if args.out:
        args.out.write_text(json.dumps({"credentials": count, "kept": kept, "peers": peers}))
    print(f"seeded: {count} credentials in the database ({time.monotonic() - began:.1f} s)")


if __name__ == "__main__":
    main()
