from django.urls import reverse

from accounts.audit import record


def test_owner_sees_every_event_of_the_account(owner_client, owner, member, outsider):
    record(account=owner.account, actor=member.user, action="member.did-something")
    record(account=outsider.account, actor=outsider.user, action="elsewhere")
    actions = [e.action for e in owner_client.get(reverse("accounts:activity")).context["page"]]
    assert "member.did-something" in actions
    assert "elsewhere" not in actions


def test_member_sees_only_their_own_events(member_client, owner, member):
    record(account=owner.account, actor=owner.user, action="owner.did-something")
    record(account=owner.account, actor=member.user, action="member.did-something")
    actions = [e.action for e in member_client.get(reverse("accounts:activity")).context["page"]]
    assert actions == ["member.did-something"]


def test_activity_is_paginated(owner_client, owner):
    for i in range(30):
        record(account=owner.account, actor=owner.user, action=f"event-{i}")
    first = owner_client.get(reverse("accounts:activity"))
    assert len(first.context["page"]) == 25
    assert b"Older" in first.content
    second = owner_client.get(reverse("accounts:activity") + "?page=2")
    assert len(second.context["page"]) == 5
