import pytest
from django.db import IntegrityError

from accounts.models import Account, AuditEvent, Membership, Role
from accounts.services import open_account
from tests.factories import AccountFactory, MembershipFactory, UserFactory


def test_an_account_cannot_have_two_owners(owner):
    with pytest.raises(IntegrityError):
        MembershipFactory(account=owner.account, role=Role.OWNER)


def test_a_user_joins_an_account_only_once(member):
    with pytest.raises(IntegrityError):
        MembershipFactory(account=member.account, user=member.user)


def test_an_unknown_role_is_refused_by_the_database(account_a):
    with pytest.raises(IntegrityError):
        MembershipFactory(account=account_a, role="admin")


def test_cloud_account_ids_are_twelve_unique_digits(db):
    ids = {AccountFactory().cloud_account_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 12 and i.isdigit() for i in ids)


def test_a_short_cloud_account_id_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError):
        Account.objects.create(name="x", cloud_account_id="123")


def test_email_is_unique_whatever_its_case(db):
    UserFactory(email="alice@example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="ALICE@example.com")


def test_open_account_makes_the_user_its_owner(db):
    user = UserFactory()
    account = open_account(owner=user)
    membership = Membership.objects.get(account=account)
    assert membership.user == user and membership.is_owner
    assert AuditEvent.objects.filter(account=account, action="account.created").exists()


def test_audit_events_cannot_be_changed(owner):
    event = AuditEvent.objects.create(account=owner.account, actor=owner.user, action="x")
    event.action = "y"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
