"""Regions and expiry in the portal's generate form, and the owner's lifetime cap."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from credentials.models import Credential
from tests.credentials.helpers import generate_in_portal
from tests.credentials.portal.pages import text, utc

GENERATE = reverse("credentials:generate")
CAP_ERROR = "The account owner allows credentials to live at most 60 days."

pytestmark = pytest.mark.usefixtures("regions")


def cap(account, days=60):
    account.credential_max_lifetime_days = days
    account.save()


def selected_expiry(content: str) -> str:
    select = re.search(r'<select name="expires_in_days".*?</select>', content, re.S).group(0)
    return re.search(r'<option value="([^"]*)" selected>', select).group(1)


def test_the_form_offers_regions_and_expiry(member_client):
    content = member_client.get(GENERATE).content.decode()
    assert "<legend>Regions</legend>" in content
    assert 'type="checkbox" name="regions" value="us-region-1"' in content
    assert "Leave every box unchecked to allow all regions" in content
    assert ">Expires</label>" in content
    assert '<option value="30">30 days</option>' in content and '<option value="">Never</option>' in content


def test_the_default_expiry_is_90_days(member_client):
    assert selected_expiry(member_client.get(GENERATE).content.decode()) == "90"


def test_the_default_is_the_owners_cap_when_that_is_shorter_than_90_days(member_client, member):
    cap(member.account, days=30)
    assert selected_expiry(member_client.get(GENERATE).content.decode()) == "30"
    cap(member.account, days=365)
    assert selected_expiry(member_client.get(GENERATE).content.decode()) == "90"


def never_warning(content: str) -> re.Match | None:
    """The warning next to Expires, when it is rendered visible (not `hidden`)."""
    return re.search(r'id="expiry-never">\s*<strong>This credential will never expire.</strong>', content)


def test_the_never_warning_is_rendered_hidden_while_an_expiry_is_chosen(member_client):
    content = member_client.get(GENERATE).content.decode()
    assert 'id="expiry-never" hidden' in content and never_warning(content) is None
    assert 'aria-describedby="expiry-help"' in content


def test_the_never_warning_is_shown_when_never_comes_back_with_an_error(member_client):
    response = generate_in_portal(member_client, name="bad name", expires_in_days="")
    content = response.content.decode()
    assert response.status_code == 400 and selected_expiry(content) == ""
    assert never_warning(content) is not None
    assert 'aria-describedby="expiry-help expiry-never"' in content
    assert "js/expiry-warning.js" in content


def test_the_never_warning_is_not_rendered_once_the_owner_caps_the_lifetime(member_client, member):
    cap(member.account)
    response = generate_in_portal(member_client, name="deploy", expires_in_days="")
    assert response.status_code == 400 and never_warning(response.content.decode()) is None


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
    assert utc(credential.expires_at) in text(content)


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
