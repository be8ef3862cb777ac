"""The banner that warns of credentials expiring within seven days."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from credentials.services import ROTATION_HELP, generate_credential

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")

pytestmark = pytest.mark.usefixtures("regions")


def successor_url(credential) -> str:
    return f"{GENERATE}?successor={credential.client_id}"


def test_the_banner_appears_within_seven_days_of_expiry(client, member):
    credential, _ = generate_credential(membership=member, name="deploy", expires_in_days=30)
    banner = f"Credential deploy expires on {credential.expires_at:%Y-%m-%d}"
    with time_machine.travel(timezone.now() + timedelta(days=22), tick=False):
        client.force_login(member.user)
        assert banner not in client.get(LIST).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=24), tick=False):
        client.force_login(member.user)
        for page in (LIST, reverse("accounts:profile"), reverse("accounts:activity")):
            content = client.get(page).content.decode()
            assert banner in content
            assert f'href="{successor_url(credential)}">Generate a successor</a>' in content
            assert ROTATION_HELP in content
            assert "You already have two credentials" not in content
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        client.force_login(member.user)
        assert banner not in client.get(LIST).content.decode()


def test_the_banner_at_the_limit_says_to_delete_one_first(client, member):
    generate_credential(membership=member, name="deploy", expires_in_days=30)
    generate_credential(membership=member, name="laptop")
    with time_machine.travel(timezone.now() + timedelta(days=25), tick=False):
        client.force_login(member.user)
        content = client.get(LIST).content.decode()
    assert "Credential deploy expires on" in content
    assert "You already have two credentials, the limit:" in content


def test_the_banner_shows_only_ones_own_credentials(client, owner, member):
    generate_credential(membership=member, name="deploy", expires_in_days=30)
    with time_machine.travel(timezone.now() + timedelta(days=25), tick=False):
        client.force_login(owner.user)
        assert "expires on" not in client.get(LIST).content.decode()
