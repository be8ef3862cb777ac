"""Generating a client secret in the portal: the form, the one-time secret, names and the limit."""

import re

from django.conf import settings
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


def test_the_secret_page_offers_a_dotenv_download_built_in_the_browser(member_client):
    response = generate(member_client, "ci-runner")
    content = response.content.decode()
    download = re.search(r"<p class=\"secret-download\" data-download-env hidden(.*?)>", content, re.S).group(1)
    assert 'data-filename="caas-ci-runner.env"' in download
    assert f'data-token-url="{settings.OAUTH_ISSUER}/oauth2/token"' in download
    assert f'data-api-base="{settings.OAUTH_ISSUER}/api/v1"' in download
    assert secret_in(response) not in download  # the script reads the secret from the page; no second copy
    assert '<button type="button" class="secondary">Download .env</button>' in content
    assert "js/download-env.js" in content
    assert "no-store" in response["Cache-Control"]


def test_the_secret_page_has_a_shell_snippet_with_its_own_copy_button(member_client):
    response = generate(member_client, "ci-runner")
    content = response.content.decode()
    credential, secret = Credential.objects.get(), secret_in(response)
    snippet = re.search(r'<code id="shell-snippet" data-secret>(.*?)</code>', content, re.S).group(1)
    lines = snippet.splitlines()
    assert lines[:4] == [
        f"export CAAS_CLIENT_ID={credential.client_id}",
        f"export CAAS_CLIENT_SECRET={secret}",
        f"export CAAS_TOKEN_URL={settings.OAUTH_ISSUER}/oauth2/token",
        f"export CAAS_API_BASE={settings.OAUTH_ISSUER}/api/v1",
    ]
    assert '-u "$CAAS_CLIENT_ID:$CAAS_CLIENT_SECRET" -d grant_type=client_credentials "$CAAS_TOKEN_URL"' in snippet
    assert 'curl -sS --fail-with-body -H "Authorization: Bearer $TOKEN" "$CAAS_API_BASE/me"' in snippet
    assert 'data-copy="shell-snippet" aria-label="Copy shell snippet"' in content


def test_the_download_and_the_snippet_exist_only_on_the_page_that_answers_the_post(member_client):
    """A reload of the secret page shows the list (secret-once.js points the address bar there), and the
    page itself is never stored: no later page offers the download or repeats the snippet."""
    first = generate(member_client, "ci-runner")
    assert "Download .env" in first.content.decode() and "shell-snippet" in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    for later in (member_client.get(LIST), member_client.get(GENERATE)):
        content = later.content.decode()
        assert "Download .env" not in content and "CAAS_CLIENT_SECRET" not in content and "shell-snippet" not in content
        assert secret_in(first) not in content
