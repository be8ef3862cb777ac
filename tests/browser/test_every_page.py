"""Every page state of the portal (and /api/docs/), at 390, 768 and 1280 px: no sideways page scroll,
zero axe-core violations of any impact, and a full-page screenshot at 390 and 1280 px in
var/screenshots/ (page-<state>-<width>.png, git-ignored) for review.

One test per state and width. axe-core is the pinned npm release in var/axe (tests/browser/axe.py):
`make axe` installs it, `make test` and CI too. Each state signs in by a session cookie, except the
sign-in state itself, which goes through the form.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Invitation, Membership, Role
from accounts.services import open_account, token_digest
from credentials.models import Credential
from credentials.services import disable_credential, generate_credential, record_token_issued
from tests.browser import axe
from tests.browser.test_credentials_ui import delete_dialog
from tests.conftest import PASSWORD
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {390: 844, 768: 1024, 1280: 800}  # width: height
SCREENSHOT_WIDTHS = {390, 1280}
INVITED, STRANGER = "ivan@example.com", "newcomer@example.com"


@dataclass
class World:
    """Account A (Acme Robotics): its owner with two credentials and many tokens, and members with
    none, one and two; owners of accounts of their own; two open invitations into A."""

    owner: Membership
    bob: Membership  # one credential
    carol: Membership  # two, one disabled
    dave: Membership  # none
    nora: Membership  # owns an account with nothing in it
    gina: Membership  # owns an account; generates on the page
    ivan: Membership  # invited into A, signed in
    own_credential: Credential
    carols_credential: Credential
    ivans_link: str
    strangers_link: str


def invite(account, email: str, by, token: str) -> str:
    Invitation.objects.create(
        account=account,
        email=email,
        token_digest=token_digest(token),
        expires_on=timezone.localdate() + timedelta(days=7),
        invited_by=by,
        note="Welcome to the robotics team.",
    )
    return f"/invitations/{token}/"


def own_account(email: str) -> Membership:
    user = UserFactory(email=email)
    return Membership.objects.get(user=user, account=open_account(owner=user))


@pytest.fixture
def world(db) -> World:
    owner = MembershipFactory(role=Role.OWNER, account__name="Acme Robotics", user__email="olivia@example.com")
    bob, carol, dave = (
        MembershipFactory(account=owner.account, user__email=f"{name}@example.com") for name in ("bob", "carol", "dave")
    )
    own, _ = generate_credential(membership=owner, name="ci-runner")
    generate_credential(membership=owner, name="deploy-bot-production-eu-west-nightly")
    generate_credential(membership=bob, name="bob-laptop")
    carols, _ = generate_credential(membership=carol, name="carol-ci")
    backup, _ = generate_credential(membership=carol, name="carol-backup")
    disable_credential(credential=backup, by=carol.user, reason="Disabled by its member.")
    for _ in range(12):
        record_token_issued(credential=own, scope="compute:read")
    record_token_issued(credential=carols, scope="compute:read")
    ivan = own_account(INVITED)
    return World(
        owner=owner,
        bob=bob,
        carol=carol,
        dave=dave,
        nora=own_account("nora@example.com"),
        gina=own_account("gina@example.com"),
        ivan=ivan,
        own_credential=own,
        carols_credential=carols,
        ivans_link=invite(owner.account, INVITED, owner.user, "an-invitation-for-ivan-0123456789abcdef0123"),
        strangers_link=invite(owner.account, STRANGER, owner.user, "an-invitation-for-someone-new-0123456789ab"),
    )


# What each state does after opening its page --------------------------------------------------


def submit_secret_name(name: str) -> Callable[[Page, World], None]:
    def submit(page: Page, world: World) -> None:
        page.get_by_label("Secret name").fill(name)
        page.get_by_role("button", name="Generate Secret").click()
        page.wait_for_load_state()

    return submit


def open_the_delete_dialog(page: Page, world: World) -> None:
    expect(delete_dialog(page, "ci-runner")).to_be_visible()


def sign_up_with_mismatched_passwords(page: Page, world: World) -> None:
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD + "x")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_load_state()


def sign_in_with(password: str) -> Callable[[Page, World], None]:
    def sign_in(page: Page, world: World) -> None:
        page.get_by_label("Email").fill(world.owner.user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()

    return sign_in


def grant_access_to_a_bad_address(page: Page, world: World) -> None:
    page.get_by_label("Email").fill("not-an-address")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_load_state()


def wait_for_swagger_ui(page: Page, world: World) -> None:
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)


@dataclass(frozen=True)
class State:
    name: str
    who: str | None  # a World membership, signed in by session cookie; None: signed out
    path: Callable[[World], str]
    status: int = 200  # of the first response
    then: Callable[[Page, World], None] | None = None


def at(path: str) -> Callable[[World], str]:
    return lambda world: path


STATES = [
    State("sign-in", None, at("/accounts/login/")),
    State("sign-in-error", None, at("/accounts/login/"), then=sign_in_with("not-the-password")),
    State("sign-up", None, at("/accounts/signup/")),
    State("sign-up-error", None, at("/accounts/signup/"), then=sign_up_with_mismatched_passwords),
    State("password-reset", None, at("/accounts/password/reset/")),
    State("profile", "owner", at("/settings/")),
    State("email-addresses", "owner", at("/accounts/email/")),
    State("two-factor", "owner", at("/accounts/2fa/")),
    State("credentials-owner-2", "owner", at("/settings/credentials/")),
    State("credentials-owner-0", "nora", at("/settings/credentials/")),
    State("credentials-member-0", "dave", at("/settings/credentials/")),
    State("credentials-member-1", "bob", at("/settings/credentials/")),
    State("credentials-member-2", "carol", at("/settings/credentials/")),
    State("generate", "gina", at("/settings/credentials/new/")),
    State("generate-error", "gina", at("/settings/credentials/new/"), then=submit_secret_name("not a valid name!")),
    State("secret", "gina", at("/settings/credentials/new/"), then=submit_secret_name("fresh-secret")),
    State("delete-dialog", "owner", at("/settings/credentials/"), then=open_the_delete_dialog),
    State("delete-page", "owner", lambda w: f"/settings/credentials/{w.own_credential.client_id}/delete/"),
    State("disable-page", "owner", lambda w: f"/settings/credentials/{w.own_credential.client_id}/disable/"),
    State("revoke-page", "owner", lambda w: f"/settings/credentials/{w.carols_credential.client_id}/revoke/"),
    State("usage", "owner", lambda w: f"/settings/credentials/{w.own_credential.client_id}/usage/"),
    State("policies", "owner", at("/settings/credentials/policies/")),
    State("access-owner", "owner", at("/settings/access/")),
    State("access-member", "bob", at("/settings/access/")),
    State("grant-access", "owner", at("/settings/access/grant/")),
    State("grant-access-error", "owner", at("/settings/access/grant/"), then=grant_access_to_a_bad_address),
    State("revoke-member", "owner", lambda w: f"/settings/access/members/{w.bob.pk}/revoke/"),
    State("leave-account", "bob", at("/settings/access/leave/")),
    State("activity-owner", "owner", at("/settings/activity/")),
    State("activity-member", "carol", at("/settings/activity/")),
    State("activity-filtered", "owner", at("/settings/activity/?event=token.issued")),
    State("activity-bad-filter", "owner", at("/settings/activity/?from=2026-13-01"), status=400),
    State("invitation-signed-in", "ivan", lambda w: w.ivans_link),
    State("invitation-signed-out", None, lambda w: w.strangers_link),
    State("invitation-wrong-user", "bob", lambda w: w.ivans_link, status=400),
    State("not-found", "owner", at("/no-such-page/"), status=404),
    State("forbidden", "bob", at("/settings/access/grant/"), status=403),
    State("flash-error", "owner", at("/settings/credentials/new/")),  # at the limit: back to the list, with why
    State("flash-signed-in", None, at("/accounts/login/"), then=sign_in_with(PASSWORD)),
    State("api-docs", None, at("/api/docs/"), then=wait_for_swagger_ui),
]


def signed_in_as(context, membership: Membership, base_url: str) -> None:
    """A session made by Django's test client, handed to the browser as its cookie."""
    client = Client()
    client.force_login(membership.user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": base_url, "secure": settings.SESSION_COOKIE_SECURE}]
    )


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("state", STATES, ids=[state.name for state in STATES])
def test_the_page_fits_the_screen_and_axe_finds_nothing(
    new_context, live_server, world, screenshots, state: State, width: int
):
    axe.axe_path()  # fail first, and clearly, without axe-core
    context = new_context(viewport={"width": width, "height": WIDTHS[width]}, bypass_csp=True)  # CSP: for axe
    if state.who:
        signed_in_as(context, getattr(world, state.who), live_server.url)
    page = context.new_page()
    response = page.goto(state.path(world))
    assert response is not None and response.status == state.status, f"{state.name}: {response and response.status}"
    if state.then:
        state.then(page, world)
    if state.name.startswith("flash"):
        expect(page.locator(".messages .message").first).to_be_visible()
    where = f"{state.name} at {width} px ({page.url})"

    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{where}: the page is {scroll} px wide, {scroll - inner} px of sideways scroll"
    axe.assert_no_violations(page, where)
    if width in SCREENSHOT_WIDTHS:
        page.screenshot(path=screenshots / f"page-{state.name}-{width}.png", full_page=True)
