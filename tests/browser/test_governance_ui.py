"""Credential governance in a real browser: a restricted, expiring credential through the form,
then disabling it in the confirmation dialog and enabling it again. Screenshots go to
var/screenshots/ (git-ignored)."""

import re

import pytest
from playwright.sync_api import Page, expect

from credentials.models import Credential
from tests.browser.test_credentials_ui import credential_rows, open_actions, open_credentials_tab, sign_in
from tests.regional.conftest import seeded_region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST_PATH = "/settings/credentials/"


def test_a_restricted_expiring_credential_is_generated_disabled_and_enabled(page: Page, member, screenshots):
    seeded_region("us-region-1")
    seeded_region("us-region-2")
    sign_in(page, member)
    open_credentials_tab(page)

    page.get_by_role("button", name="Generate Client Secret").click()
    page.get_by_label("Secret name").fill("ci-eu")
    regions = page.get_by_role("group", name="Regions")
    expect(regions).to_contain_text("all regions")
    regions.get_by_label("us-region-2").check()
    page.get_by_label("Expires").select_option(label="30 days")
    page.screenshot(path=screenshots / "generate-governance.png", full_page=True)
    page.get_by_role("button", name="Generate Secret").click()

    expect(page.get_by_role("heading", name="Credential ci-eu created")).to_be_visible()
    credential = Credential.objects.get(membership=member)
    assert credential.regions == ["us-region-2"]
    expires = f"{credential.expires_at:%Y-%m-%d %H:%M} UTC"
    expect(page.locator("dl.facts")).to_contain_text("us-region-2")
    expect(page.locator("dl.facts")).to_contain_text(expires)
    page.get_by_role("link", name="I have stored the secret").click()

    row = credential_rows(page).filter(has_text="ci-eu")
    expect(row).to_contain_text("us-region-2")
    expect(row).to_contain_text(expires)
    expect(row).to_contain_text("Active")

    page.wait_for_load_state()  # the link opens the dialog only once delete-dialog.js has run
    open_actions(row).get_by_role("link", name="Disable").click()
    dialog = page.get_by_role("dialog", name="Disable credential ci-eu")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("takes effect immediately")
    dialog.screenshot(path=screenshots / "disable-dialog.png")
    dialog.get_by_role("button", name="Disable").click()

    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(page.get_by_text("Credential ci-eu was disabled.")).to_be_visible()
    expect(row).to_contain_text("Disabled")
    expect(row).to_contain_text("Disabled by its member.")
    credential.refresh_from_db()
    assert credential.disabled_at is not None

    open_actions(row).get_by_role("button", name="Enable").click()
    expect(page.get_by_text("Credential ci-eu was enabled. It works again immediately.")).to_be_visible()
    expect(row).to_contain_text("Active")
    expect(open_actions(row).get_by_role("link", name="Disable")).to_be_visible()
    page.screenshot(path=screenshots / "list-governance.png", full_page=True)
    credential.refresh_from_db()
    assert credential.disabled_at is None
