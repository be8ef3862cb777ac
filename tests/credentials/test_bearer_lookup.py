"""The hand-written bearer lookup (one SELECT, built once per process) finds exactly what
usable_credentials() finds, and loads it the way the ORM loads it."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import Account, Membership, User
from credentials import keys
from credentials.authentication import (
    by_client_id,
    by_client_id_with_revocation,
    by_secret_digest,
    usable_credentials,
)
from credentials.models import Credential, RevokedToken


def field_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_lookup_loads_what_the_orm_loads(member_credential, django_assert_num_queries):
    credential, secret = member_credential
    Credential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now(), last_used_ip="192.0.2.1")
    expected = usable_credentials().get(pk=credential.pk)
    with django_assert_num_queries(1):
        found = by_secret_digest.get(keys.digest(secret))
        assert found.membership.user.email == "member@example.com"
        assert found.membership.account.cloud_account_id == expected.membership.account.cloud_account_id
    assert field_values(found) == field_values(expected)
    assert field_values(found.membership) == field_values(expected.membership)
    assert field_values(found.membership.user) == field_values(expected.membership.user)
    assert field_values(found.membership.account) == field_values(expected.membership.account)
    assert isinstance(found.membership.user, User) and isinstance(found.membership.account, Account)
    assert isinstance(found.membership, Membership) and found.membership.user.is_active is True
    assert found._state.adding is False and found._state.db == "default"


def test_the_lookup_by_client_id_finds_the_same_credential(member_credential):
    credential, _ = member_credential
    assert by_client_id.get(credential.client_id) == credential


def test_unknown_values_find_nothing(member_credential):
    assert by_secret_digest.get(keys.digest(keys.new_secret())) is None
    assert by_client_id.get(keys.new_client_id()) is None


def test_a_deactivated_user_finds_nothing(member, member_credential):
    credential, secret = member_credential
    User.objects.filter(pk=member.user_id).update(is_active=False)
    assert by_secret_digest.get(keys.digest(secret)) is None
    assert by_client_id.get(credential.client_id) is None
    assert not usable_credentials().filter(pk=credential.pk).exists()


def test_the_access_token_lookup_tells_whether_the_token_was_revoked(member_credential):
    credential, _ = member_credential
    assert by_client_id_with_revocation.get(credential.client_id, jti="j-1").token_revoked is False
    RevokedToken.objects.create(jti="j-1", expires_at=timezone.now() + timedelta(hours=1))
    assert by_client_id_with_revocation.get(credential.client_id, jti="j-1").token_revoked is True
    assert by_client_id_with_revocation.get(credential.client_id, jti="j-2").token_revoked is False
