import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Membership, User
from tests.accounts.mail_links import confirm_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signup(client, email="new@example.com"):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})


def test_signup_creates_the_users_own_account_with_them_as_owner(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.is_owner
    assert len(membership.account.cloud_account_id) == 12


def test_signup_lands_signed_in_on_account_settings_once_the_address_is_confirmed(client, mailoutbox):
    signup(client)
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert confirm_address(client, mailoutbox[0])["Location"] == reverse("accounts:profile")
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert b"new@example.com" in response.content


def test_sign_in_with_email_writes_an_audit_event(client, owner):
    response = client.post(reverse("account_login"), {"login": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="user.signed_in")
    assert event.account == owner.account and event.actor == owner.user
    assert event.ip == "127.0.0.1"


def test_wrong_password_does_not_sign_in(client, owner):
    response = client.post(reverse("account_login"), {"login": "owner@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="user.signed_in").exists()


def test_signup_asks_to_confirm_the_address_before_signing_in(client, mailoutbox):
    response = signup(client)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert mailoutbox[0].to == ["new@example.com"] and "confirm" in mailoutbox[0].body.lower()


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_two_factor_authentication_can_be_set_up_after_confirming_the_password(owner_client):
    assert owner_client.get(reverse("mfa_index")).status_code == 200
    assert owner_client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    owner_client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    activate = owner_client.get(reverse("mfa_activate_totp"))
    assert activate.status_code == 200
    assert activate.status_code == 200
    assert b"otpauth://" in activate.content or b"data:image" in activate.content


def test_a_totp_protected_user_is_asked_for_a_code_at_sign_in(client, owner):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(owner.user, generate_totp_secret())
    assert Authenticator.objects.filter(user=owner.user).exists()
    response = client.post(reverse("account_login"), {"login": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_password_reset_mails_a_link(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "owner@example.com"})
    assert response.status_code == 302
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_password_change_page_is_there(owner_client):
    assert owner_client.get(reverse("account_change_password")).status_code == 200
