"""Activity in a real browser: the filter form sends GET parameters, tokens issued are folded per
credential and hour, Export CSV downloads what the filters match, and a bad filter is explained at
its field. Also the invitation a signed-out invitee opens: Sign up and Sign in lead back to it."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from credentials.services import generate_credential, record_token_issued
from tests.accounts.mail_links import path_in
from tests.browser.test_credentials_ui import sign_in
from tests.browser.test_every_page import invite
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_activity_tab(page: Page) -> None:
    page.goto("/settings/")
    page.get_by_role("navigation", name="Account Settings").get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", level=2)).to_be_visible()


def test_filtering_folds_tokens_keeps_the_filter_in_the_url_and_exports_it(page: Page, owner, screenshots):
    credential, _ = generate_credential(membership=owner, name="ci-runner")
    for _ in range(12):
        record_token_issued(credential=credential, scope="compute:read")
    sign_in(page, owner)
    open_activity_tab(page)
    expect(page.get_by_role("cell", name="Credential created")).to_be_visible()

    page.get_by_label("Event").select_option(label="Token issued")
    page.get_by_label("Credential").select_option(label=f"ci-runner ({credential.client_id})")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"\?event=token\.issued&member=&credential=cid_"))
    rows = page.get_by_role("region", name="Activity, newest first").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("12 tokens issued")
    expect(page.get_by_label("Event")).to_have_value("token.issued")  # the form shows what is applied
    page.screenshot(path=screenshots / "activity-filtered-1280.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    assert re.fullmatch(
        rf"activity-{owner.account.cloud_account_id}-\d{{8}}-\d{{6}}\.csv", download.value.suggested_filename
    )
    lines = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(lines) == 13 and {line[1] for line in lines[1:]} == {"Token issued"}

    page.get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(re.compile(r"/settings/activity/$"))


def test_a_bad_date_is_explained_at_its_field(page: Page, owner):
    sign_in(page, owner)
    response = page.goto("/settings/activity/?from=2026-03-11&to=2026-03-10")
    assert response.status == 400
    to = page.get_by_label("To (UTC)")
    expect(to).to_have_attribute("aria-invalid", "true")
    expect(to).to_have_accessible_description("The To date must be on or after the From date.")
    expect(page.get_by_role("alert")).to_contain_text("These filters cannot be used")
    expect(page.get_by_role("link", name="Export CSV")).to_have_count(0)


@pytest.fixture
def invitation_link(owner) -> str:
    owner.user.full_name = "Olivia Owner"
    owner.user.save()
    return invite(owner.account, "newcomer@example.com", owner.user, "an-invitation-for-a-newcomer-0123456789")


def test_a_signed_out_invitee_signs_up_confirms_and_accepts(page: Page, owner, invitation_link, mailoutbox):
    page.goto(invitation_link)
    expect(page.get_by_text(f"Olivia Owner invited you to {owner.account.name}.")).to_be_visible()
    expect(page.get_by_role("button", name="Accept invitation")).to_have_count(0)
    page.locator("main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/\?next=/invitations/"))
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    page.goto(path_in(mailoutbox[0], "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(re.escape(invitation_link) + "$"))
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_text(f"Welcome to {owner.account.name}")).to_be_visible()


def test_the_top_bars_sign_in_leads_back_to_the_invitation(page: Page, owner, invitation_link):
    UserFactory(email="newcomer@example.com")
    page.goto(invitation_link)
    page.locator("header").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(re.escape(invitation_link) + "$"))
    page.get_by_role("button", name="Accept invitation").click()
    expect(page.get_by_text(f"Welcome to {owner.account.name}")).to_be_visible()
