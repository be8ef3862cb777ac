"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live_server.

The browser is the distribution's Chromium, not one downloaded by ``playwright install``.
Its path comes from the CHROMIUM environment variable, default /usr/bin/chromium. When that
file does not exist, every test in this package is skipped with a reason saying so (the rest of
the suite is unaffected); ``CHROMIUM=/nonexistent pytest tests/browser -rs`` shows it.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_MISSING = f"Chromium is not installed at {CHROMIUM}: apt-get install chromium (or set CHROMIUM to its path)"
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "var" / "screenshots"


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this package's tests, and only them, when there is no Chromium to drive."""
    if chromium_available():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not chromium_available():  # a test elsewhere that asks for a browser
        pytest.skip(CHROMIUM_MISSING)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs in page.goto() and expect(page).to_have_url() resolve against the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, base_url):
    return {
        **browser_context_args,
        "base_url": base_url,
        "permissions": ["clipboard-read", "clipboard-write"],
    }


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _note_csp_violation(message, errors: list[str]) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(message.text)


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's context factory, failing fast (each step here takes well under a second)
    and failing the test if a page throws an uncaught JavaScript error or breaks the
    Content-Security-Policy."""
    js_errors = []

    def make(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(5_000)
        context.on("weberror", lambda error: js_errors.append(f"{error.page.url if error.page else ''}: {error.error}"))
        context.on("console", lambda message: _note_csp_violation(message, js_errors))
        return context

    yield make
    assert not js_errors, f"JavaScript errors: {js_errors}"
