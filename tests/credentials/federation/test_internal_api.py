"""The console's internal API for regions deployed on their own: what a region may ask about a
secret, what its reports may write, and the JWKS (credentials/federation/views.py)."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import keys, services
from credentials.federation import views
from credentials.models import Credential, CredentialFailure, CredentialUsage
from tests.credentials.federation.helpers import as_region, ask_secret, send_report
from tests.credentials.helpers import new_credential


def at(moment: datetime) -> float:
    return moment.timestamp()


@pytest.fixture
def restricted(member, regions):
    """A credential with every limit a region must hold: (credential, secret)."""
    return new_credential(
        member,
        name="deploy",
        permissions=["compute:read"],
        regions=["us-region-1", "us-region-2"],
        allowed_ips=["203.0.113.0/24"],
        allowed_ips_mode="report",
        expires_in_days=30,
    )


# POST /internal/v1/secrets


def test_an_active_secret_s_digest_gives_the_facts_a_region_checks(api, member, restricted, region_key):
    credential, secret = restricted
    response = ask_secret(api, region_key, {"secret_digest": keys.digest(secret)})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "active": True,
        "client_id": credential.client_id,
        "name": "deploy",
        "cloud_account_id": member.account.cloud_account_id,
        "email": "member@example.com",
        "permissions": ["compute:read"],
        "regions": ["us-region-1", "us-region-2"],
        "allowed_ips": ["203.0.113.0/24"],
        "allowed_ips_mode": "report",
        "expires_at": credential.expires_at.timestamp(),
    }


def test_the_answer_never_echoes_the_secret_or_its_digest(api, restricted, region_key):
    credential, secret = restricted
    content = ask_secret(api, region_key, {"secret_digest": keys.digest(secret)}).content.decode()
    assert secret not in content
    assert keys.digest(secret) not in content and credential.secret_digest not in content
    assert credential.secret_hint not in json.loads(content).values()


def test_a_disabled_credential_is_inactive_with_the_reason(api, restricted, region_key):
    credential, secret = restricted
    services.disable_credential(credential=credential, by=None, reason="Unused")
    body = ask_secret(api, region_key, {"secret_digest": keys.digest(secret)}).json()
    assert body["active"] is False and "disabled" in body["reason"]
    assert body["client_id"] == credential.client_id


def test_an_expired_credential_is_inactive_with_the_reason(api, restricted, region_key):
    credential, secret = restricted
    with time_machine.travel(credential.expires_at + timedelta(minutes=1), tick=False):
        body = ask_secret(api, region_key, {"secret_digest": keys.digest(secret)}).json()
    assert body["active"] is False and body["reason"].startswith("The credential expired at")
    assert body["client_id"] == credential.client_id


@pytest.mark.parametrize("how", ["deleted", "never issued", "user deactivated"])
def test_an_unknown_digest_is_inactive_and_nothing_more(api, member, restricted, region_key, how):
    credential, secret = restricted
    if how == "deleted":
        services.delete_credential(membership=member, client_id=credential.client_id)
    elif how == "never issued":
        secret = keys.new_secret()
    else:
        member.user.is_active = False
        member.user.save()
    response = ask_secret(api, region_key, {"secret_digest": keys.digest(secret)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert response.json() == {"active": False}


@pytest.mark.parametrize(
    "body",
    [
        {"secret_digest": "A" * 64},
        {"secret_digest": "a" * 63},
        {"secret_digest": "g" * 64},
        {"secret_digest": 12},
        {"secret_digest": None},
        {},
        {"client_secret": "caas_sk_whatever"},
        "not json",
        "[1, 2]",
    ],
)
def test_a_malformed_digest_is_a_400(api, region_key, body):
    response = ask_secret(api, region_key, body)
    assert response.status_code == 400
    assert response.json()["detail"] and response["Cache-Control"] == "no-store"


def test_the_secret_itself_instead_of_its_digest_is_a_400(api, restricted, region_key):
    _, secret = restricted
    response = ask_secret(api, region_key, {"secret_digest": secret})
    assert response.status_code == 400 and secret not in response.content.decode()


# POST /internal/v1/reports


def test_usage_is_written_under_the_key_s_region_and_adds_up(api, restricted, region_key):
    credential, _ = restricted
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    row = [credential.client_id, at(hour), "compute:read", 5, 1]
    for _ in range(2):
        response = send_report(api, region_key, {"usage": [row]})
        assert response.status_code == 200 and response.json() == {"accepted": True}
    usage = CredentialUsage.objects.get()
    assert (usage.credential_id, usage.hour, usage.region, usage.permission) == (
        credential.pk,
        hour,
        "us-region-1",
        "compute:read",
    )
    assert (usage.requests, usage.failures) == (10, 2)


def test_failures_are_written_under_the_key_s_region(api, restricted, region_key):
    credential, _ = restricted
    moment = timezone.now().replace(microsecond=0)
    report = {"failures": [[credential.client_id, at(moment), "192.0.2.9", "Not from an allowed address."]]}
    assert send_report(api, region_key, report).status_code == 200
    failure = CredentialFailure.objects.get()
    assert (failure.credential_id, failure.at, failure.ip, failure.region, failure.reason) == (
        credential.pk,
        moment,
        "192.0.2.9",
        "us-region-1",
        "Not from an allowed address.",
    )


def test_last_used_moves_only_forward_in_time(api, restricted, region_key, other_region_key):
    credential, _ = restricted
    later = timezone.now().replace(microsecond=0)
    earlier = later - timedelta(minutes=5)
    assert (
        send_report(api, region_key, {"last_used": [[credential.client_id, at(later), "203.0.113.7"]]}).status_code
        == 200
    )
    assert (
        send_report(
            api, other_region_key, {"last_used": [[credential.client_id, at(earlier), "203.0.113.8"]]}
        ).status_code
        == 200
    )
    credential.refresh_from_db()
    assert (credential.last_used_at, credential.last_used_ip, credential.last_used_region) == (
        later,
        "203.0.113.7",
        "us-region-1",
    )
    newest = later + timedelta(minutes=1)
    assert (
        send_report(api, other_region_key, {"last_used": [[credential.client_id, at(newest), None]]}).status_code == 200
    )
    credential.refresh_from_db()
    assert (credential.last_used_at, credential.last_used_ip, credential.last_used_region) == (
        newest,
        None,
        "us-region-2",
    )


def activity(credential: Credential, **overrides) -> dict:
    return {
        "client_id": credential.client_id,
        "cloud_account_id": credential.membership.account.cloud_account_id,
        "action": "instance.created",
        "target": "web-1 (i-123) in us-region-1",
        "at": time.time(),
        "ip": "203.0.113.7",
        "user_agent": "curl/8",
        **overrides,
    }


def test_regional_activity_lands_in_the_credential_s_account(api, member, restricted, region_key):
    credential, _ = restricted
    events = [activity(credential), activity(credential, action="sshpublickey.deleted", target="laptop in us-region-1")]
    assert send_report(api, region_key, {"activity": events}).status_code == 200
    created = AuditEvent.objects.filter(action__in=["instance.created", "sshpublickey.deleted"]).order_by("action")
    assert [(e.action, e.target) for e in created] == [
        ("instance.created", "web-1 (i-123) in us-region-1"),
        ("sshpublickey.deleted", "laptop in us-region-1"),
    ]
    event = created[0]
    assert event.account == member.account and event.actor == member.user
    assert event.actor_email == "member@example.com"
    assert (event.ip, event.user_agent) == ("203.0.113.7", "curl/8")


@pytest.mark.parametrize(
    "forged",
    [
        {"action": "credential.deleted", "target": "deploy in us-region-1"},
        {"action": "member.removed", "target": "owner@example.com in us-region-1"},
        {"action": "instances.created"},  # not the instance. prefix
        {"target": "web-1 (i-123) in us-region-2"},
        {"target": "web-1 (i-123) in us-region-11"},
        {"target": "web-1 (i-123)"},
        {"cloud_account_id": "OTHER-ACCOUNT"},
        {"cloud_account_id": None},
        {"client_id": "cid_" + "x" * 24},
    ],
)
def test_activity_a_region_may_not_report_is_ignored(api, outsider, restricted, region_key, forged):
    credential, _ = restricted
    if forged.get("cloud_account_id") == "OTHER-ACCOUNT":
        forged = {"cloud_account_id": outsider.account.cloud_account_id}
    before = AuditEvent.objects.count()
    assert send_report(api, region_key, {"activity": [activity(credential, **forged)]}).status_code == 200
    assert AuditEvent.objects.count() == before


def test_another_region_s_activity_is_ignored_but_its_own_is_kept(api, restricted, other_region_key):
    credential, _ = restricted
    mine = activity(credential, target="web-2 in us-region-2")
    response = send_report(api, other_region_key, {"activity": [activity(credential), mine]})
    assert response.status_code == 200
    assert list(AuditEvent.objects.filter(action="instance.created").values_list("target", flat=True)) == [
        "web-2 in us-region-2"
    ]


def test_unknown_client_ids_are_skipped(api, restricted, region_key):
    credential, _ = restricted
    unknown = "cid_" + "u" * 24
    now = time.time()
    report = {
        "usage": [[unknown, now, "compute:read", 3, 0], [credential.client_id, now, "compute:read", 1, 0]],
        "failures": [[unknown, now, None, "nope"]],
        "last_used": [[unknown, now, None]],
        "activity": [activity(credential, client_id=unknown)],
    }
    assert send_report(api, region_key, report).status_code == 200
    assert list(CredentialUsage.objects.values_list("credential_id", "requests")) == [(credential.pk, 1)]
    assert not CredentialFailure.objects.exists()
    assert not AuditEvent.objects.filter(action="instance.created").exists()


KNOWN = "<known>"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        b"\xff\xfe",
        "[]",
        '"a string"',
        {"usage": "everything"},
        {"usage": None},
        {"failures": {"cid": 1}},
        {"usage": [[]]},
        {"usage": [5]},
        {"usage": [[KNOWN, 0, "compute:read"]]},
        {"usage": [[KNOWN, "this hour", "compute:read", 1, 0]]},
        {"usage": [[KNOWN, 0, 7, 1, 0]]},
        {"usage": [[KNOWN, 0, "compute:read", 2**40, 0]]},
        {"failures": [[KNOWN, None, None, "reason"]]},
        {"failures": [[KNOWN, 0, None, ["reason"]]]},
        {"failures": [[KNOWN, 0, "not-an-address", "reason"]]},
        {"last_used": [[KNOWN, "now", None]]},
        {"last_used": [[KNOWN, 1e300, None]]},
        {"last_used": [[KNOWN, 0, 42]]},
        {"last_used": [[KNOWN, 0, "203.0.113.7; DROP TABLE"]]},
        {"activity": ["instance.created"]},
        {"activity": [{"client_id": ["a list"]}]},
        {"activity": [{"client_id": KNOWN, "action": "instance.created", "target": "x in us-region-1"}]},
        {"usage": [[KNOWN, 0, "compute:read", 1, 0]] * (views.MAX_REPORT_ITEMS + 1)},
    ],
)
def test_a_malformed_report_is_a_400_and_writes_nothing(api, member, restricted, region_key, body):
    credential, _ = restricted
    if not isinstance(body, str | bytes):
        body = json.loads(json.dumps(body).replace(KNOWN, credential.client_id))
        body.setdefault("activity", [])
        if body["activity"] and isinstance(body["activity"][0], dict) and "cloud_account_id" not in body["activity"][0]:
            body["activity"][0]["cloud_account_id"] = member.account.cloud_account_id
    before = AuditEvent.objects.count()
    response = send_report(api, region_key, body)
    assert response.status_code == 400, response.content
    assert response.json()["detail"] and response["Cache-Control"] == "no-store"
    assert not CredentialUsage.objects.exists() and not CredentialFailure.objects.exists()
    assert AuditEvent.objects.count() == before
    credential.refresh_from_db()
    assert credential.last_used_at is None


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e300", "-1e300"])
def test_times_out_of_range_are_a_400(api, restricted, region_key, value):
    credential, _ = restricted
    body = '{"last_used": [["%s", %s, null]]}' % (credential.client_id, value)  # noqa: UP031 (JSON with NaN)
    response = send_report(api, region_key, body)
    assert response.status_code == 400, response.content


# GET /internal/v1/jwks


def test_the_internal_jwks_is_the_public_jwks(api, region_key):
    internal = api.get("/internal/v1/jwks", headers=as_region(region_key))
    public = api.get("/.well-known/jwks.json")
    assert internal.status_code == public.status_code == 200
    assert internal.json()["keys"] and internal.json() == public.json()
    assert all("d" not in key for key in internal.json()["keys"])
