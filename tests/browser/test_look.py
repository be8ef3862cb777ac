"""One look everywhere, at every width: the top bar, logo and favicon on every page (the allauth and
error pages too), no sideways page scroll at 390px, a tab strip that scrolls on one row, dialogs
that fit the screen, and the development note that email goes to the server console.

Screenshots go to var/screenshots/ (git-ignored).
"""

import pytest
from django.http import Http404
from django.test import RequestFactory
from playwright.sync_api import Page, expect

from accounts.models import Role
from config.errors import not_found, server_error
from credentials.services import generate_credential
from tests.browser.test_credentials_ui import sign_in
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 800}
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
LONG_EMAIL = "a.rather.long.name.for.a.member@engineering.subsidiary.example.com"
TOPBAR_BACKGROUND = "rgb(21, 30, 43)"  # --topbar-bg: proof that site.css was applied


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def expect_the_console_layout(page: Page) -> None:
    """The top bar (logo, product name, API docs link) with the stylesheet applied."""
    topbar = page.locator("header.topbar")
    expect(topbar.get_by_role("link", name="Credentials as a Service")).to_be_visible()
    expect(topbar.get_by_role("link", name="API docs")).to_have_attribute("href", "/api/docs/")
    logo = topbar.locator("img.brand__logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    assert topbar.evaluate("el => getComputedStyle(el).backgroundColor") == TOPBAR_BACKGROUND
    expect(page.locator('link[rel="icon"]')).to_have_attribute("type", "image/svg+xml")


@pytest.fixture
def busy_account(owner, member):
    """Account A with credentials of its own and of its members, one with a long email address."""
    long_member = MembershipFactory(account=owner.account, role=Role.MEMBER, user=UserFactory(email=LONG_EMAIL))
    for membership, name in [(owner, "deploy-production"), (member, "ci-runner"), (long_member, "nightly-backup-job")]:
        generate_credential(membership=membership, name=name)
    return owner


def test_the_logo_and_the_favicon_are_served_as_svg(page: Page):
    for path in ["/static/img/logo.svg", "/static/img/favicon.svg", "/favicon.ico"]:
        response = page.request.get(path)
        assert response.status == 200, path
        assert response.headers["content-type"].startswith("image/svg+xml"), path
        assert "<svg" in response.text(), path
    redirect = page.request.get("/favicon.ico", max_redirects=0)
    assert redirect.status == 302 and redirect.headers["location"].endswith("/static/img/favicon.svg")


def test_the_sign_in_page_and_the_error_pages_use_the_console_layout(page: Page, screenshots):
    page.goto("/accounts/login/")
    expect_the_console_layout(page)
    expect(page.get_by_role("heading", name="Sign In", level=1)).to_be_visible()
    expect(page.locator(".auth-card form.stacked .field").first).to_be_visible()
    expect(page.get_by_role("button", name="Sign In")).to_have_class("button button--primary button--block")
    page.screenshot(path=screenshots / "look-sign-in-1280.png", full_page=True)

    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect_the_console_layout(page)
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Go to the console")).to_be_visible()

    response = page.goto("/settings/?q=%00")
    assert response.status == 400
    expect_the_console_layout(page)
    expect(page.get_by_role("heading", name="Bad request", level=1)).to_be_visible()
    expect(page.get_by_text("must not contain NUL characters")).to_be_visible()


def test_a_form_sent_without_its_csrf_cookie_gets_the_console_403_page(page: Page):
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password").fill("whatever-it-is")
    with page.expect_response(lambda r: r.url.endswith("/accounts/login/") and r.request.method == "POST") as answer:
        page.get_by_role("button", name="Sign In").click()
    assert answer.value.status == 403
    expect_the_console_layout(page)
    expect(page.get_by_role("heading", name="This form has expired", level=1)).to_be_visible()
    expect(page.get_by_text("Allow cookies for this site")).to_be_visible()


def test_the_500_page_has_the_layout_and_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/settings/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert '<header class="topbar">' in page and "/static/css/site.css" in page and "Something went wrong" in page


def test_a_region_deployed_on_its_own_answers_errors_in_json_without_the_portal_layout(settings):
    """It has no portal: no sign-in, no account menu, none of the URLs the layout links to."""
    settings.CAAS_ROLE = "regional"
    response = not_found(RequestFactory().get("/admin/"), Http404())
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


def test_signed_in_pages_show_the_profile_menu_and_flash_messages_without_a_list(page: Page, member):
    sign_in(page, member)
    expect_the_console_layout(page)
    status = page.locator("div.messages[role=status]")
    expect(status.locator("p.message")).to_contain_text("Successfully signed in")
    expect(page.locator("ul.messages")).to_have_count(0)
    menu = page.locator("details.profile-menu")
    menu.get_by_text("User Profile", exact=True).click()
    expect(menu.get_by_role("link", name="Account Settings")).to_be_visible()


@pytest.mark.parametrize("viewport", [PHONE, TABLET, DESKTOP], ids=["390", "768", "1280"])
def test_no_page_scrolls_sideways(new_context, busy_account, viewport, screenshots):
    page = new_context(viewport=viewport).new_page()
    width = viewport["width"]
    for path in [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/no-such-page/",
    ]:
        page.goto(path)
        assert page_width(page) <= width, f"{path} is {page_width(page)}px wide at {width}px"
    page.screenshot(path=screenshots / f"look-404-{width}.png", full_page=True)

    sign_in(page, busy_account)
    for path in [
        "/settings/",
        "/settings/credentials/",
        "/settings/access/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
        "/accounts/logout/",
    ]:
        page.goto(path)
        assert page_width(page) <= width, f"{path} is {page_width(page)}px wide at {width}px"
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=screenshots / f"look-{name}-{width}.png", full_page=True)

    page.goto("/accounts/2fa/totp/activate/")  # after Confirm Access
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    assert page_width(page) <= width, f"the QR code page is {page_width(page)}px wide at {width}px"
    page.screenshot(path=screenshots / f"look-accounts-2fa-totp-activate-{width}.png", full_page=True)

    page.goto("/settings/")
    page.get_by_text("User Profile", exact=True).click()
    panel = page.locator(".profile-menu__panel")
    expect(panel).to_be_visible()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the User Profile menu leaves the screen: {box}"


def test_the_tab_strip_is_one_row_that_scrolls_on_a_phone(new_context, owner):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, owner)
    page.goto("/settings/")
    tabs = page.get_by_role("navigation", name="Account Settings")
    tops = {round(box["y"]) for box in (link.bounding_box() for link in tabs.get_by_role("link").all())}
    assert len(tops) == 1, f"the tabs wrap onto {len(tops)} rows"
    assert tabs.evaluate("el => el.scrollWidth > el.clientWidth"), "the tabs fit: nothing to prove"
    assert tabs.evaluate("el => { el.scrollLeft = el.scrollWidth; return el.scrollLeft > 0; }")
    tabs.evaluate("el => { el.scrollLeft = 0; }")
    tabs.get_by_role("link", name="Account Access Management").click()  # scrolled into view first
    expect(page.get_by_role("heading", name="Account Access Management", level=2)).to_be_visible()
    assert page_width(page) <= PHONE["width"]


def test_a_dialog_fits_a_phone_screen(new_context, busy_account, screenshots):
    page = new_context(viewport=PHONE).new_page()
    sign_in(page, busy_account)
    page.goto("/settings/credentials/")
    page.wait_for_load_state()
    dialog = page.locator("dialog").first
    dialog.evaluate("d => d.showModal()")
    expect(dialog).to_be_visible()
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["height"] <= PHONE["height"], box
    assert dialog.evaluate("d => d.scrollWidth <= d.clientWidth"), "the dialog's content is wider than the dialog"
    page.screenshot(path=screenshots / "look-dialog-390.png")


def test_pages_that_send_email_say_it_goes_to_the_console_in_development(page: Page, settings, owner, screenshots):
    settings.EMAIL_BACKEND = CONSOLE_BACKEND
    note = page.get_by_role("note")
    for path in ["/accounts/signup/", "/accounts/password/reset/"]:
        page.goto(path)
        expect(note).to_contain_text("printed on the server console")
    page.goto("/accounts/login/")  # sends nothing
    expect(note).to_have_count(0)

    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    expect(note).to_contain_text("printed on the server console")
    page.screenshot(path=screenshots / "look-verification-sent-console-note.png", full_page=True)

    sign_in(page, owner)
    page.goto("/settings/access/grant/")
    expect(note).to_contain_text("printed on the server console")


def test_the_console_note_is_not_shown_when_email_is_really_sent(page: Page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Sign Up", level=1)).to_be_visible()
    expect(page.get_by_role("note")).to_have_count(0)
