"""The credential services: generate and delete, names, the two-slot limit, audit and account scope."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404

from accounts.models import AuditEvent
from accounts.services import remove_member
from credentials import keys
from credentials.models import Credential
from credentials.services import (
    CredentialLimitReached,
    delete_credential,
    generate_credential,
    list_credentials,
    revoke_credential,
)


def test_generate_stores_only_the_digest(member):
    credential, secret = generate_credential(membership=member, name="ci-runner")
    credential.refresh_from_db()
    assert credential.secret_digest == keys.digest(secret)
    assert secret not in {credential.secret_digest, credential.client_id, credential.secret_hint}
    assert credential.secret_hint == secret[-4:]
    assert keys.is_well_formed(secret)


def test_surrounding_spaces_are_trimmed(member):
    credential, _ = generate_credential(membership=member, name="  deploy-bot  ")
    assert credential.name == "deploy-bot"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a secret name"),
        ("   ", "Enter a secret name"),
        ("x" * 64, "at most 63"),
        ("has space", "letters, digits and -"),
        ("under_score", "letters, digits and -"),
        ("<script>", "letters, digits and -"),
        ("ünïcode", "letters, digits and -"),
    ],
)
def test_invalid_names_are_refused_with_a_reason(member, name, message):
    with pytest.raises(ValidationError, match=message):
        generate_credential(membership=member, name=name)
    assert not Credential.objects.exists()


def test_a_name_of_63_characters_is_accepted(member):
    credential, _ = generate_credential(membership=member, name="a" * 63)
    assert credential.name == "a" * 63


def test_names_are_unique_per_member_whatever_the_case(member):
    generate_credential(membership=member, name="deploy")
    with pytest.raises(ValidationError, match="already have a credential named"):
        generate_credential(membership=member, name="DEPLOY")


def test_two_members_may_use_the_same_name(owner, member):
    generate_credential(membership=owner, name="deploy")
    generate_credential(membership=member, name="deploy")
    assert Credential.objects.count() == 2


def test_the_third_credential_is_refused(member):
    generate_credential(membership=member, name="one")
    generate_credential(membership=member, name="two")
    with pytest.raises(CredentialLimitReached, match="maximum of two credentials"):
        generate_credential(membership=member, name="three")
    assert list_credentials(member).count() == 2


def test_a_freed_slot_can_be_used_again(member):
    first, _ = generate_credential(membership=member, name="one")
    generate_credential(membership=member, name="two")
    delete_credential(membership=member, client_id=first.client_id, confirm_name="one")
    third, _ = generate_credential(membership=member, name="three")
    assert third.slot == first.slot


def test_the_database_refuses_a_third_slot(member):
    with pytest.raises(IntegrityError):
        Credential.objects.create(membership=member, slot=3, name="x", client_id="cid_x", secret_digest="0" * 64)


def test_the_database_refuses_a_taken_slot(member):
    credential, _ = generate_credential(membership=member, name="one")
    with pytest.raises(IntegrityError):
        Credential.objects.create(
            membership=member, slot=credential.slot, name="y", client_id="cid_y", secret_digest="1" * 64
        )


def test_the_database_refuses_a_duplicate_name_in_another_case(member):
    generate_credential(membership=member, name="one")
    with pytest.raises(IntegrityError):
        Credential.objects.create(membership=member, slot=2, name="ONE", client_id="cid_z", secret_digest="2" * 64)


def test_delete_needs_the_exact_name(member):
    credential, _ = generate_credential(membership=member, name="deploy")
    with pytest.raises(ValidationError, match="Type the secret name deploy exactly"):
        delete_credential(membership=member, client_id=credential.client_id, confirm_name="Deploy")
    assert Credential.objects.filter(pk=credential.pk).exists()
    delete_credential(membership=member, client_id=credential.client_id, confirm_name="deploy")
    assert not Credential.objects.filter(pk=credential.pk).exists()


def test_nobody_deletes_another_members_credential(owner, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    with pytest.raises(Http404):
        delete_credential(membership=owner, client_id=credential.client_id, confirm_name="deploy")
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_every_change_is_audited(owner, member):
    credential, _ = generate_credential(membership=member, name="one")
    delete_credential(membership=member, client_id=credential.client_id, confirm_name="one")
    other, _ = generate_credential(membership=member, name="two")
    revoke_credential(by=owner.user, credential=other)
    events = AuditEvent.objects.filter(account=member.account).values_list("action", "actor__email", "subject__email")
    assert ("credential.created", "member@example.com", None) in events
    assert ("credential.deleted", "member@example.com", None) in events
    assert ("credential.revoked", "owner@example.com", "member@example.com") in events


def test_removing_a_member_deletes_their_credentials(owner, member):
    generate_credential(membership=member, name="one")
    generate_credential(membership=owner, name="mine")
    remove_member(by=owner, member=member)
    assert list(Credential.objects.values_list("name", flat=True)) == ["mine"]


def test_credentials_belong_to_one_account_only(owner, outsider):
    from tests.factories import MembershipFactory

    in_b = MembershipFactory(user=owner.user, account=outsider.account)
    generate_credential(membership=owner, name="in-a")
    assert list_credentials(in_b).count() == 0
    assert Credential.objects.for_account(outsider.account).count() == 0
