"""Members' addresses are listed with a non-ASCII domain in its IDNA (`xn--`) form, so that a look-alike
domain cannot pass for the real one (accounts/templatetags/email_tags.py)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation
from tests.accounts.test_invitations import grant
from tests.conftest import PASSWORD
from tests.credentials.helpers import new_credential
from tests.factories import MembershipFactory, UserFactory

LOOKALIKE = "ex\u0430mple.com"  # the "a" is Cyrillic
IDNA = "xn--exmple-4nf.com"


@pytest.fixture
def mallory(account_a, owner):
    """A member of account A whose address looks like one at example.com."""
    return MembershipFactory(account=account_a, user=UserFactory(email=f"mallory@{LOOKALIKE}"))


def shown_in_idna_form(content: bytes, *locals_: str) -> bool:
    text = re.sub(r'aria-label="[^"]*"', "", content.decode())  # the admin's "select" checkboxes name str(user)
    return all(f"{local}@{IDNA}" in text for local in locals_) and LOOKALIKE not in text


def test_the_access_page_and_its_messages_show_idna_domains(owner_client, mallory, mailoutbox):
    granted = grant(owner_client, f"guest@{LOOKALIKE}")
    assert shown_in_idna_form(owner_client.get(granted["Location"]).content, "mallory", "guest")
    invitation = Invitation.objects.get()
    resent = owner_client.post(reverse("accounts:resend_invitation", args=[invitation.pk]), follow=True)
    assert shown_in_idna_form(resent.content, "mallory", "guest")


def test_the_revoke_page_and_its_message_show_idna_domains(owner_client, mallory):
    url = reverse("accounts:revoke_member", args=[mallory.pk])
    assert shown_in_idna_form(owner_client.get(url).content, "mallory")
    revoked = owner_client.post(url, follow=True).content
    assert shown_in_idna_form(revoked) and f"mallory@{IDNA} no longer has access" in revoked.decode()


def test_the_activity_log_shows_idna_domains_and_no_look_alikes_in_free_text(client, owner, mallory, mailoutbox):
    Client().post(reverse("account_login"), {"login": f"mallory@{LOOKALIKE}", "password": PASSWORD})
    client.force_login(owner.user)
    grant(client, f"guest@{LOOKALIKE}")
    AuditEvent.objects.create(account=owner.account, action="credential.created", target="ci@" + "\u00fc" * 64)
    content = client.get(reverse("accounts:activity")).content
    assert shown_in_idna_form(content, "mallory", "guest")
    assert "\u00fc" not in content.decode() and "ci@\\xfc" in content.decode()


def test_the_admin_lists_show_idna_domains(admin_client, owner, mallory):
    Invitation.objects.create(
        account=owner.account,
        email=f"guest@{LOOKALIKE}",
        token_digest="0" * 64,
        expires_on=timezone.localdate() + timedelta(days=7),
    )
    AuditEvent.objects.create(
        account=owner.account, actor=mallory.user, actor_email=mallory.user.email, action="member.left", target="x"
    )
    for model, shown in [
        ("user", "mallory"),
        ("membership", "mallory"),
        ("invitation", "guest"),
        ("auditevent", "mallory"),
    ]:
        page = admin_client.get(reverse(f"admin:accounts_{model}_changelist"))
        assert page.status_code == 200, model
        assert shown_in_idna_form(page.content, shown), model


def test_the_owners_credential_pages_show_idna_domains(owner_client, mallory):
    credential, _ = new_credential(mallory, name="look")
    pages = [
        "/settings/credentials/",
        reverse("credentials:revoke", args=[credential.client_id]),
        reverse("credentials:usage", args=[credential.client_id]),
    ]
    for page in pages:
        response = owner_client.get(page)
        assert response.status_code == 200, page
        assert shown_in_idna_form(response.content, "mallory"), page
