"""The Credentials tab in a real browser: generate, copy, the secret shown once, the limit, deletion.

Each test signs in through the real login page and creates its own data. Screenshots go to
var/screenshots/ (git-ignored).
"""

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.models import Membership
from credentials.models import Credential
from credentials.services import generate_credential
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIST_PATH = "/settings/credentials/"


# Steps, named as in the user documentation ------------------------------------------------------


def sign_in(page: Page, membership: Membership) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(membership.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("User Profile", exact=True)).to_be_visible()


def open_credentials_tab(page: Page) -> None:
    """User Profile pull-down → Account Settings → Credentials tab."""
    menu = page.locator("details.profile-menu")
    menu.get_by_text("User Profile", exact=True).click()
    expect(menu).to_have_attribute("open", "")
    menu.get_by_role("link", name="Account Settings").click()
    expect(page.get_by_role("heading", name="Account Settings", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Account Settings").get_by_role("link", name="Credentials").click()
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(page.get_by_role("heading", name="Credentials", level=2)).to_be_visible()
    page.wait_for_load_state()  # the deferred scripts that turn Delete and Disable into dialogs have run


def generate(page: Page, name: str) -> None:
    """From the Credentials tab: Generate Client Secret → Secret name → Generate Secret."""
    page.get_by_role("button", name="Generate Client Secret").click()
    page.get_by_label("Secret name").fill(name)
    page.get_by_role("button", name="Generate Secret").click()
    expect(page.get_by_role("heading", name=f"Credential {name} created")).to_be_visible()


def open_actions(row: Locator) -> Locator:
    """Open a row's Actions menu (a native <details>); return the menu."""
    menu = row.locator("details.menu")
    menu.get_by_text("Actions", exact=True).click()
    expect(menu).to_have_attribute("open", "")
    return menu


def delete_dialog(page: Page, name: str) -> Locator:
    """Actions → Delete on the credential's row; return its dialog."""
    page.wait_for_load_state()  # the link opens the dialog only once delete-dialog.js has run
    open_actions(page.get_by_role("row").filter(has_text=name)).get_by_role("link", name="Delete").click()
    return page.get_by_role("dialog", name=f"Delete credential {name}")


def credential_rows(page: Page) -> Locator:
    return page.get_by_role("table", name="Your credentials").locator("tbody").get_by_role("row")


# Tests ------------------------------------------------------------------------------------------


def test_the_secret_can_be_copied_and_is_gone_after_a_reload(page: Page, member, screenshots):
    sign_in(page, member)
    open_credentials_tab(page)
    generate(page, "ci-runner")

    expect(page.get_by_role("alert")).to_contain_text("This client secret is shown only once.")
    secret = page.locator("#client-secret").inner_text().strip()
    client_id = page.locator("#client-id").inner_text().strip()
    credential = Credential.objects.get(membership=member)
    assert credential.client_id == client_id
    assert credential.secret_hint and secret.endswith(credential.secret_hint)

    copy_secret = page.get_by_role("button", name="Copy client secret")
    copy_secret.click()
    expect(copy_secret).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret

    copy_id = page.get_by_role("button", name="Copy client ID")
    copy_id.click()
    expect(copy_id).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == client_id

    page.screenshot(path=screenshots / "secret.png", full_page=True)

    # The address bar already points at the list, so a reload neither shows the secret nor resubmits.
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    page.reload()
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(credential_rows(page)).to_have_count(1)
    expect(credential_rows(page)).to_contain_text(client_id)
    assert secret not in page.content()
    assert Credential.objects.filter(membership=member).count() == 1


def test_the_generate_button_is_disabled_at_two_credentials(page: Page, member):
    sign_in(page, member)
    open_credentials_tab(page)
    generate(page, "first")
    page.get_by_role("link", name="I have stored the secret").click()
    generate(page, "second")
    page.get_by_role("link", name="I have stored the secret").click()

    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(credential_rows(page)).to_have_count(2)
    expect(page.get_by_role("button", name="Generate Client Secret")).to_be_disabled()
    expect(page.get_by_role("status").filter(has_text="maximum")).to_have_text(
        "You can create a maximum of two credentials. Delete one before you generate another."
    )
    expect(page.get_by_text("You have 2 of 2.")).to_be_visible()
    assert Credential.objects.filter(membership=member).count() == 2


def test_the_dialog_deletes_once_the_typed_name_matches(page: Page, member, screenshots):
    generate_credential(membership=member, name="ci-runner")
    generate_credential(membership=member, name="laptop")
    sign_in(page, member)
    open_credentials_tab(page)

    dialog = delete_dialog(page, "ci-runner")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_js_property("open", True)
    name = dialog.get_by_label("Name", exact=True)
    delete = dialog.get_by_role("button", name="Delete")
    check_mark = dialog.locator("[data-match]")
    expect(name).to_be_focused()
    expect(delete).to_be_disabled()
    expect(check_mark).to_be_hidden()

    name.press_sequentially("ci-runne")
    expect(delete).to_be_disabled()
    expect(check_mark).to_be_hidden()
    name.press_sequentially("rs")
    expect(delete).to_be_disabled()
    name.clear()
    name.press_sequentially("CI-RUNNER")
    expect(delete).to_be_disabled()
    expect(check_mark).to_be_hidden()

    name.clear()
    name.press_sequentially("ci-runner")
    expect(dialog.get_by_role("img", name="Name matches")).to_be_visible()
    expect(delete).to_be_enabled()
    dialog.screenshot(path=screenshots / "delete-dialog.png")

    delete.click()
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(page.get_by_text("Credential ci-runner was deleted.")).to_be_visible()
    expect(credential_rows(page)).to_have_count(1)
    expect(credential_rows(page)).to_contain_text("laptop")
    expect(page.get_by_role("button", name="Generate Client Secret")).to_be_enabled()
    assert list(Credential.objects.filter(membership=member).values_list("name", flat=True)) == ["laptop"]


def test_cancel_closes_the_dialog_without_deleting(page: Page, member):
    generate_credential(membership=member, name="ci-runner")
    sign_in(page, member)
    open_credentials_tab(page)

    dialog = delete_dialog(page, "ci-runner")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name", exact=True).press_sequentially("ci-runner")
    dialog.get_by_role("link", name="Cancel").click()

    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(credential_rows(page)).to_have_count(1)
    expect(page.get_by_text("was deleted")).to_have_count(0)
    assert Credential.objects.filter(membership=member, name="ci-runner").exists()


def test_without_javascript_the_server_checks_the_typed_name(new_context, member):
    credential, _secret = generate_credential(membership=member, name="ci-runner")
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, member)
    open_credentials_tab(page)

    open_actions(page.get_by_role("row").filter(has_text="ci-runner")).get_by_role("link", name="Delete").click()
    expect(page).to_have_url(re.compile(re.escape(f"/settings/credentials/{credential.client_id}/delete/") + "$"))
    expect(page.get_by_role("heading", name="Delete credential ci-runner")).to_be_visible()
    name = page.get_by_label("Name", exact=True)
    delete = page.get_by_role("button", name="Delete")
    expect(delete).to_be_enabled()  # nothing disables it without JavaScript: the server decides

    name.fill("ci-runne")
    delete.click()
    expect(page.get_by_role("alert")).to_contain_text("Type the secret name ci-runner exactly to confirm.")
    assert Credential.objects.filter(pk=credential.pk).exists()

    name.fill("ci-runner")
    delete.click()
    expect(page).to_have_url(re.compile(re.escape(LIST_PATH) + "$"))
    expect(page.get_by_text("Credential ci-runner was deleted.")).to_be_visible()
    assert not Credential.objects.filter(pk=credential.pk).exists()


def test_a_copy_button_gets_its_label_back_after_two_quick_clicks(page: Page, member):
    generate_credential(membership=member, name="ci-runner")
    page.clock.install()
    sign_in(page, member)
    open_credentials_tab(page)

    copy = page.get_by_role("button", name="Copy client ID of ci-runner")
    copy.click()
    expect(copy).to_have_text("Copied")
    page.clock.run_for(500)
    copy.click()
    expect(page.get_by_role("status").filter(has_text="copied to the clipboard")).to_have_count(1)
    page.clock.run_for(2_500)
    expect(copy).to_have_text("Copy")
