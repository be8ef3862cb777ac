"""The console's internal API for regions deployed on their own; every call carries a region key.

- `GET internal/v1/jwks`: the signing keys, as the public JWKS.
- `GET internal/v1/revocations?after=<cursor>&wait=<seconds>`: the feed, as a long poll.
- `POST internal/v1/secrets`: what the credential behind a client secret's digest may do.
- `POST internal/v1/reports`: the usage, last use, refusals and Activity a region saw.
"""

import ipaddress
import json
from collections import defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.models import AuditEvent
from credentials import signing, usage
from credentials.federation import region_keys, revocations
from credentials.models import Credential
from credentials.verify import by_secret_digest, refusal

NO_STORE = {"Cache-Control": "no-store"}
MAX_REPORT_ITEMS = 5000
DIGEST_LENGTH = 64
REGIONAL_ACTIONS = ("instance.", "sshpublickey.")
MAX_COUNT = 2**31 - 1  # the usage columns are 32-bit integers on PostgreSQL


class BadReport(ValueError):
    """A malformed request from a region; the message says what is wrong."""


def _error(status: int, description: str, **headers: str) -> JsonResponse:
    return JsonResponse({"detail": description}, status=status, headers={**NO_STORE, **headers})


def region_only(view):
    """The region whose key authenticates the call is passed on; anything else is a 401."""

    def wrapped(request: HttpRequest) -> JsonResponse:
        region = region_keys.region_for(request)
        if region is None:
            return _error(
                401,
                "A region key is required: Authorization: Bearer caas_rk_…",
                **{"WWW-Authenticate": f'Bearer realm="{settings.BEARER_REALM}-regions"'},
            )
        try:
            return view(request, region)
        except BadReport as problem:
            return _error(400, str(problem))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


@require_GET
@region_only
def jwks(request: HttpRequest, region) -> JsonResponse:
    return JsonResponse({"keys": [row.public_jwk for row in signing.ensure_keys()]}, headers=NO_STORE)


def _integer(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise BadReport(f"{name} must be an integer, not {raw[:20]!r}.") from None
    if not low <= value <= high:
        raise BadReport(f"{name} must be between {low} and {high}.")
    return value


@require_GET
@region_only
def revocation_feed(request: HttpRequest, region) -> JsonResponse:
    """Entries after the cursor, as soon as one commits or after `wait` seconds with none. A region
    starts from cursor 0, which gives everything that still matters, a page at a time."""
    cursor = _integer(request, "after", 0, 0, 2**62)
    wait = min(_integer(request, "wait", 0, 0, 3600), settings.CAAS_FEED_WAIT_SECONDS)
    rows = revocations.wait_for(cursor, wait) if wait else revocations.after(cursor)
    entries = [
        {
            "id": row.pk,
            **({"client_id": row.client_id} if row.client_id else {"jti": row.jti}),
            "at": row.at.timestamp(),
        }
        for row in rows
    ]
    next_cursor = rows[-1].pk if rows else max(cursor, 0)
    if not rows and cursor == 0:
        next_cursor = revocations.latest_cursor()  # nothing recent: start after the old rows
    return JsonResponse(
        {"cursor": next_cursor, "revocations": entries, "more": len(rows) == revocations.PAGE},
        headers=NO_STORE,
    )


def describe(credential: Credential) -> dict:
    """All an offline check needs, the same facts an access token of the credential carries."""
    problem = refusal(credential)
    facts = {
        "client_id": credential.client_id,
        "name": credential.name,
        "cloud_account_id": credential.membership.account.cloud_account_id,
        "email": credential.membership.user.email,
        "permissions": list(credential.permissions),
        "regions": list(credential.regions),
        "allowed_ips": list(credential.allowed_ips),
        "allowed_ips_mode": credential.allowed_ips_mode,
        "expires_at": credential.expires_at.timestamp() if credential.expires_at else None,
    }
    if problem is not None:
        return {"active": False, "reason": problem, **facts}
    return {"active": True, **facts}


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadReport("The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise BadReport("The body must be a JSON object.")
    return body


@require_POST
@region_only
def secret(request: HttpRequest, region) -> JsonResponse:
    """The region sends the secret's SHA-256, never the secret: it has it from the caller already."""
    digest = _json_body(request).get("secret_digest")
    if not isinstance(digest, str) or len(digest) != DIGEST_LENGTH or not all(c in "0123456789abcdef" for c in digest):
        raise BadReport("secret_digest must be 64 lowercase hexadecimal characters.")
    credential = by_secret_digest.get(digest)
    if credential is None:
        return JsonResponse({"active": False}, headers=NO_STORE)
    return JsonResponse(describe(credential), headers=NO_STORE)


def _moment(value) -> datetime:
    if not isinstance(value, int | float):
        raise BadReport("Times are seconds since the epoch.")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):  # inf, nan, or beyond year 9999
        raise BadReport("Times are seconds since the epoch.") from None


def _items(body: dict, name: str) -> list:
    items = body.get(name, [])
    if not isinstance(items, list) or len(items) > MAX_REPORT_ITEMS:
        raise BadReport(f"{name} must be a list of at most {MAX_REPORT_ITEMS} items.")
    return items


def _text(value, limit: int) -> str:
    if not isinstance(value, str):
        raise BadReport("Expected a string.")
    return value[:limit]


def _address(value) -> str | None:
    if value in (None, ""):
        return None
    try:  # the columns are inet on PostgreSQL, which refuses anything else with an error
        return str(ipaddress.ip_address(_text(value, 45)))
    except ValueError:
        raise BadReport("Addresses are IPv4 or IPv6 addresses.") from None


@require_POST
@region_only
def report(request: HttpRequest, region) -> JsonResponse:
    """Counts are written with the usage the console counts itself (usage.py), under this region."""
    body = _json_body(request)
    usage_rows, failure_rows, used_rows, activity_rows = (
        _items(body, name) for name in ("usage", "failures", "last_used", "activity")
    )
    try:
        named = {str(row[0]) for row in [*usage_rows, *failure_rows, *used_rows]}
        named |= {str(row.get("client_id", "")) for row in activity_rows}
    except (TypeError, IndexError, AttributeError):
        raise BadReport("Each item names a client ID first.") from None
    credentials = {
        credential.client_id: credential
        for credential in Credential.objects.select_related("membership__user", "membership__account").filter(
            client_id__in=named
        )
    }
    counts: dict = defaultdict(lambda: [0, 0])
    failures: dict = defaultdict(list)
    try:
        for client_id, hour, permission, requests, refused in usage_rows:
            if client_id in credentials and isinstance(requests, int) and isinstance(refused, int):
                key = (credentials[client_id].pk, _moment(hour), region.slug, _text(permission, 40))
                counts[key][0] += max(requests, 0)
                counts[key][1] += max(refused, 0)
                if max(counts[key]) > MAX_COUNT:
                    raise BadReport(f"Counts are at most {MAX_COUNT}.")
        for client_id, at, ip, reason in failure_rows:
            if client_id in credentials:
                failures[credentials[client_id].pk].append(
                    usage.Failure(at=_moment(at), ip=_address(ip), region=region.slug, reason=_text(reason, 200))
                )
        last_used = [
            (credentials[client_id], _moment(at), _address(ip))
            for client_id, at, ip in used_rows
            if client_id in credentials
        ]
        events = [_event(row, credentials, region.slug) for row in activity_rows]
    except (TypeError, ValueError) as problem:
        raise BadReport(f"A report item is malformed: {problem}") from None
    with transaction.atomic():
        usage.write(dict(counts), dict(failures))
        for credential, at, ip in last_used:
            Credential.objects.filter(pk=credential.pk).exclude(last_used_at__gte=at).update(
                last_used_at=at, last_used_ip=ip, last_used_region=region.slug
            )
        AuditEvent.objects.bulk_create(event for event in events if event is not None)
    return JsonResponse({"accepted": True}, headers=NO_STORE)


def _event(row: dict, credentials: dict, region_slug: str) -> AuditEvent | None:
    """Activity of a credential in its own account; a credential deleted meanwhile names no one."""
    credential = credentials.get(row.get("client_id"))
    if credential is None or credential.membership.account.cloud_account_id != row.get("cloud_account_id"):
        return None
    target, action = _text(row.get("target", ""), 255), _text(row.get("action", ""), 64)
    if not action.startswith(REGIONAL_ACTIONS) or not target.endswith(f" in {region_slug}"):
        return None  # a region reports only what its own services did in it
    return AuditEvent(
        account=credential.membership.account,
        actor=credential.membership.user,
        actor_email=credential.membership.user.email,
        action=action,
        target=target,
        created_at=_moment(row.get("at")),
        ip=_address(row.get("ip")),
        user_agent=_text(row.get("user_agent", ""), 255),
    )
