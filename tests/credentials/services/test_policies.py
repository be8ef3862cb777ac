"""The owner's policies and the cron command that applies them: unused credentials are disabled,
expiring ones announced, each exactly once however many hosts run the command."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from credentials import services
from credentials.models import Credential
from tests.credentials.helpers import bearer, database_url_for_subprocesses
from tests.factories import MembershipFactory

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def enforce(django_capture_on_commit_callbacks):
    """The policy run, with the emails it sends when its transactions commit."""

    def run() -> dict[str, int]:
        with django_capture_on_commit_callbacks(execute=True):
            return services.enforce_credential_policies()

    return run


@pytest.fixture
def unused_policy(owner):
    return services.set_credential_policies(owner=owner, max_lifetime_days=None, disable_unused_after_days=30)


def later(days: float):
    return time_machine.travel(timezone.now() + timedelta(days=days))


def test_unused_credentials_are_disabled_after_the_owners_period(member, unused_policy, region, enforce):
    stale, stale_secret = services.generate_credential(membership=member, name="stale")
    with later(20):
        used, _ = services.generate_credential(membership=member, name="used")
    with later(31):
        assert enforce() == {"disabled": 1, "reminded": 0}
        stale.refresh_from_db()
        used.refresh_from_db()
        assert stale.status == "disabled"
        assert stale.disabled_reason == "Unused for more than 30 days."
        assert used.status == "active"
        response = Client().get("/api/v1/me", headers=bearer(stale_secret))
        assert response.status_code == 401
    event = AuditEvent.objects.get(action="credential.disabled")
    assert event.subject == member.user
    assert event.actor is None
    assert [message.to for message in mail.outbox] == [[member.user.email]]
    assert "was disabled" in mail.outbox[0].subject
    assert "stopped working immediately" in mail.outbox[0].body


def test_recent_use_keeps_a_credential_enabled(client, member, unused_policy, region, enforce):
    _credential, secret = services.generate_credential(membership=member, name="busy")
    with later(25):
        assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    with later(40):
        assert enforce()["disabled"] == 0
    with later(56):
        assert enforce()["disabled"] == 1


def test_enabling_restarts_the_unused_clock(member, unused_policy, enforce):
    credential, _ = services.generate_credential(membership=member, name="a")
    with later(31):
        enforce()
        services.enable_credential(membership=member, client_id=credential.client_id)
        assert enforce()["disabled"] == 0
    with later(62):
        assert enforce()["disabled"] == 1


def test_running_twice_changes_nothing_the_second_time(member, unused_policy, enforce):
    services.generate_credential(membership=member, name="a", expires_in_days=30)
    services.generate_credential(membership=member, name="b")
    with later(31):
        first = enforce()
        second = enforce()
    assert first == {"disabled": 1, "reminded": 0}  # "a" expired: nothing left to disable
    assert second == {"disabled": 0, "reminded": 0}
    assert AuditEvent.objects.filter(action="credential.disabled").count() == 1
    assert len(mail.outbox) == 1


def test_accounts_without_the_policy_are_left_alone(member, enforce):
    services.generate_credential(membership=member, name="a")
    with later(400):
        assert enforce()["disabled"] == 0


def test_expiry_reminder_is_sent_once_seven_days_before(member, enforce):
    credential, _ = services.generate_credential(membership=member, name="short", expires_in_days=30)
    with later(22):
        assert enforce()["reminded"] == 0
    with later(23.5):
        assert enforce()["reminded"] == 1
        assert enforce()["reminded"] == 0
        assert list(services.expiring_soon(member)) == [credential]
    assert len(mail.outbox) == 1
    reminder = mail.outbox[0]
    assert reminder.to == [member.user.email]
    assert f"/settings/credentials/new/?successor={credential.client_id}" in reminder.body
    assert "rotate without downtime" in reminder.body


def test_successor_defaults_keep_every_limit_and_a_similar_lifetime(member, region, other_region):
    credential, _ = services.generate_credential(
        membership=member,
        name="deploy",
        regions=["us-region-2"],
        expires_in_days=90,
        permissions=["compute:read"],
        allowed_ips=["192.0.2.0/24"],
        allowed_ips_mode="report",
    )
    assert services.successor_defaults(credential) == {
        "name": "deploy-v2",
        "regions": ["us-region-2"],
        "expires_in_days": 90,
        "permissions": ["compute:read"],
        "allowed_ips": ["192.0.2.0/24"],
        "allowed_ips_mode": "report",
    }
    credential.name = "deploy-v2"
    assert services.successor_defaults(credential)["name"] == "deploy-v3"


def test_policies_are_audited_and_validated(owner):
    services.set_credential_policies(owner=owner, max_lifetime_days=90, disable_unused_after_days=60)
    event = AuditEvent.objects.get(action="account.credential_policies_changed")
    assert event.target == "longest credential lifetime: 90 days; disable credentials unused for: 60 days"
    services.set_credential_policies(owner=owner, max_lifetime_days=None, disable_unused_after_days=None)
    cleared = AuditEvent.objects.filter(action="account.credential_policies_changed").latest("id")
    assert cleared.target == "longest credential lifetime: no limit; disable credentials unused for: never"
    with pytest.raises(services.ValidationError):
        services.set_credential_policies(owner=owner, max_lifetime_days=0, disable_unused_after_days=None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_cron_runs_disable_and_email_each_credential_once(owner):
    """Four processes run the command at the same moment against the same database (PostgreSQL in CI)."""
    services.set_credential_policies(owner=owner, max_lifetime_days=None, disable_unused_after_days=30)
    members = [MembershipFactory(account=owner.account) for _ in range(6)]
    past = timezone.now() - timedelta(days=45)
    for index, membership in enumerate(members):
        services.generate_credential(membership=membership, name=f"old-{index}")
        services.generate_credential(membership=membership, name=f"soon-{index}", expires_in_days=365)
    Credential.objects.filter(name__startswith="old-").update(created_at=past)
    Credential.objects.filter(name__startswith="soon-").update(
        created_at=past, last_used_at=timezone.now(), expires_at=timezone.now() + timedelta(days=3)
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocesses(),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "manage.py", "enforce_credential_policies"]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0]
    summaries = [re.search(r"Disabled (\d+) .* sent (\d+) ", output).groups() for output in outputs]
    assert sum(int(disabled) for disabled, _ in summaries) == 6
    assert sum(int(reminded) for _, reminded in summaries) == 6
    printed = "".join(outputs)
    assert printed.count("Subject: Your credential old-") == 6
    assert printed.count("Subject: Your credential soon-") == 6
    assert Credential.objects.filter(name__startswith="old-", disabled_at__isnull=False).count() == 6
    assert AuditEvent.objects.filter(action="credential.disabled").count() == 6


def test_command_reports_what_it_did(member, unused_policy, capsys):
    services.generate_credential(membership=member, name="a")
    with later(31):
        call_command("enforce_credential_policies")
    assert "Disabled 1 unused credential(s), sent 0 expiry reminder(s)" in capsys.readouterr().out
