"""Status in the portal's list, and disabling and enabling a credential there."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import TAKES_EFFECT, disable_credential, generate_credential
from tests.credentials.helpers import bearer
from tests.credentials.portal.pages import text, utc

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")

pytestmark = pytest.mark.usefixtures("regions")


def successor_url(credential) -> str:
    return f"{GENERATE}?successor={credential.client_id}"


def url(name, credential) -> str:
    return reverse(f"credentials:{name}", args=[credential.client_id])


def test_the_list_shows_status_expiry_regions_and_last_use(member_client, member):
    restricted, _ = generate_credential(membership=member, name="deploy", regions=["us-region-1"], expires_in_days=30)
    generate_credential(membership=member, name="laptop")
    Credential.objects.filter(pk=restricted.pk).update(
        last_used_at=timezone.now(), last_used_ip="10.0.0.7", last_used_region="us-region-1"
    )
    content = member_client.get(LIST).content.decode()
    assert content.count(">Active<") == 2
    assert utc(restricted.expires_at) in text(content) and "Never expires" in content
    assert "All regions" in content
    assert "10.0.0.7" in content and "· us-region-1" in content
    assert url("usage", restricted) in content
    assert url("disable", restricted) in content


def test_disabling_through_the_portal(member_client, member):
    credential, secret = generate_credential(membership=member, name="deploy")
    response = member_client.post(url("disable", credential), follow=True)
    credential.refresh_from_db()
    assert credential.disabled_at is not None and credential.disabled_reason == "Disabled by its member."
    content = response.content.decode()
    assert f"Credential deploy was disabled. {TAKES_EFFECT}" in content
    assert (
        '<span class="badge badge--warning badge--disabled">Disabled</span>' in content
        and "Disabled by its member." in content
    )
    assert url("enable", credential) in content
    assert AuditEvent.objects.filter(action="credential.disabled", actor=member.user).exists()
    assert member_client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_the_disable_confirmation_page_works_without_javascript(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = member_client.get(url("disable", credential)).content.decode()
    assert "Disable credential deploy" in content
    assert f'action="{url("disable", credential)}"' in content and ">Disable</button>" in content
    assert "<dialog" in member_client.get(LIST).content.decode()
    assert Credential.objects.get().disabled_at is None


def test_disabling_twice_says_it_already_was(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    member_client.post(url("disable", credential))
    response = member_client.post(url("disable", credential), follow=True)
    assert "was already disabled" in response.content.decode()
    assert AuditEvent.objects.filter(action="credential.disabled").count() == 1


def test_enabling_through_the_portal(member_client, member):
    credential, secret = generate_credential(membership=member, name="deploy")
    disable_credential(credential=credential, by=None, reason="Unused for more than 30 days.")
    response = member_client.post(url("enable", credential), follow=True)
    credential.refresh_from_db()
    assert credential.disabled_at is None and credential.enabled_at is not None
    assert "Credential deploy was enabled. It works again immediately." in response.content.decode()
    assert member_client.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_an_expired_credential_is_shown_expired_and_cannot_be_enabled(client, owner, member):
    credential, _ = generate_credential(membership=member, name="deploy", expires_in_days=30)
    disable_credential(credential=credential, by=member.user, reason="Disabled by its member.")
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        client.force_login(member.user)
        response = client.post(url("enable", credential), follow=True)
        assert "This credential has expired, so it cannot be enabled." in response.content.decode()
        Credential.objects.filter(pk=credential.pk).update(disabled_at=None, disabled_reason="")
        content = client.get(LIST).content.decode()
        assert '<span class="badge badge--danger badge--expired">Expired</span>' in content
        assert successor_url(credential) in content
        client.force_login(owner.user)
        assert '<span class="badge badge--danger badge--expired">Expired</span>' in client.get(LIST).content.decode()
    assert Credential.objects.get().disabled_at is None


@pytest.mark.parametrize("action", ["disable", "enable"])
def test_only_the_member_disables_or_enables_their_credential(client, owner, member, outsider, action):
    credential, _ = generate_credential(membership=member, name="deploy")
    if action == "enable":
        disable_credential(credential=credential, by=member.user, reason="Disabled by its member.")
    before = Credential.objects.values_list("disabled_at", flat=True).get()
    for who in (owner, outsider):
        client.force_login(who.user)
        assert client.post(url(action, credential)).status_code == 404
    assert Credential.objects.values_list("disabled_at", flat=True).get() == before


def test_disable_and_enable_answer_404_for_unknown_credentials(member_client):
    for action in ("disable", "enable"):
        assert member_client.post(reverse(f"credentials:{action}", args=["cid_nope"])).status_code == 404


def test_enable_refuses_get_and_anonymous_visitors_sign_in(client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    for action in ("disable", "enable"):
        response = client.post(url(action, credential))
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(member.user)
    assert client.get(url("enable", credential)).status_code == 405
    assert client.put(url("disable", credential)).status_code == 405


def test_delete_and_revoke_messages_say_how_fast_they_take_effect(client, owner, member):
    mine, _ = generate_credential(membership=member, name="deploy")
    theirs, _ = generate_credential(membership=member, name="laptop")
    client.force_login(member.user)
    response = client.post(url("delete", mine), {"name": "deploy"}, follow=True)
    assert f"Credential deploy was deleted. {TAKES_EFFECT}" in response.content.decode()
    client.force_login(owner.user)
    response = client.post(url("revoke", theirs), follow=True)
    assert TAKES_EFFECT in response.content.decode()


def test_the_owner_sees_members_status_expiry_and_regions_but_cannot_disable(owner_client, member):
    credential, _ = generate_credential(membership=member, name="deploy", regions=["us-region-2"], expires_in_days=90)
    disable_credential(credential=credential, by=None, reason="Unused for more than 30 days.")
    content = owner_client.get(LIST).content.decode()
    assert (
        '<span class="badge badge--warning badge--disabled">Disabled</span>' in content
        and "Unused for more than 30 days." in content
    )
    assert "us-region-2" in content and utc(credential.expires_at) in text(content)
    assert url("usage", credential) in content and url("revoke", credential) in content
    assert url("enable", credential) not in content and url("disable", credential) not in content
