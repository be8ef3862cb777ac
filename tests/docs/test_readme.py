"""The README walk-through as tests/docs/run_readme.py finds it (CI runs it against a live server;
these checks are the cheap part): the right blocks, every call fails loudly, no variable unset."""

import re

import pytest

from tests.docs.run_readme import MARKER, README, runnable_blocks

GIVEN = {"CLIENT_ID", "CLIENT_SECRET", "BASE"}  # what the reader exports in step 1, and the runner


def commands(code: str) -> list[str]:
    """Shell commands, with backslash continuations joined."""
    return [command.strip() for command in code.replace("\\\n", " ").splitlines() if command.strip()]


@pytest.fixture(scope="module")
def blocks():
    return runnable_blocks(README.read_text())


def test_the_walkthrough_regional_example_and_client_section_are_runnable(blocks):
    assert [block.heading for block in blocks] == [
        *["Walk-through with curl"] * 3,
        "Regional services",
        "OpenAPI and the example client",
    ]
    assert "python examples/client.py list" in blocks[-1].code


def test_every_curl_fails_on_an_http_error(blocks):
    """Without --fail-with-body curl exits 0 on a 4xx or 5xx, and the run would pass anyway."""
    curls = [command for block in blocks for command in commands(block.code) if re.search(r"\bcurl ", command)]
    assert curls and all("--fail-with-body" in command for command in curls)


def test_every_variable_is_set_before_it_is_used(blocks):
    """A reader has only a client ID, its secret and the base URL; everything else the blocks set themselves."""
    known = set(GIVEN)
    for block in blocks:
        for command in commands(block.code):
            if command.startswith("#"):
                continue
            used = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", command))
            assert used <= known, f"README.md:{block.line}: {sorted(used - known)} not set before: {command}"
            known |= set(re.findall(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", command))


def test_an_indented_block_in_a_list_item_is_found_dedented_with_its_heading():
    text = "\n".join(
        [
            "## Steps",
            "",
            "1. Call it:",
            "",
            f"   {MARKER}",
            "",
            "       curl -f x \\",
            "           -d y",
            "",
            "       echo z",
            "",
            "   Then.",
            "",
        ]
    )
    [block] = runnable_blocks(text)
    assert (block.line, block.heading, block.code) == (7, "Steps", "curl -f x \\\n    -d y\n\necho z\n")


def test_a_marker_without_a_code_block_is_an_error():
    """Otherwise a block whose indentation was lost would silently stop running."""
    with pytest.raises(ValueError, match=r"README\.md:3:"):
        runnable_blocks(f"## Steps\n\n{MARKER}\n\nNot code.\n")
