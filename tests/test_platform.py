import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import AuditEvent


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_unknown_api_path_answers_json_404(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_unknown_portal_path_answers_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_api_server_error_is_json(client, settings):
    from django.test import RequestFactory

    from config.errors import server_error

    response = server_error(RequestFactory().get("/api/v1/me"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_anonymous_api_call_is_refused_with_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_me_describes_the_session_user(owner_client, owner):
    body = owner_client.get("/api/v1/me").json()
    assert body["user"]["email"] == "owner@example.com"
    assert body["account"]["cloud_account_id"] == owner.account.cloud_account_id
    assert body["role"] == "owner"


@pytest.mark.django_db
def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert response["Location"].startswith("/admin/login/")
    assert login.status_code == 302 and login["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_audit_events_are_read_only_in_the_admin(admin_client, owner):
    event = AuditEvent.objects.create(account=owner.account, actor=owner.user, action="x")
    page = admin_client.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert b'name="action"' not in page.content
    assert admin_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    admin_client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["user", "account", "membership", "invitation", "auditevent"])
def test_the_admin_lists_every_accounts_model(admin_client, model):
    assert admin_client.get(reverse(f"admin:accounts_{model}_changelist")).status_code == 200


def test_the_deploy_check_is_clean_in_production_settings():
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(
        DJANGO_SECRET_KEY="x" * 60 + "production-like-key-for-the-check",
        DJANGO_ALLOWED_HOSTS="example.com",
        OAUTH_ISSUER="https://example.com",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
