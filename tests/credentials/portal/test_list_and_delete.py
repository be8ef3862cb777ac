"""The portal's credential list and delete: who sees what, 404s for the rest, sign-in required."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import generate_credential

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")


def test_the_list_shows_name_client_id_and_last_used(member_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = member_client.get(LIST).content.decode()
    assert "deploy" in content and credential.client_id in content and "Never" in content
    assert "Actions" in content and "Delete" in content
    assert "<dialog" in content


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
    from django.utils import timezone

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
