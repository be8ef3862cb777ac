"""An invitation goes to whoever owns the invited address: accepting needs that address confirmed
(allauth's EmailAddress.verified) on the accepting user, and the invitation page offers to send the
confirmation email, whose link leads back to the invitation."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership
from tests.accounts.mail_links import confirm_address, path_in
from tests.accounts.test_invitations import grant, link_in
from tests.conftest import PASSWORD
from tests.factories import UserFactory

INVITED = "invitee@example.com"


@pytest.fixture
def link(owner, mailoutbox) -> str:
    """The link of an invitation to INVITED, as its email has it; the outbox is emptied afterwards."""
    client = Client()
    client.force_login(owner.user)
    grant(client, INVITED)
    found = link_in(mailoutbox[0])
    mailoutbox.clear()
    return found


@pytest.fixture
def unconfirmed(db):
    """Signed up with the invited address but never opened the confirmation email."""
    return UserFactory(email=INVITED, email_verified=False)


def joined(user, owner) -> bool:
    return Membership.objects.filter(user=user, account=owner.account).exists()


def form_fields(page, action: str) -> dict[str, str]:
    """The named fields of the page's form that posts to `action`, as a browser would submit them."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}">(.*?)</form>', page.content.decode(), re.S)
    assert form, f"no form posting to {action}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))
    fields.update(dict.fromkeys(re.findall(r'<button type="submit" name="([^"]+)"', form.group(1)), ""))
    return fields


def test_an_unconfirmed_invited_address_cannot_accept(client, owner, unconfirmed, link):
    client.force_login(unconfirmed)
    page = client.get(link)
    assert page.status_code == 400
    assert f"Confirm that {INVITED} is your address" in page.content.decode()
    assert b"Accept invitation" not in page.content
    response = client.post(link)
    assert response.status_code == 400
    assert not joined(unconfirmed, owner)
    assert Invitation.objects.get().accepted_at is None


def test_a_user_with_the_address_but_no_record_of_it_cannot_accept(client, owner, link):
    """Users made in the admin or the shell have no EmailAddress, so nothing says they own the address."""
    user = UserFactory(email=INVITED)
    EmailAddress.objects.filter(user=user).delete()
    client.force_login(user)
    response = client.post(link)
    assert response.status_code == 400
    assert f"Confirm that {INVITED} is your address" in response.content.decode()
    assert not joined(user, owner)


def test_a_secondary_address_can_accept_once_confirmed(client, owner, link):
    user = UserFactory(email="main@example.com")
    secondary = EmailAddress.objects.create(user=user, email=INVITED, verified=False)
    client.force_login(user)
    assert client.post(link).status_code == 400
    assert not joined(user, owner)
    secondary.verified = True
    secondary.save()
    assert client.post(link).status_code == 302
    assert joined(user, owner)
    assert Invitation.objects.get().accepted_by == user


@pytest.mark.parametrize("record", ["unverified", "missing"])
def test_the_page_sends_the_confirmation_whose_link_leads_back_to_accept(client, owner, link, mailoutbox, record):
    user = UserFactory(email=INVITED, email_verified=False)
    if record == "missing":
        EmailAddress.objects.filter(user=user).delete()
    client.force_login(user)
    fields = form_fields(client.get(link), reverse("account_email"))
    assert fields.keys() == {"csrfmiddlewaretoken", "email", "next", "action_send"}
    assert fields["email"] == INVITED and fields["next"] == link

    assert client.post(reverse("account_email"), fields).status_code == 302
    assert mailoutbox[0].to == [INVITED]
    assert not joined(user, owner)
    assert confirm_address(client, mailoutbox[0])["Location"] == link

    page = client.get(link)
    assert page.status_code == 200 and b"Accept invitation" in page.content
    assert client.post(link).status_code == 302
    assert joined(user, owner)


def test_a_signed_out_invitee_signs_up_confirms_and_accepts(client, owner, link, mailoutbox):
    sign_up = re.search(r'href="([^"]+)">Sign up</a>', client.get(link).content.decode()).group(1)  # the page's own
    assert sign_up.startswith(reverse("account_signup"))
    response = client.post(sign_up, {"email": INVITED, "password1": PASSWORD, "password2": PASSWORD, "next": link})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not client.get(link).wsgi_request.user.is_authenticated  # not signed in before confirming

    assert confirm_address(client, mailoutbox[0])["Location"] == link
    assert client.get(link).status_code == 200
    assert client.post(link)["Location"] == reverse("accounts:profile")
    user = EmailAddress.objects.get(email=INVITED, verified=True).user
    assert joined(user, owner)


def test_a_confirmation_opened_in_another_browser_still_leads_back_to_the_invitation(
    client, owner, unconfirmed, link, mailoutbox
):
    client.force_login(unconfirmed)
    client.post(reverse("account_email"), form_fields(client.get(link), reverse("account_email")))
    phone = Client()
    assert confirm_address(phone, mailoutbox[0])["Location"] == link
    response = phone.post(reverse("account_login") + f"?next={link}", {"login": INVITED, "password": PASSWORD})
    assert response["Location"] == link
    assert phone.post(link).status_code == 302
    assert joined(unconfirmed, owner)


@pytest.mark.parametrize(
    "next_url", ["/settings/", "https://evil.example/invitations/x/", "//evil.example/invitations/x/", "/nowhere/"]
)
def test_only_an_invitation_page_rides_along_in_the_confirmation_link(client, link, mailoutbox, next_url):
    data = {"password1": PASSWORD, "password2": PASSWORD}
    client.post(reverse("account_signup"), {**data, "email": INVITED, "next": link})
    Client().post(reverse("account_signup"), {**data, "email": "other@example.com", "next": next_url})
    confirm_path = reverse("account_confirm_email", args=["k"]).removesuffix("k/")
    assert path_in(mailoutbox[0], confirm_path).endswith(f"?next={link.replace('/', '%2F')}")
    assert "?" not in path_in(mailoutbox[1], confirm_path)
