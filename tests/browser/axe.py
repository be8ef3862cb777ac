"""axe-core in the browser tests: the pinned release from the npm registry, installed into var/axe by
`make axe` (also run by `make test`, hence by CI), injected from that local file, never from a CDN.

A missing or different axe-core fails the test that needs it, saying how to install it: CI installs it,
so a silent skip would only hide that the accessibility checks stopped running."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_DIR = ROOT / "var" / "axe" / "node_modules" / "axe-core"
AXE_JS = AXE_DIR / "axe.min.js"


def pinned_version() -> str:
    """The Makefile's AXE_CORE_VERSION: the one place the pin is written."""
    found = re.search(r"^AXE_CORE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found, "the Makefile has no AXE_CORE_VERSION"
    return found.group(1)


def axe_path() -> Path:
    """The local axe.min.js of the pinned version; the test fails (not skips) without it."""
    pin = pinned_version()
    install = f"run `make axe` (npm install --no-save --prefix var/axe axe-core@{pin})"
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is not installed at {AXE_JS.relative_to(ROOT)}: {install}", pytrace=False)
    installed = json.loads((AXE_DIR / "package.json").read_text())["version"]
    if installed != pin:
        pytest.fail(f"var/axe has axe-core {installed}, the Makefile pins {pin}: {install}", pytrace=False)
    return AXE_JS


def violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now, every rule axe runs by default, any impact.
    The page's context must have been made with bypass_csp=True: the CSP refuses an injected script."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_path()))
    return page.evaluate(
        """() => axe.run(document, {resultTypes: ["violations"]}).then(result => result.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(node => node.target.join(" ")),
        })))"""
    )


def describe(found: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}; {len(v['targets'])} node(s): {', '.join(v['targets'][:5])}"
        for v in found
    )


def assert_no_violations(page: Page, where: str) -> None:
    found = violations(page)
    assert not found, f"axe-core found {len(found)} violation(s) on {where}:\n{describe(found)}"
