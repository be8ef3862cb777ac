"""The revocation feed: what each way of stopping a credential or a token publishes, and the
regions' long poll on GET /internal/v1/revocations (credentials/federation/revocations.py)."""

import io
import threading
import time
from datetime import timedelta

import jwt
import pytest
import redis
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services import leave_account, remove_member
from credentials import leaks, services
from credentials.federation import revocations
from credentials.models import Credential, Revocation
from tests.credentials.federation.helpers import as_region, feed
from tests.credentials.helpers import basic, get_token, new_credential, post_form
from tests.factories import MembershipFactory

REDIS_DB_14 = "redis://127.0.0.1:6379/14"


def published_after(cursor: int) -> list[tuple[str, str]]:
    """(client_id, jti) of every feed entry written after `cursor`, sorted."""
    return sorted(Revocation.objects.filter(pk__gt=cursor).values_list("client_id", "jti"))


def clients(*credentials: Credential) -> list[tuple[str, str]]:
    return sorted((credential.client_id, "") for credential in credentials)


@pytest.fixture
def bystander(owner):
    """The owner's own credential, which none of the member's events may publish."""
    return new_credential(owner, name="owner-ci")[0]


@pytest.fixture
def elsewhere(member, account_b):
    """A credential of the same user in another account."""
    return new_credential(MembershipFactory(account=account_b, user=member.user), name="elsewhere")[0]


# What each event publishes


def _member_deletes(request, parent, secret):
    services.delete_credential(membership=parent.membership, client_id=parent.client_id)


def _owner_revokes(request, parent, secret):
    services.revoke_credential(by=request.getfixturevalue("owner").user, credential=parent)


def _operator_revokes_in_the_admin(request, parent, secret):
    admin_client = request.getfixturevalue("admin_client")
    response = admin_client.post(
        reverse("admin:credentials_credential_changelist"),
        {"action": "revoke_selected", "_selected_action": [parent.pk]},
    )
    assert response.status_code == 302


def _leak_response(request, parent, secret):
    leaks.process_leak_report(leaks.record_leak_report(secret=secret, source="https://example.com/paste").pk)


def _rfc_7009_revokes_the_secret(request, parent, secret):
    api = request.getfixturevalue("api")
    response = post_form(
        api, "/oauth2/revoke", {"token": secret}, headers={"Authorization": basic(parent.client_id, secret)}
    )
    assert response.status_code == 200


def _disabled(request, parent, secret):
    services.disable_credential(credential=parent, by=None, reason="Unused for 90 days.")


@pytest.mark.parametrize(
    "event",
    [
        _member_deletes,
        _owner_revokes,
        _operator_revokes_in_the_admin,
        _leak_response,
        _rfc_7009_revokes_the_secret,
        _disabled,
    ],
    ids=lambda event: event.__name__.strip("_"),
)
def test_stopping_a_credential_publishes_it_and_its_descendants_and_nothing_else(request, family, bystander, event):
    (parent, secret), (child, _) = family
    before = revocations.latest_cursor()
    event(request, parent, secret)
    assert published_after(before) == clients(parent, child)


def test_stopping_a_child_publishes_the_child_only(family, bystander):
    _, (child, _) = family
    before = revocations.latest_cursor()
    services.delete_credential(membership=child.membership, client_id=child.client_id)
    assert published_after(before) == clients(child)


def test_disabling_an_already_disabled_credential_publishes_nothing_new(family):
    (parent, _), _ = family
    services.disable_credential(credential=parent, by=None, reason="first")
    before = revocations.latest_cursor()
    assert services.disable_credential(credential=parent, by=None, reason="again") == []
    assert published_after(before) == []


def test_removing_a_member_publishes_their_credentials_in_that_account(owner, family, bystander, elsewhere):
    (parent, _), (child, _) = family
    before = revocations.latest_cursor()
    remove_member(by=owner, member=parent.membership)
    assert published_after(before) == clients(parent, child)


def test_leaving_an_account_publishes_ones_credentials_in_it(family, bystander, elsewhere):
    (parent, _), (child, _) = family
    before = revocations.latest_cursor()
    leave_account(membership=parent.membership)
    assert published_after(before) == clients(parent, child)


def test_deleting_an_account_publishes_every_credential_in_it(account_a, family, bystander, elsewhere):
    (parent, _), (child, _) = family
    before = revocations.latest_cursor()
    account_a.delete()
    assert published_after(before) == clients(parent, child, bystander)


def test_deactivating_a_user_publishes_their_credentials_in_every_account(member, family, bystander, elsewhere):
    (parent, _), (child, _) = family
    before = revocations.latest_cursor()
    user = member.user
    user.is_active = False
    user.save()
    assert published_after(before) == clients(parent, child, elsewhere)


def test_deactivating_with_update_fields_publishes_too(member, family):
    (parent, _), (child, _) = family
    before = revocations.latest_cursor()
    user = member.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert published_after(before) == clients(parent, child)


@pytest.mark.django_db(transaction=True)
def test_a_deactivation_whose_save_fails_publishes_nothing(member, family, owner):
    """Outside a transaction (a shell, a script), the feed entry is written only once the user row
    is: a save that fails must not revoke a user who stays active."""
    before = revocations.latest_cursor()
    user = member.user
    user.is_active = False
    user.email = owner.user.email  # taken: the UPDATE fails on the unique constraint
    with pytest.raises(IntegrityError):
        user.save()
    assert published_after(before) == []


def test_saving_an_active_user_or_an_already_inactive_one_publishes_nothing(member, family):
    user = member.user
    before = revocations.latest_cursor()
    user.full_name = "Still Here"
    user.save()
    user.is_active = False
    user.save(update_fields=["full_name"])  # is_active is not written: still active
    assert published_after(before) == []
    user.refresh_from_db()
    assert user.is_active is True
    user.is_active = False
    user.save()
    before = revocations.latest_cursor()
    user.full_name = "Gone Now"
    user.save()
    user.save(update_fields=["is_active", "full_name"])
    assert published_after(before) == []


def test_revoking_an_access_token_publishes_its_jti_only_and_only_once(api, member_credential):
    credential, secret = member_credential
    token = get_token(api, credential.client_id, secret)["access_token"]
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    before = revocations.latest_cursor()
    for _ in range(2):
        post_form(
            api, "/oauth2/revoke", {"token": token}, headers={"Authorization": basic(credential.client_id, secret)}
        )
    assert published_after(before) == [("", jti)]


def test_a_rolled_back_revocation_publishes_nothing_and_wakes_no_one(family, django_capture_on_commit_callbacks):
    (parent, _), _ = family
    before = revocations.latest_cursor()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.delete_credential(membership=parent.membership, client_id=parent.client_id)
        services.disable_credential(credential=new_credential(parent.membership, name="x")[0], by=None, reason="r")
        raise RuntimeError("the caller failed after the revocation")
    assert published_after(before) == []
    assert callbacks == []
    assert Credential.objects.filter(pk=parent.pk).exists()


@pytest.mark.usefixtures("redis_feed")
def test_redis_hears_of_a_revocation_only_once_it_commits(family, django_capture_on_commit_callbacks):
    (parent, _), _ = family
    pubsub = revocations._redis().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(revocations.CHANNEL)
    try:
        pubsub.get_message(timeout=0.5)  # the subscription's confirmation
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_credential(membership=parent.membership, client_id=parent.client_id)
            assert pubsub.get_message(timeout=0.3) is None  # not yet committed
        assert pubsub.get_message(timeout=2) is not None
    finally:
        pubsub.close()


# The endpoint


@pytest.fixture
def redis_feed(settings):
    """The pub/sub path: a Redis the test may use (database 14; its channels are shared)."""
    try:
        redis.Redis.from_url(REDIS_DB_14, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.fail(f"These tests need a Redis at {REDIS_DB_14}.")
    settings.REDIS_URL = REDIS_DB_14
    revocations._client = None


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer caas_rk_" + "A" * 43,  # well formed, never issued
        "Bearer caas_rk_short",
        "Bearer not-a-region-key",
        "Basic Y2Fhczpyaw==",
        "caas_rk_" + "A" * 43,
    ],
    ids=["no key", "wrong key", "truncated key", "garbled", "basic", "no scheme"],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/internal/v1/revocations"),
        ("get", "/internal/v1/jwks"),
        ("post", "/internal/v1/secrets"),
        ("post", "/internal/v1/reports"),
    ],
)
def test_the_internal_api_needs_a_region_key(api, region_key, authorization, method, path):
    headers = {"Authorization": authorization} if authorization else {}
    response = getattr(api, method)(path, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer realm=")
    assert response["Cache-Control"] == "no-store"
    assert "region key" in response.json()["detail"]


def test_a_member_s_client_secret_is_not_a_region_key(api, member_credential, region_key):
    _, secret = member_credential
    assert api.get("/internal/v1/revocations", headers=as_region(secret)).status_code == 401
    assert api.get("/internal/v1/revocations", headers=as_region(region_key)).status_code == 200


def test_after_0_gives_every_entry_and_a_cursor_to_go_on_from(api, region_key):
    revocations.publish_clients(["cid_first", "cid_second"])
    revocations.publish_token("jti-third")
    first, second, third = Revocation.objects.order_by("pk")
    body = feed(api, region_key, after=0).json()
    assert body["cursor"] == third.pk and body["more"] is False
    assert [{k: v for k, v in entry.items() if k != "at"} for entry in body["revocations"]] == [
        {"id": first.pk, "client_id": "cid_first"},
        {"id": second.pk, "client_id": "cid_second"},
        {"id": third.pk, "jti": "jti-third"},
    ]
    assert all(abs(entry["at"] - time.time()) < 60 for entry in body["revocations"])

    newer = feed(api, region_key, after=first.pk).json()
    assert [entry["id"] for entry in newer["revocations"]] == [second.pk, third.pk]
    nothing_new = feed(api, region_key, after=third.pk).json()
    assert nothing_new == {"cursor": third.pk, "revocations": [], "more": False}


def test_the_feed_comes_a_page_at_a_time(api, region_key):
    Revocation.objects.bulk_create(Revocation(client_id=f"cid_{n}") for n in range(revocations.PAGE + 3))
    ids = list(Revocation.objects.order_by("pk").values_list("pk", flat=True))
    page = feed(api, region_key, after=0).json()
    assert len(page["revocations"]) == revocations.PAGE and page["more"] is True
    assert page["cursor"] == ids[revocations.PAGE - 1]
    rest = feed(api, region_key, after=page["cursor"]).json()
    assert [entry["id"] for entry in rest["revocations"]] == ids[revocations.PAGE :]
    assert rest["more"] is False and rest["cursor"] == ids[-1]


def test_an_empty_feed_at_0_starts_the_region_after_the_old_entries(api, region_key):
    assert feed(api, region_key, after=0).json() == {"cursor": 0, "revocations": [], "more": False}
    old = timezone.now() - revocations.retention() - timedelta(minutes=1)
    Revocation.objects.bulk_create([Revocation(client_id="cid_old", at=old), Revocation(jti="old-jti", at=old)])
    latest = Revocation.objects.order_by("pk").last()
    body = feed(api, region_key, after=0).json()
    assert body == {"cursor": latest.pk, "revocations": [], "more": False}
    revocations.publish_clients(["cid_new"])
    assert [entry["client_id"] for entry in feed(api, region_key, after=body["cursor"]).json()["revocations"]] == [
        "cid_new"
    ]


def test_entries_older_than_retention_are_not_served_and_prune_deletes_them(api, region_key):
    now = timezone.now()
    edge_of_retention = now - revocations.retention()
    Revocation.objects.bulk_create(
        [
            Revocation(client_id="cid_expired", at=edge_of_retention - timedelta(seconds=30)),
            Revocation(client_id="cid_recent", at=edge_of_retention + timedelta(seconds=30)),
        ]
    )
    assert [entry["client_id"] for entry in feed(api, region_key, after=0).json()["revocations"]] == ["cid_recent"]
    assert revocations.prune() == 1
    assert list(Revocation.objects.values_list("client_id", flat=True)) == ["cid_recent"]


def test_the_daily_policy_command_prunes_the_feed(db):
    Revocation.objects.create(client_id="cid_expired", at=timezone.now() - revocations.retention() - timedelta(hours=1))
    Revocation.objects.create(client_id="cid_recent")
    out = io.StringIO()
    call_command("enforce_credential_policies", stdout=out)
    assert "1 old revocation-feed entries" in out.getvalue()
    assert list(Revocation.objects.values_list("client_id", flat=True)) == ["cid_recent"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("after", "abc"),
        ("after", "-1"),
        ("after", ""),
        ("after", "1.5"),
        ("after", str(2**63)),
        ("wait", "soon"),
        ("wait", "-5"),
        ("wait", "3601"),
    ],
)
def test_a_bad_after_or_wait_is_a_400_that_says_which(api, region_key, name, value):
    response = feed(api, region_key, **{name: value})
    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"{name} must be")
    assert response["Cache-Control"] == "no-store"


# The long poll


def _delete_in_another_thread(credential: Credential, delay: float, errors: list) -> threading.Thread:
    def run():
        try:
            time.sleep(delay)
            services.delete_credential(membership=credential.membership, client_id=credential.client_id)
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.parametrize("with_redis", [False, True], ids=["polling", "redis"])
@pytest.mark.django_db(transaction=True)
def test_the_long_poll_answers_as_soon_as_a_revocation_commits(request, settings, api, member, region_key, with_redis):
    if with_redis:
        request.getfixturevalue("redis_feed")
    else:
        settings.REDIS_URL = ""
    credential, _ = new_credential(member)
    cursor = feed(api, region_key, after=0).json()["cursor"]
    errors: list = []
    thread = _delete_in_another_thread(credential, 0.5, errors)
    started = time.monotonic()
    response = feed(api, region_key, after=cursor, wait=10)
    took = time.monotonic() - started
    thread.join(10)
    assert errors == []
    assert response.status_code == 200
    assert [entry["client_id"] for entry in response.json()["revocations"]] == [credential.client_id]
    assert 0.4 <= took < 3, f"answered after {took:.2f} s"  # it waited for the revocation, then answered at once


@pytest.mark.parametrize("with_redis", [False, True], ids=["polling", "redis"])
def test_the_long_poll_answers_empty_after_wait_when_nothing_happens(request, settings, api, region_key, with_redis):
    if with_redis:
        request.getfixturevalue("redis_feed")
    else:
        settings.REDIS_URL = ""
    revocations.publish_clients(["cid_before"])
    cursor = revocations.latest_cursor()
    started = time.monotonic()
    body = feed(api, region_key, after=cursor, wait=1).json()
    took = time.monotonic() - started
    assert body == {"cursor": cursor, "revocations": [], "more": False}
    assert 0.9 <= took < 3, f"answered after {took:.2f} s"


def test_the_console_holds_a_long_poll_no_longer_than_its_own_limit(settings, api, region_key):
    settings.CAAS_FEED_WAIT_SECONDS = 1
    started = time.monotonic()
    assert feed(api, region_key, after=0, wait=4).status_code == 200
    assert time.monotonic() - started < 3


def test_a_long_poll_with_entries_waiting_answers_at_once(api, region_key):
    revocations.publish_clients(["cid_waiting"])
    started = time.monotonic()
    body = feed(api, region_key, after=0, wait=10).json()
    assert [entry["client_id"] for entry in body["revocations"]] == ["cid_waiting"]
    assert time.monotonic() - started < 2
