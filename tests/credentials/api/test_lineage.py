"""Lineage: what a bearer caller may manage, and what goes with a parent."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import services
from credentials.leaks import process_leak_report, record_leak_report
from credentials.models import Credential
from tests.credentials.helpers import bearer, mint, new_credential

URL = "/api/v1/credentials/"
JSON = "application/json"


def test_a_bearer_sees_only_itself_and_its_descendants(api, family):
    (parent, parent_secret), (_child, child_secret) = family
    assert {c["name"] for c in api.get(URL, headers=bearer(parent_secret)).json()} == {"parent", "child"}
    assert [c["name"] for c in api.get(URL, headers=bearer(child_secret)).json()] == ["child"]
    for path in (f"{URL}{parent.client_id}/", f"{URL}{parent.client_id}/usage"):
        assert api.get(path, headers=bearer(child_secret)).status_code == 404
    assert api.post(f"{URL}{parent.client_id}/disable", headers=bearer(child_secret)).status_code == 404
    assert api.delete(f"{URL}{parent.client_id}/", headers=bearer(child_secret)).status_code == 404
    assert Credential.objects.filter(pk=parent.pk, disabled_at__isnull=True).exists()


def test_a_bearer_cannot_reach_a_sibling_the_member_made(api, member, family):
    (_, _), (_, child_secret) = family
    Credential.objects.filter(name="parent").delete()  # free a slot; the child goes with it (cascade)
    sibling, _ = new_credential(member, name="sibling")
    _other, other_secret = new_credential(member, name="other")
    assert api.get(f"{URL}{sibling.client_id}/", headers=bearer(other_secret)).status_code == 404
    assert [c["name"] for c in api.get(URL, headers=bearer(other_secret)).json()] == ["other"]
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401


def test_an_owners_bearer_sees_no_other_members_usage(api, owner, member):
    _, owner_secret = new_credential(owner, name="owner-ci")
    theirs, _ = new_credential(member, name="theirs")
    assert api.get(f"{URL}{theirs.client_id}/usage", headers=bearer(owner_secret)).status_code == 404


def test_a_signed_in_member_manages_every_credential_of_theirs(member_client, family):
    (parent, _), (child, _) = family
    assert {c["name"] for c in member_client.get(URL).json()} == {"parent", "child"}
    assert member_client.get(f"{URL}{child.client_id}/").json()["created_by"]["client_id"] == parent.client_id


def test_deleting_a_parent_deletes_its_descendants_with_an_event_each(api, member, family):
    (parent, parent_secret), (_child, child_secret) = family
    response = api.delete(f"{URL}{parent.client_id}/", headers=bearer(parent_secret))
    assert response.status_code == 204 and response["Descendants-Deleted"] == "1"
    assert not Credential.objects.exists()
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401
    targets = list(AuditEvent.objects.filter(action="credential.deleted").values_list("target", flat=True))
    assert len(targets) == 2 and any("child" in t and "which it was made with" in t for t in targets)


def test_deleting_a_child_leaves_the_parent(api, family):
    (_parent, parent_secret), (child, _) = family
    response = api.delete(f"{URL}{child.client_id}/", headers=bearer(parent_secret))
    assert response.status_code == 204 and response["Descendants-Deleted"] == "0"
    assert list(Credential.objects.values_list("name", flat=True)) == ["parent"]


def test_disabling_a_parent_disables_its_descendants(api, family):
    (parent, parent_secret), (child, child_secret) = family
    body = api.post(f"{URL}{parent.client_id}/disable", headers=bearer(parent_secret)).json()
    assert body["status"] == "disabled" and body["descendants_disabled"] == 1
    child.refresh_from_db()
    assert child.disabled_at is not None and "with parent" in child.disabled_reason
    assert api.get("/api/v1/me", headers=bearer(child_secret)).status_code == 401
    assert AuditEvent.objects.filter(action="credential.disabled").count() == 2


def test_an_owners_revocation_takes_the_descendants_and_sends_one_email(
    owner, family, django_capture_on_commit_callbacks
):
    (parent, _), (child, _) = family
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        gone = services.revoke_credential(by=owner.user, credential=Credential.objects.get(pk=parent.pk))
    assert [c.name for c in gone] == ["parent", "child"]
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 2
    assert len(mail.outbox) == 1 and child.client_id in mail.outbox[0].body


def test_a_leak_report_revokes_the_descendants_too(family, django_capture_on_commit_callbacks):
    (_parent, parent_secret), (child, _) = family
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        process_leak_report(record_leak_report(secret=parent_secret).pk)
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.leak_revoked").count() == 2
    assert len(mail.outbox) == 1 and child.client_id in mail.outbox[0].body


def test_the_unused_policy_disables_the_descendants_too(owner, family, django_capture_on_commit_callbacks):
    (parent, _), (child, _) = family
    services.set_credential_policies(owner=owner, max_lifetime_days=None, disable_unused_after_days=5)
    long_ago = timezone.now() - timedelta(days=10)
    Credential.objects.filter(pk=parent.pk).update(created_at=long_ago, last_used_at=long_ago)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.enforce_credential_policies()["disabled"] == 2
    child.refresh_from_db()
    assert child.disabled_at is not None
    assert len(mail.outbox) == 1


def test_removing_the_member_takes_the_whole_family(api, owner, member, family):
    from accounts.services import remove_member

    (_, parent_secret), (_, child_secret) = family
    remove_member(by=owner, member=member)
    assert not Credential.objects.exists()
    for secret in (parent_secret, child_secret):
        assert api.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_the_two_credential_limit_counts_children(api, family):
    (_, parent_secret), _ = family
    response = mint(api, parent_secret, name="third")
    assert response.status_code == 409 and response.json()["code"] == "credential_limit_reached"
