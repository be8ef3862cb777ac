"""Sessions and sign-in: __Host- cookies, the password again before changing addresses, login lockouts
that say when to come back, sign-up that does not tell who is registered, and rate limits per client."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.conftest import PASSWORD
from tests.factories import UserFactory

COOKIE_SETTINGS = [
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_DOMAIN",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN",
]


def settings_in_environment(**env: str) -> dict:
    """COOKIE_SETTINGS as config/settings.py derives them in a fresh process with only `env` set."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environ.update(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY="p" * 60, **env)
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {COOKIE_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def sign_in(client, email="owner@example.com", password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


# __Host- cookies -----------------------------------------------------------------------------------


def test_production_cookies_are_host_prefixed_secure_for_the_whole_site_and_without_domain():
    values = settings_in_environment()
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    for prefix in ("SESSION", "CSRF"):
        assert values[f"{prefix}_COOKIE_SECURE"] is True
        assert values[f"{prefix}_COOKIE_PATH"] == "/"
        assert values[f"{prefix}_COOKIE_DOMAIN"] is None


def test_the_prefix_follows_secure_cookies_alone_and_plain_http_keeps_plain_names():
    """Browsers drop a __Host- cookie that is not Secure: without secure cookies (local http runs) the prefix
    would lock everyone out."""
    for secure, session, csrf in [
        ("true", "__Host-sessionid", "__Host-csrftoken"),
        ("false", "sessionid", "csrftoken"),
    ]:
        values = settings_in_environment(DJANGO_DEBUG="true", DJANGO_SECURE_COOKIES=secure)
        assert (values["SESSION_COOKIE_NAME"], values["CSRF_COOKIE_NAME"]) == (session, csrf)
        assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is (secure == "true")


def test_a_real_sign_in_sets_host_prefixed_cookies_and_reads_them_back(owner, settings):
    for name, value in settings_in_environment().items():
        setattr(settings, name, value)
    client = Client(enforce_csrf_checks=True)
    login_page = client.get(reverse("account_login"))
    csrf = login_page.cookies["__Host-csrftoken"]
    response = sign_in(client, headers={"X-CSRFToken": csrf.value})
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True and cookie["path"] == "/" and cookie["domain"] == ""
    assert session["httponly"] is True
    assert "sessionid" not in client.cookies and "csrftoken" not in client.cookies
    assert client.get(reverse("accounts:profile")).status_code == 200


# Reauthentication before changing addresses ------------------------------------------------------------


def reauthenticate(client, next_url: str):
    return client.post(f"{reverse('account_reauthenticate')}?next={next_url}", {"password": PASSWORD})


def test_adding_an_email_address_asks_for_the_password_again(owner_client, owner, mailoutbox):
    email_page = reverse("account_email")
    response = owner_client.post(email_page, {"email": "second@example.com", "action_add": ""})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="second@example.com").exists()
    assert mailoutbox == []

    reauthenticate(owner_client, email_page)
    added = EmailAddress.objects.get(email="second@example.com")
    assert added.user == owner.user and not added.verified
    assert mailoutbox[0].to == ["second@example.com"]


def test_making_an_address_primary_asks_for_the_password_again(owner_client, owner):
    EmailAddress.objects.create(user=owner.user, email="second@example.com", verified=True)
    email_page = reverse("account_email")
    response = owner_client.post(email_page, {"email": "second@example.com", "action_primary": ""})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert EmailAddress.objects.get_primary(owner.user).email == "owner@example.com"

    reauthenticate(owner_client, email_page)
    assert EmailAddress.objects.get_primary(owner.user).email == "second@example.com"


# Login lockout ----------------------------------------------------------------------------------------


def test_a_locked_out_sign_in_answers_429_with_retry_after_even_for_the_right_password(client, owner):
    for _ in range(5):  # allauth's login_failed limit: 5 per email in 5 minutes
        wrong = sign_in(client, password="wrong")
        assert wrong.status_code == 200 and "Retry-After" not in wrong
    locked = sign_in(client)
    assert locked.status_code == 429
    assert b"Too many attempts" in locked.content
    wait = int(locked["Retry-After"])
    assert 290 <= wait <= 300
    assert "_auth_user_id" not in client.session

    with time_machine.travel(timezone.now() + timedelta(seconds=wait - 30)):
        assert sign_in(client).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(seconds=wait + 1)):
        assert sign_in(client).status_code == 302


def test_login_limits_count_the_client_behind_a_trusted_proxy_and_only_there(client, owner, settings):
    """allauth's per-address limit (10 failures a minute) takes config.proxies.client_address: behind our
    proxy each client has its own count, and a direct caller cannot pick a fresh address per attempt."""

    def fail(remote: str, forwarded_for: str, email: str) -> int:
        headers = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded_for}
        return sign_in(client, email=email, password="wrong", **headers).status_code

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for n in range(10):
        assert fail("192.0.2.50", f"203.0.113.{n}", f"direct{n}@example.com") == 200
    assert fail("192.0.2.50", "203.0.113.99", "direct99@example.com") == 429

    for n in range(10):
        assert fail("10.0.0.2", "198.51.100.7", f"proxied{n}@example.com") == 200
    assert fail("10.0.0.2", "198.51.100.7", "proxied99@example.com") == 429
    assert fail("10.0.0.2", "198.51.100.8", "proxied98@example.com") == 200
    other_client = sign_in(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other_client.status_code == 302


# Sign-up does not reveal registered addresses ----------------------------------------------------------


def sign_up(email: str):
    client = Client()
    response = client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD})
    return response, client.get(response["Location"])


def test_signing_up_with_a_registered_address_looks_like_a_new_sign_up(owner, mailoutbox):
    new, new_page = sign_up("new@example.com")
    taken, taken_page = sign_up("OWNER@example.com")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert taken_page.status_code == new_page.status_code == 200
    assert taken_page.content.decode().replace("owner@example.com", "new@example.com") == new_page.content.decode()
    assert User.objects.filter(email="owner@example.com").count() == 1

    to_new, to_owner = mailoutbox
    assert to_new.to == ["new@example.com"] and "confirm" in to_new.body.lower()
    assert to_owner.to == ["owner@example.com"] and "already exists" in to_owner.subject.lower()
    assert "/accounts/password/reset/" in to_owner.body


def test_a_registered_but_unconfirmed_address_signing_in_gets_a_confirmation_email_not_a_session(
    client, db, mailoutbox
):
    UserFactory(email="late@example.com", email_verified=False)
    response = sign_in(client, email="late@example.com")
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:profile")).status_code == 302
    assert mailoutbox[0].to == ["late@example.com"]
