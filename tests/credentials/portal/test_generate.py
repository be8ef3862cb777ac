"""Generating a client secret in the portal: the form, the one-time secret, names and the limit."""

import re

from django.urls import reverse

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


def test_generate_is_protected_by_csrf(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    assert client.post(GENERATE, {"name": "x", "nonce": "y"}).status_code == 403
    assert not Credential.objects.exists()
