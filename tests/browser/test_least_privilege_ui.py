"""Least privilege in a real browser: a read-only credential with an allow-list through the form,
then, once it has been used in one region only, its narrower successor from the Usage page.
Screenshots go to var/screenshots/ (git-ignored)."""

import re

import pytest
from playwright.sync_api import Page, expect

from credentials import usage
from credentials.models import Credential
from tests.browser.test_credentials_ui import credential_rows, open_actions, open_credentials_tab, sign_in
from tests.regional.conftest import seeded_region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_read_only_credential_gets_a_narrower_successor_from_its_usage(page: Page, member, screenshots):
    seeded_region("us-region-1")
    seeded_region("us-region-2")
    sign_in(page, member)
    open_credentials_tab(page)

    page.get_by_role("button", name="Generate Client Secret").click()
    page.get_by_label("Secret name").fill("ci-reader")
    compute = page.get_by_role("group", name="Compute")
    credentials = page.get_by_role("group", name="Credentials")
    expect(compute.get_by_label("Read and write")).to_be_checked()
    expect(credentials.get_by_label("None")).to_be_checked()
    compute.get_by_label("Read", exact=True).check()
    expect(compute.get_by_label("Read", exact=True)).to_have_accessible_description(re.compile("List and read"))
    page.get_by_label("Allowed source addresses").fill("203.0.113.0/24\n127.0.0.1")
    modes = page.get_by_role("group", name="When a request comes from another address")
    expect(modes.get_by_label(re.compile("^Enforce"))).to_be_checked()
    modes.get_by_label(re.compile("^Report only")).check()
    page.screenshot(path=screenshots / "generate-least-privilege.png", full_page=True)
    page.get_by_role("button", name="Generate Secret").click()

    expect(page.get_by_role("heading", name="Credential ci-reader created")).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Compute: read")
    expect(facts).not_to_contain_text("Read and write")
    expect(facts).to_contain_text("127.0.0.1/32, 203.0.113.0/24 (report only)")
    credential = Credential.objects.get(membership=member)
    assert credential.permissions == ["compute:read"]
    assert credential.allowed_ips == ["127.0.0.1/32", "203.0.113.0/24"] and credential.allowed_ips_mode == "report"
    page.get_by_role("link", name="I have stored the secret").click()

    row = credential_rows(page).filter(has_text="ci-reader")
    expect(row).to_contain_text("Compute: read")
    expect(row).to_contain_text("From 127.0.0.1/32, 203.0.113.0/24 (report only)")
    page.screenshot(path=screenshots / "list-least-privilege.png", full_page=True)

    usage.record_request(credential.pk, "us-region-1", "compute:read")
    usage.flush()
    open_actions(row).get_by_role("link", name="Usage").click()
    used = page.get_by_role("region", name="Used in the last 30 days")
    expect(used.get_by_role("row", name=re.compile("^Regions"))).to_contain_text("All regions")
    expect(used.get_by_role("row", name=re.compile("^Regions"))).to_contain_text("us-region-1")
    expect(used).to_contain_text("ci-reader-v2")
    used.screenshot(path=screenshots / "usage-narrower.png")
    used.get_by_role("link", name="Generate a narrower successor").click()

    expect(page.get_by_role("heading", name="Generate a narrower successor to ci-reader")).to_be_visible()
    expect(page.get_by_label("Secret name")).to_have_value("ci-reader-v2")
    expect(compute.get_by_label("Read", exact=True)).to_be_checked()
    expect(credentials.get_by_label("None")).to_be_checked()
    regions = page.get_by_role("group", name="Regions")
    expect(regions.get_by_label("us-region-1")).to_be_checked()
    expect(regions.get_by_label("us-region-2")).not_to_be_checked()
    expect(page.get_by_label("Allowed source addresses")).to_have_value("127.0.0.1/32\n203.0.113.0/24")
    expect(modes.get_by_label(re.compile("^Report only"))).to_be_checked()
    page.screenshot(path=screenshots / "generate-narrower.png", full_page=True)
    page.get_by_role("button", name="Generate Secret").click()

    expect(page.get_by_role("heading", name="Credential ci-reader-v2 created")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("us-region-1")
    successor = Credential.objects.get(name="ci-reader-v2")
    assert successor.permissions == ["compute:read"] and successor.regions == ["us-region-1"]
    assert successor.allowed_ips == credential.allowed_ips and successor.allowed_ips_mode == "report"
    assert Credential.objects.filter(pk=credential.pk).exists()


def test_the_credentials_tab_fits_a_phone_screen(new_context, member, screenshots):
    """The wide tables scroll inside their box; the page itself does not scroll sideways."""
    page = new_context(viewport={"width": 375, "height": 800}).new_page()
    seeded_region("us-region-1")
    sign_in(page, member)
    page.goto("/settings/credentials/new/")
    expect(page.get_by_role("group", name="Compute")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("Secret name").fill("phone")
    page.get_by_label("Allowed source addresses").fill("2001:db8::/32")
    page.get_by_role("button", name="Generate Secret").click()
    page.get_by_role("link", name="I have stored the secret").click()
    expect(credential_rows(page)).to_contain_text("2001:db8::/32")
    page.screenshot(path=screenshots / "list-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
