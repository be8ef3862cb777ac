"""The portal side of credential governance: regions and expiry in the generate form, successors,
disable and enable, the expiry banner, the usage page and the owner's credential policies."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import ROTATION_HELP, TAKES_EFFECT, disable_credential, generate_credential
from tests.credentials.helpers import bearer, generate_in_portal
from tests.regional.conftest import seeded_region

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")
POLICIES = reverse("credentials:policies")
CAP_ERROR = "The account owner allows credentials to live at most 60 days."


@pytest.fixture(autouse=True)
def regions(db):
    return seeded_region("us-region-1"), seeded_region("us-region-2")


def successor_url(credential) -> str:
    return f"{GENERATE}?successor={credential.client_id}"


def url(name, credential) -> str:
    return reverse(f"credentials:{name}", args=[credential.client_id])


def regional(account, region="us-region-1") -> str:
    return f"/regional/{region}/v1/cloudaccounts/{account.cloud_account_id}/instancetypes"


def cap(account, days=60):
    account.credential_max_lifetime_days = days
    account.save()


def selected_expiry(content: str) -> str:
    select = re.search(r'<select name="expires_in_days".*?</select>', content, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


# Generate: regions and expiry --------------------------------------------------------------------


def test_the_form_offers_regions_and_expiry(member_client):
    content = member_client.get(GENERATE).content.decode()
    assert "<legend>Regions</legend>" in content
    assert 'type="checkbox" name="regions" value="us-region-1"' in content
    assert "Leave every box unchecked to allow all regions" in content
    assert ">Expires</label>" in content
    assert '<option value="30">30 days</option>' in content
    assert selected_expiry(content) == ""  # "Never", the default without an owner's cap


def test_generating_with_regions_and_expiry_shows_them_on_the_created_page(member_client, member):
    response = generate_in_portal(
        member_client, name="deploy", regions=["us-region-2", "us-region-1"], expires_in_days="30"
    )
    assert response.status_code == 200
    credential = Credential.objects.get(membership=member)
    assert credential.regions == ["us-region-1", "us-region-2"]
    assert abs(credential.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    content = response.content.decode()
    assert "us-region-1, us-region-2" in content
    assert f"{credential.expires_at:%Y-%m-%d %H:%M} UTC" in content


def test_no_region_checked_means_all_regions_and_never_means_no_expiry(member_client, member):
    content = generate_in_portal(member_client, name="deploy", expires_in_days="").content.decode()
    credential = Credential.objects.get(membership=member)
    assert credential.regions == [] and credential.expires_at is None
    assert "All regions" in content and "Never expires" in content


def test_the_owners_cap_is_explained_and_never_is_not_offered(member_client, member):
    cap(member.account)
    content = member_client.get(GENERATE).content.decode()
    assert "at most 60 days" in content
    assert ">Never</option>" not in content
    assert selected_expiry(content) == "60"


@pytest.mark.parametrize("days", ["", "90", "365"])
def test_the_owners_cap_refuses_never_and_longer_lifetimes(member_client, member, days):
    cap(member.account)
    response = generate_in_portal(member_client, name="deploy", expires_in_days=days)
    assert response.status_code == 400
    assert CAP_ERROR in response.content.decode()
    assert not Credential.objects.exists()


def test_an_unknown_region_is_refused(member_client):
    response = generate_in_portal(member_client, name="deploy", regions=["mars-1"])
    assert response.status_code == 400
    assert not Credential.objects.exists()


# Successors ------------------------------------------------------------------------------------


def test_a_successor_is_prefilled_from_its_predecessor(member_client, member):
    old, _ = generate_credential(membership=member, name="deploy", regions=["us-region-2"], expires_in_days=90)
    response = member_client.get(successor_url(old))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Generate a successor to deploy" in content
    assert ROTATION_HELP in content
    assert 'value="deploy-v2"' in content
    assert re.search(r'value="us-region-2"[^>]*checked', content)
    assert not re.search(r'value="us-region-1"[^>]*checked', content)
    assert selected_expiry(content) == "90"


def test_generating_the_successor_keeps_the_predecessor(member_client, member):
    old, _ = generate_credential(membership=member, name="deploy-v2", regions=["us-region-1"])
    response = generate_in_portal(
        member_client, f"?successor={old.client_id}", name="deploy-v3", regions=["us-region-1"]
    )
    assert response.status_code == 200
    assert sorted(Credential.objects.values_list("name", flat=True)) == ["deploy-v2", "deploy-v3"]


def test_a_successor_under_the_cap_falls_back_to_the_cap(member_client, member):
    old, _ = generate_credential(membership=member, name="deploy")
    cap(member.account)
    assert selected_expiry(member_client.get(successor_url(old)).content.decode()) == "60"


def test_at_the_limit_the_successor_page_says_to_delete_the_other_first(member_client, member):
    old, _ = generate_credential(membership=member, name="deploy")
    other, _ = generate_credential(membership=member, name="laptop")
    response = member_client.get(successor_url(old))
    content = response.content.decode()
    assert response.status_code == 200
    assert "You already have two credentials, the limit." in content
    assert "Delete the other one first" in content
    assert url("delete", other) in content and f"Delete {other.name}" in content
    assert "Generate Secret" not in content


def test_a_successor_of_someone_elses_credential_answers_404(client, owner, member, outsider):
    credential, _ = generate_credential(membership=member, name="deploy")
    for who in (owner, outsider):
        client.force_login(who.user)
        assert client.get(successor_url(credential)).status_code == 404


def test_a_successor_of_an_unknown_credential_answers_404(member_client):
    assert member_client.get(f"{GENERATE}?successor=cid_nope").status_code == 404


# The list, disable and enable ------------------------------------------------------------------


def test_the_list_shows_status_expiry_regions_and_last_use(member_client, member):
    restricted, _ = generate_credential(membership=member, name="deploy", regions=["us-region-1"], expires_in_days=30)
    generate_credential(membership=member, name="laptop")
    Credential.objects.filter(pk=restricted.pk).update(
        last_used_at=timezone.now(), last_used_ip="10.0.0.7", last_used_region="us-region-1"
    )
    content = member_client.get(LIST).content.decode()
    assert content.count(">Active<") == 2
    assert f"{restricted.expires_at:%Y-%m-%d %H:%M} UTC" in content and "Never expires" in content
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
    assert "Disabled</strong>" in content and "Disabled by its member." in content
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
        assert "Expired</strong>" in content
        assert successor_url(credential) in content
        client.force_login(owner.user)
        assert "Expired</strong>" in client.get(LIST).content.decode()
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
    assert "Disabled</strong>" in content and "Unused for more than 30 days." in content
    assert "us-region-2" in content and f"{credential.expires_at:%Y-%m-%d %H:%M} UTC" in content
    assert url("usage", credential) in content and url("revoke", credential) in content
    assert url("enable", credential) not in content and url("disable", credential) not in content


# The expiry banner -----------------------------------------------------------------------------


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


# Usage -----------------------------------------------------------------------------------------


def test_the_usage_page_counts_bearer_requests_per_region(client, member):
    credential, secret = generate_credential(membership=member, name="deploy", regions=["us-region-1"])
    for _ in range(3):
        assert client.get(regional(member.account), headers=bearer(secret)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    assert client.get(regional(member.account, "us-region-2"), headers=bearer(secret)).status_code == 401
    client.force_login(member.user)
    response = client.get(url("usage", credential))
    content = response.content.decode()
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.total_requests == 4 and summary.total_failures == 1
    assert summary.requests["us-region-1"][-1] == 3 and summary.requests[""][-1] == 1
    assert "<svg" in content and 'role="img"' in content and "<title>" in content
    assert content.count("<polyline") == 2
    assert "API and OAuth (1)" in content and "us-region-1 (3)" in content
    assert "<details>" in content and "Requests per day (UTC) and region" in content
    assert "This credential may be used only in us-region-1, not in us-region-2." in content
    assert "127.0.0.1" in content


def test_the_usage_page_obeys_the_csp(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    response = member_client.get(url("usage", credential))
    content = response.content.decode()
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert " style=" not in content and "<script>" not in content
    assert "No requests in the last 7 days." in content


def test_the_owner_sees_a_members_usage(owner_client, member):
    credential, secret = generate_credential(membership=member, name="deploy")
    owner_client.get(regional(member.account), headers=bearer(secret))
    content = owner_client.get(url("usage", credential)).content.decode()
    assert "Usage of deploy" in content and "member@example.com" in content
    assert "us-region-1 (1)" in content


def test_a_member_sees_only_their_own_usage(member_client, owner):
    credential, _ = generate_credential(membership=owner, name="owners-key")
    assert member_client.get(url("usage", credential)).status_code == 404


def test_an_outsider_gets_404_for_usage(outsider_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    assert outsider_client.get(url("usage", credential)).status_code == 404
    assert outsider_client.get(reverse("credentials:usage", args=["cid_nope"])).status_code == 404


def test_usage_refuses_post_and_anonymous_visitors(client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    response = client.get(url("usage", credential))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    client.force_login(member.user)
    assert client.post(url("usage", credential)).status_code == 405


# Credential policies ---------------------------------------------------------------------------


def test_the_owner_sees_the_policy_form_with_its_explanation(owner_client):
    content = owner_client.get(LIST).content.decode()
    assert "Credential policies" in content
    assert "Longest credential lifetime (days)" in content
    assert "Disable credentials unused for (days)" in content
    assert "manage.py enforce_credential_policies" in content and "hourly" in content


def test_a_member_sees_no_policy_form(member_client):
    assert "Credential policies" not in member_client.get(LIST).content.decode()


def test_the_owner_sets_and_clears_policies(owner_client, owner):
    response = owner_client.post(POLICIES, {"max_lifetime_days": "90", "disable_unused_after_days": "30"}, follow=True)
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days == 90
    assert owner.account.disable_unused_credentials_after_days == 30
    assert "Credential policies saved." in response.content.decode()
    event = AuditEvent.objects.get(action="account.credential_policies_changed")
    assert event.actor == owner.user and "90" in event.target
    owner_client.post(POLICIES, {"max_lifetime_days": "", "disable_unused_after_days": ""})
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days is None
    assert owner.account.disable_unused_credentials_after_days is None


@pytest.mark.parametrize("value", ["0", "5000"])
def test_out_of_range_policies_are_refused_with_a_message(owner_client, owner, value):
    response = owner_client.post(POLICIES, {"max_lifetime_days": value, "disable_unused_after_days": ""})
    assert response.status_code == 400
    assert "between 1 and 3650 days" in response.content.decode()
    owner.account.refresh_from_db()
    assert owner.account.credential_max_lifetime_days is None


def test_a_member_cannot_set_policies(member_client, member):
    assert member_client.get(POLICIES).status_code == 403
    assert member_client.post(POLICIES, {"max_lifetime_days": "1"}).status_code == 403
    member.account.refresh_from_db()
    assert member.account.credential_max_lifetime_days is None
    assert not AuditEvent.objects.filter(action="account.credential_policies_changed").exists()


def test_policies_need_sign_in(client):
    response = client.post(POLICIES, {"max_lifetime_days": "1"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
