import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Membership, Role
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory


def grant(client, email, days=7, note=""):
    expires_on = (timezone.localdate() + timedelta(days=days)).isoformat()
    return client.post(reverse("accounts:grant_access"), {"email": email, "expires_on": expires_on, "note": note})


def link_in(mail) -> str:
    return re.search(r"https?://[^/]+(/invitations/[^/\s]+/)", mail.body).group(1)


@pytest.fixture
def invitee(db):
    return UserFactory(email="invitee@example.com")


def test_invitation_flow_end_to_end(client, owner, invitee, mailoutbox):
    client.force_login(owner.user)
    response = grant(client, "Invitee@Example.com", note="Welcome aboard")
    assert response.status_code == 302
    assert mailoutbox[0].to == ["invitee@example.com"]
    assert "Welcome aboard" in mailoutbox[0].body
    link = link_in(mailoutbox[0])

    client.force_login(invitee)
    page = client.get(link)
    assert page.status_code == 200 and b"Accept invitation" in page.content
    response = client.post(link)
    assert response.status_code == 302

    membership = Membership.objects.get(user=invitee, account=owner.account)
    assert membership.role == Role.MEMBER
    assert Invitation.objects.get().accepted_by == invitee
    assert client.get(reverse("accounts:profile")).context["membership"] == membership
    actions = set(AuditEvent.objects.filter(account=owner.account).values_list("action", flat=True))
    assert {"invitation.sent", "member.joined"} <= actions


def test_the_link_is_on_the_public_url_whatever_host_the_request_came_in_on(client, owner, settings, mailoutbox):
    settings.OAUTH_ISSUER = "https://caas.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "internal.example.net"]
    client.force_login(owner.user)
    expires_on = (timezone.localdate() + timedelta(days=7)).isoformat()
    client.post(
        reverse("accounts:grant_access"),
        {"email": "someone@example.com", "expires_on": expires_on},
        headers={"host": "internal.example.net"},
    )
    assert re.search(r"https://caas\.example\.com/invitations/[^/\s]+/", mailoutbox[0].body)
    assert "internal.example.net" not in mailoutbox[0].body


def test_the_token_is_not_stored_in_the_database(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    token = link_in(mailoutbox[0]).split("/")[2]
    invitation = Invitation.objects.get()
    assert token not in invitation.token_digest
    assert len(token) >= 40


def test_a_signed_out_invitee_sees_who_invites_them_to_what(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com", note="Welcome aboard")
    client.logout()
    link = link_in(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200
    content = page.content.decode()
    assert (
        f"<strong>owner@example.com</strong> invited you\n        to <strong>{owner.account.name}</strong>." in content
    )
    assert "Welcome aboard" in content and "someone@example.com" in content
    assert "<button" not in content.split("<h1>")[1]  # nothing to accept before signing in


def test_a_signed_out_invitee_sees_the_inviters_name_when_they_gave_one(client, owner, mailoutbox):
    owner.user.full_name = "Olivia Owner"
    owner.user.save()
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    client.logout()
    assert "<strong>Olivia Owner</strong> invited you" in client.get(link_in(mailoutbox[0])).content.decode()


def test_sign_in_and_sign_up_lead_back_to_the_invitation_and_so_does_the_top_bar(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    client.logout()
    link = link_in(mailoutbox[0])
    content = client.get(link).content.decode()
    for view, label in [("account_login", "Sign in"), ("account_signup", "Sign up")]:
        links = re.findall(rf'<a class="[^"]*" href="([^"]+)">{label}</a>', content)
        assert links == [f"{reverse(view)}?next={link}"] * 2  # the page's button and the top bar's link
        back = client.get(links[0])
        assert back.status_code == 200
        assert re.findall(rf'href="([^"]+)">{label}</a>', back.content.decode()) == [links[0]]  # top bar, still


def test_signing_in_from_the_invitation_comes_back_to_accept_it(client, owner, invitee, mailoutbox):
    client.force_login(owner.user)
    grant(client, invitee.email)
    client.logout()
    link = link_in(mailoutbox[0])
    response = client.post(f"{reverse('account_login')}?next={link}", {"login": invitee.email, "password": PASSWORD})
    assert response["Location"] == link
    assert b"Accept invitation</button>" in client.get(link).content
    assert client.post(link)["Location"] == reverse("accounts:profile")
    assert Membership.objects.filter(user=invitee, account=owner.account).exists()


def test_a_signed_out_post_is_sent_to_sign_in_and_accepts_nothing(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    client.logout()
    link = link_in(mailoutbox[0])
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == f"{reverse('account_login')}?next={link}"
    assert Invitation.objects.get().accepted_at is None


def test_a_signed_out_visitor_learns_nothing_from_an_unknown_link(client, owner):
    response = client.get(reverse("accounts:accept_invitation", args=["no-such-token"]))
    assert response.status_code == 404
    assert b"not valid" in response.content and owner.account.name.encode() not in response.content


def test_a_signed_out_visitor_is_told_an_expired_invitation_is_closed(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com", days=1)
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        response = client.get(link_in(mailoutbox[0]))
    assert response.status_code == 400 and b"expired" in response.content
    assert b"?next=/invitations/" not in response.content


def test_inviting_an_existing_member_is_refused(owner_client, member):
    response = grant(owner_client, "MEMBER@example.com")
    assert response.status_code == 400
    assert b"already a member" in response.content
    assert not Invitation.objects.exists()


def test_a_second_pending_invitation_for_the_same_address_is_refused(owner_client, mailoutbox):
    grant(owner_client, "someone@example.com")
    response = grant(owner_client, "someone@example.com")
    assert response.status_code == 400
    assert b"already has a pending invitation" in response.content
    assert Invitation.objects.count() == 1


@pytest.mark.parametrize("days", [0, -1, 91])
def test_an_expiry_date_outside_the_allowed_window_is_refused(owner_client, days):
    response = grant(owner_client, "someone@example.com", days=days)
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_an_invalid_email_is_refused(owner_client):
    response = grant(owner_client, "not-an-email")
    assert response.status_code == 400
    assert b"valid email" in response.content


def test_an_expired_invitation_cannot_be_accepted(client, owner, invitee, mailoutbox):
    client.force_login(owner.user)
    grant(client, invitee.email, days=1)
    client.force_login(invitee)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        response = client.post(link_in(mailoutbox[0]))
    assert response.status_code == 400
    assert b"expired" in response.content
    assert not Membership.objects.filter(user=invitee, account=owner.account).exists()


def test_a_used_invitation_cannot_be_used_again(client, owner, invitee, mailoutbox):
    client.force_login(owner.user)
    grant(client, invitee.email)
    link = link_in(mailoutbox[0])
    client.force_login(invitee)
    client.post(link)
    Membership.objects.filter(user=invitee, account=owner.account).delete()
    response = client.post(link)
    assert response.status_code == 400
    assert b"already been used" in response.content
    assert not Membership.objects.filter(user=invitee, account=owner.account).exists()


def test_an_invitation_accepted_by_the_wrong_user_is_refused(client, owner, invitee, outsider, mailoutbox):
    client.force_login(owner.user)
    grant(client, invitee.email)
    client.force_login(outsider.user)
    response = client.post(link_in(mailoutbox[0]))
    assert response.status_code == 400
    assert b"different email address" in response.content
    assert not Membership.objects.filter(user=outsider.user, account=owner.account).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_token_answers_404(client, invitee):
    client.force_login(invitee)
    assert client.get(reverse("accounts:accept_invitation", args=["no-such-token"])).status_code == 404
    assert client.post(reverse("accounts:accept_invitation", args=["no-such-token"])).status_code == 404


def test_resending_replaces_the_link(client, owner, invitee, mailoutbox):
    client.force_login(owner.user)
    grant(client, invitee.email)
    old_link = link_in(mailoutbox[0])
    invitation = Invitation.objects.get()
    response = client.post(reverse("accounts:resend_invitation", args=[invitation.pk]))
    assert response.status_code == 302
    new_link = link_in(mailoutbox[1])
    assert new_link != old_link
    client.force_login(invitee)
    assert client.post(old_link).status_code == 404
    assert client.post(new_link).status_code == 302


def test_resending_an_expired_invitation_gives_it_a_new_expiry(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com", days=1)
    invitation = Invitation.objects.get()
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        client.post(reverse("accounts:resend_invitation", args=[invitation.pk]))
        invitation.refresh_from_db()
        assert not invitation.is_expired


def test_owner_can_remove_a_pending_invitation(client, owner, invitee, mailoutbox):
    client.force_login(owner.user)
    grant(client, invitee.email)
    invitation = Invitation.objects.get()
    assert client.post(reverse("accounts:remove_invitation", args=[invitation.pk])).status_code == 302
    assert not Invitation.objects.exists()
    client.force_login(invitee)
    assert client.post(link_in(mailoutbox[0])).status_code == 404


def test_a_member_cannot_grant_access(member_client):
    assert member_client.get(reverse("accounts:grant_access")).status_code == 403
    assert grant(member_client, "someone@example.com").status_code == 403
    assert not Invitation.objects.exists()


def test_a_member_cannot_resend_or_remove_invitations(client, owner, member, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    invitation = Invitation.objects.get()
    client.force_login(member.user)
    assert client.post(reverse("accounts:resend_invitation", args=[invitation.pk])).status_code == 403
    assert client.post(reverse("accounts:remove_invitation", args=[invitation.pk])).status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()
    assert len(mailoutbox) == 1


def test_another_accounts_invitation_answers_404(client, owner, outsider, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    invitation = Invitation.objects.get()
    client.force_login(outsider.user)
    assert client.post(reverse("accounts:resend_invitation", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("accounts:remove_invitation", args=[invitation.pk])).status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_removing_an_invitation_needs_post(owner_client, owner):
    invitation = Invitation.objects.create(
        account=owner.account, email="x@example.com", token_digest="0" * 64, expires_on=timezone.localdate()
    )
    assert owner_client.get(reverse("accounts:remove_invitation", args=[invitation.pk])).status_code == 405


def test_pending_invitations_are_listed_for_the_owner_only(client, owner, member, mailoutbox):
    client.force_login(owner.user)
    grant(client, "someone@example.com")
    assert b"someone@example.com" in client.get(reverse("accounts:access")).content
    client.force_login(member.user)
    assert b"someone@example.com" not in client.get(reverse("accounts:access")).content


def test_the_grant_access_form_is_protected_by_csrf(owner, mailoutbox):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner.user)
    assert grant(client, "someone@example.com").status_code == 403
    assert not Invitation.objects.exists()


def test_an_invitee_already_in_the_account_sees_a_clear_message(client, owner, mailoutbox):
    client.force_login(owner.user)
    grant(client, "later@example.com")
    later = UserFactory(email="later@example.com")
    MembershipFactory(user=later, account=owner.account)
    client.force_login(later)
    response = client.post(link_in(mailoutbox[0]))
    assert response.status_code == 400
    assert b"already a member" in response.content
