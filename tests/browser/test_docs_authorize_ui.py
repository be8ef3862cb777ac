"""Swagger UI's Authorize with the oauth2 client credentials flow: a client ID and secret typed
into /api/docs/ fetch a token from /oauth2/token, and "Try it out" then calls the API with it."""

import json

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def authorize_with_client_credentials(page: Page, client_id: str, secret: str) -> None:
    """Swagger UI's own markup: its modal has no dialog role, and each scheme is an .auth-container."""
    page.get_by_role("button", name="Authorize").first.click()
    oauth2 = page.locator(".auth-container").filter(has_text="clientCredentials")
    oauth2.get_by_label("client_id:").fill(client_id)
    oauth2.get_by_label("client_secret:").fill(secret)
    oauth2.get_by_role("button", name="Apply given OAuth2 credentials").click()
    expect(oauth2.get_by_role("heading", name="Authorized")).to_be_visible()
    expect(oauth2.get_by_role("button", name="Remove authorization")).to_be_visible()
    oauth2.get_by_role("button", name="Close").click()


def test_authorize_fetches_a_token_that_try_it_out_sends_to_me(page: Page, member, member_credential):
    credential, secret = member_credential
    tokens = []
    page.on("response", lambda response: tokens.append(response) if response.url.endswith("/oauth2/token") else None)
    page.goto("/api/docs/")
    authorize_with_client_credentials(page, credential.client_id, secret)
    assert [response.status for response in tokens] == [200]
    assert tokens[0].request.headers["authorization"].startswith("Basic ")  # client_secret_basic

    operation = page.locator("#operations-me-get_me")
    operation.get_by_role("button", name="Who am I").click()
    operation.get_by_role("button", name="Try it out").click()
    with page.expect_response(lambda response: response.url.endswith("/api/v1/me")) as answer:
        operation.get_by_role("button", name="Execute").click()
    me = answer.value
    assert me.status == 200
    assert me.request.headers["authorization"].startswith("Bearer ey")  # the access token, not the secret
    body = json.loads(me.body())
    assert body["authentication"] == "access_token"
    assert body["account"]["cloud_account_id"] == member.account.cloud_account_id
    expect(operation.locator(".responses-table .response .microlight").first).to_contain_text(
        member.account.cloud_account_id
    )


def test_the_client_secret_is_not_kept_in_the_browser(page: Page, member_credential):
    """Swagger UI's persistAuthorization would write the client ID and secret to localStorage, where
    they outlive the tab and any script on the origin can read them: it stays off."""
    credential, secret = member_credential
    page.goto("/api/docs/")
    authorize_with_client_credentials(page, credential.client_id, secret)
    stored = page.evaluate(
        "() => Object.values(localStorage).join(' ') + ' ' + Object.values(sessionStorage).join(' ')"
    )
    assert secret not in stored
