"""The credentials table and the secret page in a real browser: the Actions menu, Download .env,
the Never warning, and pages that fit a phone (390 px) and read in one line per value at 1280 px.
Screenshots go to var/screenshots/ (git-ignored)."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from credentials.models import Credential
from credentials.services import generate_credential
from tests.browser.test_credentials_ui import (
    credential_rows,
    generate,
    open_actions,
    open_credentials_tab,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST_PATH = "/settings/credentials/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def lines_of(locator) -> int:
    """How many lines an inline element takes on screen."""
    return locator.evaluate("element => element.getClientRects().length")


def test_download_env_saves_the_client_id_and_secret(page: Page, member, screenshots):
    sign_in(page, member)
    open_credentials_tab(page)
    generate(page, "ci-runner")
    client_id = page.locator("#client-id").inner_text().strip()
    secret = page.locator("#client-secret").inner_text().strip()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download .env").click()
    download = download_info.value
    assert download.suggested_filename == "caas-ci-runner.env"
    lines = download.path().read_text(encoding="utf-8").splitlines()
    assert f"CAAS_CLIENT_ID={client_id}" in lines
    assert f"CAAS_CLIENT_SECRET={secret}" in lines
    assert f"CAAS_TOKEN_URL={settings.OAUTH_ISSUER}/oauth2/token" in lines
    assert Credential.objects.get().client_id == client_id


def test_the_shell_snippet_is_copied_whole(page: Page, member):
    sign_in(page, member)
    open_credentials_tab(page)
    generate(page, "ci-runner")
    secret = page.locator("#client-secret").inner_text().strip()

    copy = page.get_by_role("button", name="Copy shell snippet")
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("export CAAS_CLIENT_ID=") and f"export CAAS_CLIENT_SECRET={secret}\n" in copied
    assert copied.rstrip().endswith('"$CAAS_API_BASE/me"')


def test_the_secret_page_has_nothing_to_download_after_a_reload(page: Page, member):
    sign_in(page, member)
    open_credentials_tab(page)
    generate(page, "ci-runner")
    expect(page.get_by_role("button", name="Download .env")).to_be_visible()
    page.reload()
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(page.get_by_role("button", name="Download .env")).to_have_count(0)
    expect(page.locator("#shell-snippet")).to_have_count(0)


def test_choosing_never_shows_a_warning_next_to_the_field(page: Page, member):
    sign_in(page, member)
    page.goto("/settings/credentials/new/")
    expires = page.get_by_label("Expires")
    warning = page.get_by_text("This credential will never expire.")
    expect(expires).to_have_value("90")
    expect(warning).to_be_hidden()

    expires.select_option(label="Never")
    expect(warning).to_be_visible()
    expect(expires).to_have_accessible_description(re.compile("never expire"))
    expires.select_option(label="30 days")
    expect(warning).to_be_hidden()
    expect(expires).not_to_have_accessible_description(re.compile("never expire"))


def test_actions_opens_a_menu_whose_delete_opens_the_confirmation_dialog(page: Page, member, screenshots):
    generate_credential(membership=member, name="ci-runner")
    sign_in(page, member)
    open_credentials_tab(page)
    row = credential_rows(page).filter(has_text="ci-runner")
    delete = row.get_by_role("link", name="Delete")
    expect(delete).to_be_hidden()

    menu = open_actions(row)
    expect(menu.get_by_role("link")).to_have_text(["Usage", "Disable", "Delete"])
    expect(delete).to_be_visible()
    red = delete.evaluate("element => getComputedStyle(element).color")
    assert red == "rgb(180, 35, 24)", red  # var(--danger): destructive
    page.screenshot(path=screenshots / "list-actions-menu.png", full_page=True)

    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(menu.get_by_text("Actions", exact=True)).to_be_focused()

    open_actions(row)
    page.get_by_role("heading", name="Credentials", level=2).click()  # a click elsewhere closes it
    expect(menu).not_to_have_attribute("open", "")

    open_actions(row).get_by_role("link", name="Delete").click()
    dialog = page.get_by_role("dialog", name="Delete credential ci-runner")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name", exact=True)).to_be_focused()
    expect(dialog.get_by_role("button", name="Delete")).to_be_disabled()
    expect(menu).not_to_have_attribute("open", "")
    dialog.get_by_role("link", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(menu.get_by_text("Actions", exact=True)).to_be_focused()
    assert Credential.objects.filter(name="ci-runner").exists()


def test_client_ids_and_times_never_break_at_1280_px(new_context, owner, member, screenshots):
    generate_credential(membership=owner, name="a-rather-long-credential-name-for-the-owner", expires_in_days=30)
    generate_credential(membership=member, name="deploy", expires_in_days=90)
    page = new_context(viewport=DESKTOP).new_page()
    sign_in(page, owner)
    page.goto(LIST_PATH)
    ids = page.locator("table.credentials code.client-id")
    expect(ids).to_have_count(2)
    for index in range(ids.count()):
        assert re.fullmatch(r"cid_.{4}….{4}", ids.nth(index).inner_text())
        assert lines_of(ids.nth(index)) == 1
    parts = page.locator("table.credentials time.utc > span")
    assert parts.count() >= 8
    assert all(lines_of(parts.nth(index)) == 1 for index in range(parts.count()))
    tables = page.locator("table.credentials")
    expect(tables).to_have_count(2)
    for index in range(2):  # each table fits its card: no cell spills out
        assert tables.nth(index).evaluate("table => table.offsetWidth <= table.parentElement.clientWidth")
    assert page_width(page) <= DESKTOP["width"]
    page.screenshot(path=screenshots / "list-owner-1280.png", full_page=True)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_the_credentials_list_fits_a_390_px_screen(new_context, request, owner, member, who, screenshots):
    signed_in = request.getfixturevalue(who)
    for membership in (owner, member):
        generate_credential(membership=membership, name=f"{membership.role}-deploy", expires_in_days=30)
        generate_credential(membership=membership, name=f"{membership.role}-laptop-with-a-long-name-to-wrap")
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, signed_in)
    page.goto(LIST_PATH)
    expect(credential_rows(page)).to_have_count(2)
    assert page_width(page) <= PHONE["width"]
    open_actions(credential_rows(page).first)
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=screenshots / f"list-{who}-390.png", full_page=True)


def test_the_secret_page_and_policies_tab_fit_a_390_px_screen(new_context, owner, screenshots):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, owner)
    page.goto("/settings/credentials/new/")
    page.get_by_label("Secret name").fill("ci-runner")
    page.get_by_label("Expires").select_option(label="Never")
    assert page_width(page) <= PHONE["width"]
    page.get_by_role("button", name="Generate Secret").click()
    expect(page.get_by_role("heading", name="Credential ci-runner created")).to_be_visible()
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=screenshots / "secret-390.png", full_page=True)

    page.get_by_role("link", name="I have stored the secret").click()
    page.get_by_role("navigation", name="Account Settings").get_by_role("link", name="Policies").click()
    expect(page.get_by_role("heading", name="Credential policies", level=2)).to_be_visible()
    assert page_width(page) <= PHONE["width"]
