import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from credentials.models import Credential
from credentials.services import generate_credential
from tests.credentials.helpers import nonce_from

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")


def generate(client, name):
    form = client.get(GENERATE)
    return client.post(GENERATE, {"name": name, "nonce": nonce_from(form)})


def secret_in(response) -> str:
    return re.search(r'<code id="client-secret">([^<]+)</code>', response.content.decode()).group(1)


def test_empty_state_explains_credentials(member_client):
    content = member_client.get(LIST).content.decode()
    assert "No credentials yet" in content
    assert "Generate Client Secret" in content
    assert "You can create a maximum of two credentials." in content


def test_the_form_shows_the_name_instructions(member_client):
    content = member_client.get(GENERATE).content.decode()
    assert "Secret name" in content and "1 to 63 characters" in content
    assert "<li>letters, digits and - only</li>" in content
    assert "unique among your credentials in this account" in content
    assert "Generate Secret" in content


def test_generating_shows_the_secret_once_and_never_caches_it(member_client, member):
    response = generate(member_client, "ci-runner")
    assert response.status_code == 200
    secret = secret_in(response)
    credential = Credential.objects.get()
    assert credential.client_id in response.content.decode()
    assert "shown only once" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert secret not in member_client.get(LIST).content.decode()
    assert secret not in member_client.get(GENERATE).content.decode()


def test_the_secret_is_not_kept_in_the_session_or_messages(member_client):
    secret = secret_in(generate(member_client, "ci-runner"))
    session = member_client.session
    assert all(secret not in str(value) for value in session.values())
    assert secret not in member_client.get(LIST).content.decode()


def test_a_resubmitted_form_does_not_create_another_credential(member_client):
    form = member_client.get(GENERATE)
    data = {"name": "ci-runner", "nonce": nonce_from(form)}
    member_client.post(GENERATE, data)
    again = member_client.post(GENERATE, data, follow=True)
    assert Credential.objects.count() == 1
    assert "already submitted" in again.content.decode()


def test_a_bad_name_is_explained_and_a_new_form_is_offered(member_client):
    response = generate(member_client, "bad name")
    assert response.status_code == 400
    assert "Use only letters, digits and -" in response.content.decode()
    retry = member_client.post(GENERATE, {"name": "good-name", "nonce": nonce_from(response)})
    assert retry.status_code == 200
    assert Credential.objects.get().name == "good-name"


def test_a_taken_name_is_explained(member_client, member):
    generate_credential(membership=member, name="deploy")
    response = generate(member_client, "Deploy")
    assert response.status_code == 400
    assert "already have a credential named Deploy" in response.content.decode()


def test_at_the_limit_the_button_is_disabled_and_the_page_says_why(member_client, member):
    generate_credential(membership=member, name="one")
    generate_credential(membership=member, name="two")
    content = member_client.get(LIST).content.decode()
    assert '<button type="button" disabled>Generate Client Secret</button>' in content
    assert content.count("You can create a maximum of two credentials.") >= 2
    response = member_client.get(GENERATE, follow=True)
    assert "maximum of two credentials" in response.content.decode()
    assert response.redirect_chain[-1][0] == LIST


def test_the_limit_is_rechecked_when_the_form_is_posted(member_client, member):
    form = member_client.get(GENERATE)
    generate_credential(membership=member, name="one")
    generate_credential(membership=member, name="two")
    response = member_client.post(GENERATE, {"name": "three", "nonce": nonce_from(form)}, follow=True)
    assert "maximum of two credentials" in response.content.decode()
    assert Credential.objects.count() == 2


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


def test_the_owner_revokes_a_members_credential(owner_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    url = reverse("credentials:revoke", args=[credential.client_id])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, follow=True)
    assert "was revoked" in response.content.decode()
    assert not Credential.objects.exists()
    assert AuditEvent.objects.filter(action="credential.revoked", subject=member.user).exists()


def test_a_member_cannot_revoke(member_client, owner):
    credential, _ = generate_credential(membership=owner, name="deploy")
    assert member_client.post(reverse("credentials:revoke", args=[credential.client_id])).status_code == 403
    assert Credential.objects.exists()


def test_an_outsider_cannot_revoke(outsider_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    assert outsider_client.post(reverse("credentials:revoke", args=[credential.client_id])).status_code == 404
    assert Credential.objects.exists()


def test_a_member_sees_that_their_credential_was_revoked(client, owner, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    client.force_login(owner.user)
    client.post(reverse("credentials:revoke", args=[credential.client_id]))
    client.force_login(member.user)
    actions = [event.action for event in client.get(reverse("accounts:activity")).context["page"]]
    assert "credential.revoked" in actions


def test_the_revoke_member_page_lists_what_goes_with_them(owner_client, member):
    credential, _ = generate_credential(membership=member, name="deploy")
    content = owner_client.get(reverse("accounts:revoke_member", args=[member.pk])).content.decode()
    assert credential.client_id in content and "Never" in content


@pytest.mark.parametrize("url", [LIST, GENERATE])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_the_list_refuses_post(member_client):
    assert member_client.post(LIST).status_code == 405


def test_generate_is_protected_by_csrf(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.post(GENERATE, {"name": "x", "nonce": "y"}).status_code == 403
    assert not Credential.objects.exists()
