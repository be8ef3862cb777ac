import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse


def enrol_totp(user) -> str:
    """Gives `user` the authenticator the activation page would create; returns its secret for `totp_code`."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret: str) -> str:
    """What the authenticator app shows right now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


def sign_in(client, email: str, password: str, secret: str | None = None, next_url: str = ""):
    """Signs in through allauth's login page, answering its TOTP step when the user has an authenticator."""
    response = client.post(reverse("account_login"), {"login": email, "password": password, "next": next_url})
    if secret is not None:
        assert response["Location"] == reverse("mfa_authenticate"), response
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.content
    return response
