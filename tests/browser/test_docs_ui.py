import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_from_local_assets_under_the_csp(page: Page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/docs/")
    expect(page.get_by_text("Credentials as a Service API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/credentials/").first).to_be_visible()
    expect(page.get_by_text("/oauth2/token").first).to_be_visible()
    assert requests and all(url.startswith(page.url.split("/api/")[0]) for url in requests), requests


def test_the_sign_in_page_works_under_the_csp(page: Page):
    page.goto("/accounts/login/")
    expect(page.get_by_label("Email")).to_be_visible()
