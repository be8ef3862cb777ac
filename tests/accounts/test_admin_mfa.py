"""Operators need a second factor: no admin page for staff signed in with a password alone."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from accounts.models import User
from credentials.services import generate_credential
from tests.accounts.helpers import enrol_totp, sign_in, totp_code
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/admin/", "/admin/credentials/credential/", "/admin/accounts/account/"]
ADMIN_HEADER = "Credentials as a Service administration"


@pytest.fixture
def operator(db) -> User:
    return UserFactory(email="operator@example.com", is_staff=True, is_superuser=True)


def with_next(url_name: str, path: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': path})}"


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_staff_without_an_authenticator_is_sent_to_totp_setup(client, operator, member, path):
    credential, _ = generate_credential(membership=member, name="deploy")
    sign_in(client, operator.email, PASSWORD)
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == with_next("mfa_activate_totp", path)
    shown = "".join(page.content.decode() for page in (response, client.get(path, follow=True)))
    for leak in (ADMIN_HEADER, credential.client_id, member.account.cloud_account_id):
        assert leak not in shown


def test_the_admin_login_page_takes_no_password(client, operator):
    enrol_totp(operator)
    response = client.post(reverse("admin:login"), {"username": operator.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_password_only_session_is_asked_for_the_code_before_any_admin_page(client, operator, member, path):
    """`client.login` signs in as the admin's own login form would: password checked, no allauth stages."""
    credential, _ = generate_credential(membership=member, name="deploy")
    secret = enrol_totp(operator)
    assert client.login(email=operator.email, password=PASSWORD)
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == with_next("mfa_reauthenticate", path)
    assert credential.client_id not in response.content.decode()
    confirmed = client.post(response["Location"], {"code": totp_code(secret)})
    assert confirmed["Location"] == path
    assert ADMIN_HEADER in client.get(path).content.decode()


def test_signing_in_with_password_and_totp_code_opens_the_admin(client, operator):
    secret = enrol_totp(operator)
    to_login = client.get("/admin/credentials/credential/", follow=True).redirect_chain[-1][0]
    assert to_login.startswith(reverse("account_login"))
    response = sign_in(client, operator.email, PASSWORD, secret=secret, next_url="/admin/credentials/credential/")
    assert response["Location"] == "/admin/credentials/credential/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and ADMIN_HEADER in page.content.decode()


def test_an_operator_who_enrols_confirms_one_code_and_then_has_the_admin(client, operator):
    sign_in(client, operator.email, PASSWORD)
    to_reauthenticate = client.get(client.get("/admin/")["Location"])["Location"]
    to_setup = client.post(to_reauthenticate, {"password": PASSWORD})["Location"]
    assert to_setup == with_next("mfa_activate_totp", "/admin/")
    assert 'name="code"' in client.get(to_setup).content.decode()
    secret = client.session["mfa.totp.secret"]
    activated = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert activated.status_code == 302 and activated["Location"] == reverse("mfa_view_recovery_codes")
    response = client.get("/admin/")
    assert response["Location"] == with_next("mfa_reauthenticate", "/admin/")
    client.post(response["Location"], {"code": totp_code(secret)})
    assert ADMIN_HEADER in client.get("/admin/").content.decode()


def test_users_who_are_not_staff_need_no_authenticator(client, owner):
    sign_in(client, owner.user.email, PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200
    assert client.get("/admin/", follow=True).status_code == 403
