"""Successors in the portal: prefilled from their predecessor, which they leave in place."""

import re

import pytest
from django.urls import reverse

from credentials.models import Credential
from credentials.services import ROTATION_HELP, generate_credential
from tests.credentials.helpers import generate_in_portal

GENERATE = reverse("credentials:generate")

pytestmark = pytest.mark.usefixtures("regions")


def successor_url(credential) -> str:
    return f"{GENERATE}?successor={credential.client_id}"


def url(name, credential) -> str:
    return reverse(f"credentials:{name}", args=[credential.client_id])


def cap(account, days=60):
    account.credential_max_lifetime_days = days
    account.save()


def selected_expiry(content: str) -> str:
    select = re.search(r'<select name="expires_in_days".*?</select>', content, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


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
