"""The portal's credential list and delete: what a row shows, who sees what, 404s for the rest,
sign-in required."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import disable_credential, generate_credential
from tests.credentials.portal.pages import row, text, time_element, utc

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")


def test_the_list_shows_name_client_id_and_last_used(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = member_client.get(LIST).content.decode()
    assert "deploy" in content and credential.client_id in content and "Never" in content
    assert "Actions" in content and "Delete" in content
    assert "<dialog" in content


def actions_menu(row_html: str) -> str:
    """The row's <details class="menu"> whose summary says Actions."""
    return re.search(r'<details class="menu">\s*<summary>Actions</summary>.*?</details>', row_html, re.S).group(0)


def test_a_row_shows_a_short_client_id_with_the_full_one_to_copy(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    mine = row(member_client.get(LIST).content.decode(), "deploy")
    short = f"{credential.client_id[:8]}…{credential.client_id[-4:]}"
    assert f'<code class="client-id" title="{credential.client_id}" aria-hidden="true">{short}</code>' in mine
    copied = re.search(r'<span class="visually-hidden" id="(client-id-1)">([^<]+)</span>', mine)
    assert copied.group(2) == credential.client_id
    assert f'data-copy="{copied.group(1)}" aria-label="Copy client ID of deploy"' in mine


def test_a_row_shows_the_secrets_last_characters_and_never_more(member_client, member):
    credential, secret = generate_credential(membership=member, name="deploy")
    mine = row(member_client.get(LIST).content.decode(), "deploy")
    assert len(credential.secret_hint) == 4 and secret.endswith(credential.secret_hint)
    assert f"Secret ending in ••••{credential.secret_hint}" in text(mine)
    assert secret[-8:] not in mine


def test_every_time_in_a_row_is_in_utc_and_says_so(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy", expires_in_days=30)
    Credential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now(), last_used_ip="10.0.0.7")
    credential.refresh_from_db()
    mine = row(member_client.get(LIST).content.decode(), "deploy")
    shown = text(mine)
    for moment in (credential.created_at, credential.expires_at, credential.last_used_at):
        assert time_element(moment) in mine
    assert f"Created {utc(credential.created_at)}" in shown
    assert utc(credential.expires_at) in shown and utc(credential.last_used_at) in shown
    assert len(re.findall(r"<time ", mine)) == len(re.findall(r"\d\d:\d\d UTC</span></time>", mine)) == 3


def test_the_status_is_a_badge(member_client, member):
    generate_credential(membership=member, name="deploy")
    disabled, _ = generate_credential(membership=member, name="laptop")
    disable_credential(credential=disabled, by=member.user, reason="Disabled by its member.")
    content = member_client.get(LIST).content.decode()
    assert '<span class="badge badge--success badge--active">Active</span>' in row(content, "deploy")
    assert '<span class="badge badge--warning badge--disabled">Disabled</span>' in row(content, "laptop")


def test_a_rows_actions_are_in_an_actions_menu_ending_with_a_destructive_delete(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    menu = actions_menu(row(member_client.get(LIST).content.decode(), "deploy"))
    labels = re.findall(r"<(?:a|button)\b[^>]*>([^<]+)</(?:a|button)>", menu)
    assert labels == ["Usage", "Disable", "Delete"]
    delete = reverse("credentials:delete", args=[credential.client_id])
    assert f'<a href="{delete}" class="menu__item--danger" data-opens="delete-1">Delete</a>' in menu
    assert (
        '<dialog id="delete-1" class="confirm" aria-labelledby="delete-1-title">'
        in member_client.get(LIST).content.decode()
    )


def test_the_owners_menu_for_a_members_credential_offers_usage_and_revoke(owner_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    theirs = row(owner_client.get(LIST).content.decode(), "deploy")
    menu = actions_menu(theirs)
    assert re.findall(r"<a\b[^>]*>([^<]+)</a>", menu) == ["Usage", "Revoke"]
    assert f'href="{reverse("credentials:revoke", args=[credential.client_id])}" class="menu__item--danger"' in menu
    assert "member@example.com" in theirs and credential.secret_hint in theirs


def test_delete_with_the_right_name(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    url = reverse("credentials:delete", args=[credential.client_id])
    response = member_client.post(url, {"name": "deploy"}, follow=True)
    assert not Credential.objects.exists()
    assert "was deleted" in response.content.decode()
    assert AuditEvent.objects.filter(action="credential.deleted").exists()


def test_delete_with_a_wrong_name_is_refused_with_a_message(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    url = reverse("credentials:delete", args=[credential.client_id])
    response = member_client.post(url, {"name": "deploi"})
    assert response.status_code == 400
    assert "Type the secret name deploy exactly" in response.content.decode()
    assert Credential.objects.exists()


def test_the_delete_page_works_without_javascript(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = member_client.get(reverse("credentials:delete", args=[credential.client_id])).content.decode()
    assert 'name="name"' in content and "takes effect immediately" in content


def test_the_delete_dialog_warns_when_the_credential_is_still_in_use(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    Credential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now(), last_used_ip="10.0.0.7")
    content = member_client.get(LIST).content.decode()
    assert "still in use" in content and "10.0.0.7" in content


def test_someone_elses_credential_answers_404(client, owner, member, outsider):
    credential, _ = generate_credential(membership=member, name="deploy")
    url = reverse("credentials:delete", args=[credential.client_id])
    for who in (owner, outsider):
        client.force_login(who.user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "deploy"}).status_code == 404
    assert Credential.objects.exists()


def test_an_unknown_credential_answers_404(member_client):
    assert member_client.post(reverse("credentials:delete", args=["cid_nope"]), {"name": "x"}).status_code == 404


def test_the_owner_sees_members_credentials_but_never_a_secret(owner_client, member):
    credential, secret = generate_credential(membership=member, name="deploy")
    content = owner_client.get(LIST).content.decode()
    assert "member@example.com" in content and credential.client_id in content
    assert secret not in content and credential.secret_digest not in content


def test_a_member_does_not_see_other_members_credentials(member_client, owner):
    credential, _ = generate_credential(membership=owner, name="owners-key")
    assert credential.client_id not in member_client.get(LIST).content.decode()


@pytest.mark.parametrize("url", [LIST, GENERATE])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_list_refuses_post(member_client):
    assert member_client.post(LIST).status_code == 405
