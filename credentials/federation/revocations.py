"""The revocation feed: every change that stops a credential or a token, in commit order.

Deleting a credential (by its member, an owner, an operator, the leak response, the revocation
endpoint, or with its member's membership or account), disabling it, deactivating its user, and
revoking one access token each add a `Revocation` row in the same transaction. Once that commits,
Redis wakes the regions' long polls (`wait_for`), which read the rows after their cursor: the row
id, so a region that reconnects misses nothing. Rows are kept for as long as an access token
lives; older ones concern only tokens that have expired anyway.
"""

import contextlib
import time
from datetime import timedelta

import redis
from django.conf import settings
from django.db import router, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from accounts.models import User
from config import locks
from credentials.models import Credential, Revocation

CHANNEL = "caas:revocations"
PAGE = 1000
POLL_WITHOUT_REDIS = 0.1


def retention() -> timedelta:
    """As long as an access token lives, plus a cached secret answer, plus a margin for clocks."""
    return timedelta(seconds=settings.OAUTH_ACCESS_TOKEN_LIFETIME + settings.CAAS_SECRET_CACHE_SECONDS + 300)


def _notify() -> None:
    if settings.REDIS_URL:
        with contextlib.suppress(redis.RedisError):  # the long polls also look again every few seconds
            _redis().publish(CHANNEL, b"1")


_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=5)
    return _client


def _write(rows: list[Revocation]) -> None:
    """The ids are the regions' cursor, so they must be taken in commit order: a region that read
    id 11 before id 10 committed would skip 10 for good. PostgreSQL hands out ids at insert, so
    the feed's writers queue here until the one before has committed."""
    alias = router.db_for_write(Revocation)
    with transaction.atomic(using=alias, savepoint=False):
        locks.serialize(alias, locks.FEED_WRITERS)
        Revocation.objects.using(alias).bulk_create(rows)
        transaction.on_commit(_notify, using=alias)


def publish_clients(client_ids: list[str]) -> None:
    if not client_ids:
        return
    now = timezone.now()
    _write([Revocation(client_id=client_id, at=now) for client_id in client_ids])


def publish_token(jti: str) -> None:
    _write([Revocation(jti=jti)])


def after(cursor: int, *, now=None) -> list[Revocation]:
    """The rows after `cursor` that still matter, oldest first, at most PAGE of them."""
    since = (now or timezone.now()) - retention()
    return list(Revocation.objects.filter(pk__gt=cursor, at__gte=since).order_by("pk")[:PAGE])


def latest_cursor() -> int:
    return Revocation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def wait_for(cursor: int, seconds: float) -> list[Revocation]:
    """The rows after `cursor`, waiting up to `seconds` for the first to be committed. Subscribed
    before it looks, so a revocation committed in between still wakes it."""
    deadline = time.monotonic() + seconds
    pubsub = None
    if settings.REDIS_URL:
        try:
            pubsub = _redis().pubsub(ignore_subscribe_messages=True)
            pubsub.subscribe(CHANNEL)
        except redis.RedisError:
            pubsub = None
    try:
        while True:
            rows = after(cursor)
            left = deadline - time.monotonic()
            if rows or left <= 0:
                return rows
            if pubsub is None:
                time.sleep(min(POLL_WITHOUT_REDIS, left))
                continue
            try:
                pubsub.get_message(timeout=min(left, 5.0))  # at most 5 s: a lost notice costs no more
            except redis.RedisError:
                pubsub = None
    finally:
        if pubsub is not None:
            with contextlib.suppress(redis.RedisError):
                pubsub.close()


def prune(now=None) -> int:
    deleted, _ = Revocation.objects.filter(at__lt=(now or timezone.now()) - retention()).delete()
    return deleted


def _credential_deleted(sender, instance: Credential, **kwargs) -> None:
    publish_clients([instance.client_id])


def _user_saving(sender, instance: User, update_fields=None, **kwargs) -> None:
    """Notes whether this save switches the user off; _user_saved publishes once the row is written."""
    instance._caas_switching_off = (  # type: ignore[attr-defined]  # our own attribute, read below
        instance.pk is not None
        and not instance.is_active
        and (update_fields is None or "is_active" in update_fields)
        and User.objects.filter(pk=instance.pk, is_active=True).exists()
    )


def _user_saved(sender, instance: User, **kwargs) -> None:
    """A user switched off: every credential of theirs, in every account. After the UPDATE, so a
    save that fails publishes nothing; in the same transaction as it, when there is one."""
    if not getattr(instance, "_caas_switching_off", False):
        return
    instance._caas_switching_off = False  # type: ignore[attr-defined]
    publish_clients(list(Credential.objects.filter(membership__user=instance).values_list("client_id", flat=True)))


post_delete.connect(_credential_deleted, sender=Credential, dispatch_uid="revocations.credential_deleted")
pre_save.connect(_user_saving, sender=User, dispatch_uid="revocations.user_saving")
post_save.connect(_user_saved, sender=User, dispatch_uid="revocations.user_saved")
