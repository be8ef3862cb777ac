"""The README's API walk-through, run exactly as printed against a live gunicorn server (run by
.ci/run; not by pytest), so the docs cannot drift from the API.

The runnable blocks are the indented code blocks right after a `<!-- runs in CI -->` line. They
run in order in one bash session with `set -euo pipefail`, after the one step a reader does by
hand, `export CLIENT_ID=... CLIENT_SECRET=... BASE=...`, here with a freshly seeded member's
credential. Their curls use --fail-with-body, so a refused call fails the run. The session's
output holds tokens and secrets: it is printed only when the run fails, and redacted.
"""

import os
import re
import shlex
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from credentials.keys import SECRET_PATTERN
from tests import harness

README = harness.ROOT / "README.md"
MARKER = "<!-- runs in CI -->"
VAR = harness.ROOT / "var" / "readme"
DATABASE, REDIS_DB, PORT = "caas_readme", 10, 8792
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Block:
    line: int  # of the block's first line in the README, counted from 1
    heading: str  # of the section it is in
    code: str


def runnable_blocks(text: str) -> list[Block]:
    """Each indented code block after a marker line (blank lines between), dedented. A marker
    followed by anything else is an error, so a block cannot silently stop running."""
    lines, blocks, heading = text.splitlines(), [], ""
    for number, line in enumerate(lines):
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        if line.strip() != MARKER:
            continue
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        start = number + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        end = start
        while end < len(lines) and (lines[end].startswith(indent) or not lines[end].strip()):
            end += 1
        code = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
        if not code:
            raise ValueError(f"README.md:{number + 1}: {MARKER} is not followed by an indented code block")
        blocks.append(Block(line=start + 1, heading=heading, code=code + "\n"))
    return blocks


def script(blocks: list[Block]) -> str:
    """One bash script; each block announces itself, so a failure's output says which block it was."""
    parts = ["set -euo pipefail"]
    for block in blocks:
        parts += ["echo", f"echo {shlex.quote(f'==> README.md:{block.line} ({block.heading})')}", block.code]
    return "\n".join(parts)


def redacted(output: str, secret: str) -> str:
    output = output.replace(secret, "[client secret]")
    return JWT.sub("[access token]", SECRET_PATTERN.sub("[client secret]", output))


def main() -> int:
    blocks = runnable_blocks(README.read_text())
    VAR.mkdir(parents=True, exist_ok=True)
    env = harness.environment(DATABASE, REDIS_DB, OAUTH_ISSUER=f"http://127.0.0.1:{PORT}")
    harness.prepare(env, DATABASE, REDIS_DB)
    [(client_id, secret)], _ = harness.seed_member(env, "readme@example.com", ["readme"])
    with harness.gunicorn(env, PORT, VAR / "server.log") as base:
        reader = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # `python` has requests
            "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 (only if HOME is unset)
            "LANG": "C.UTF-8",
            "CLIENT_ID": client_id,
            "CLIENT_SECRET": secret,
            "BASE": base,
        }
        result = subprocess.run(
            ["bash", "-c", script(blocks)],
            cwd=harness.ROOT,
            env=reader,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
    if result.returncode != 0:
        print(redacted(result.stdout, secret))
        print(f"The README walk-through failed (exit {result.returncode}); server log: {VAR / 'server.log'}")
        return 1
    for block in blocks:
        print(f"ran README.md:{block.line} ({block.heading})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
