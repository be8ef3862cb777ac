"""The credential limit and the name rules each have one source (services.credential_quota and
services.NAME_RULES), so moving them moves every page and the API with them."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from credentials import models, services
from credentials.api import CreateCredentialInput
from credentials.services import generate_credential

LIST = reverse("credentials:list")
GENERATE = reverse("credentials:generate")
API = "/api/v1/credentials/"


@pytest.fixture
def limit(monkeypatch):
    """Set models.MAX_CREDENTIALS for one test. The database's slots stay two, as a real change
    would need a migration: only the words and the portal's limit state should follow."""
    return lambda value: monkeypatch.setattr(models, "MAX_CREDENTIALS", value)


def test_a_limit_of_three_is_said_on_the_pages_and_in_the_api(member_client, member, limit):
    """Below the limit of three with two credentials; the third is still refused by the two slots
    in the database, so the 409 shows that the refusal words its limit from the same source."""
    limit(3)
    generate_credential(membership=member, name="deploy")
    generate_credential(membership=member, name="laptop")

    listing = member_client.get(LIST).content.decode()
    assert "You can create a maximum of three credentials. You have 2 of 3." in listing
    assert '<button type="submit">Generate Client Secret</button>' in listing
    form = member_client.get(GENERATE)
    assert form.status_code == 200
    assert "You can create a maximum of three credentials. The client secret" in form.content.decode()
    refused = member_client.post(API, {"name": "third"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "You can create a maximum of three credentials. Delete one before you generate another."
    )
    assert "two credentials" not in listing + form.content.decode() + refused.content.decode()


def test_a_limit_of_one_is_reached_with_one_credential_on_every_page(client, member, limit):
    """The limit state (disabled button, redirect, successor page, expiry banner) follows the limit too."""
    limit(1)
    credential, _ = generate_credential(membership=member, name="deploy", expires_in_days=30)
    with time_machine.travel(timezone.now() + timedelta(days=25), tick=False):
        client.force_login(member.user)
        listing = client.get(LIST).content.decode()
        redirected = client.get(GENERATE, follow=True)
        successor = client.get(f"{GENERATE}?successor={credential.client_id}").content.decode()

    assert "You can create a maximum of one credential. You have 1 of 1." in listing
    assert '<button type="button" disabled>Generate Client Secret</button>' in listing
    assert "You can create a maximum of one credential. Delete one before you generate another." in listing
    assert "You already have one credential, the limit:" in listing
    assert redirected.redirect_chain == [(LIST, 302)]
    assert "You can create a maximum of one credential. Delete one before" in redirected.content.decode()
    assert "You already have one credential, the limit." in successor


def test_the_name_rules_shown_are_the_ones_the_form_the_api_and_the_service_use(member_client):
    """generate.html lists the form's rules, which are services.NAME_RULES; the length in the first
    rule is the one clean_name enforces and the input's maxlength."""
    response = member_client.get(GENERATE)
    content = response.content.decode()
    form = response.context["form"]
    assert form.name_rules is services.NAME_RULES
    assert all(f"<li>{rule}</li>" in content for rule in services.NAME_RULES)
    assert form.fields["name"].help_text == services.NAME_HELP
    assert CreateCredentialInput().fields["name"].help_text == services.NAME_HELP
    assert all(rule in services.NAME_HELP for rule in services.NAME_RULES)

    longest = services.NAME_MAX_LENGTH
    assert services.NAME_RULES[0] == f"1 to {longest} characters"
    assert f'maxlength="{longest}"' in content
    assert services.clean_name("x" * longest) == "x" * longest
    with pytest.raises(ValidationError, match=f"at most {longest} characters"):
        services.clean_name("x" * (longest + 1))
