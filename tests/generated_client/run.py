"""A Python client generated from the live schema runs a scenario against gunicorn (run by .ci/run;
not by pytest): proof that a generator can use the OpenAPI description as it is served.

openapi-python-client and mypy are pinned and live in their own throwaway venv under
var/genclient/, out of the project's requirements. The steps: a fresh PostgreSQL database with one
member and one credential, gunicorn, the schema fetched from /api/schema/, a client generated from
it, scenario.py type-checked with mypy --strict against that client, then run. The client secret
goes to the scenario in its environment only.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import harness

HERE = Path(__file__).resolve().parent
VAR = harness.ROOT / "var" / "genclient"
DATABASE, REDIS_DB, PORT = "caas_genclient", 11, 8791
TOOLS = ["openapi-python-client==0.29.1", "mypy==2.4.1"]
PACKAGE = "caas_client"


def tools() -> Path:
    """The venv's bin directory, with the pinned generator and type checker (and the httpx and attrs
    the generated client needs, which the generator brings)."""
    venv = VAR / "venv"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
    subprocess.run([*pip, *TOOLS], check=True)
    return venv / "bin"


def generate(bin_dir: Path, base: str) -> Path:
    """The client package, generated afresh from the schema the server serves."""
    schema = VAR / "schema.json"
    answer = requests.get(f"{base}/api/schema/", params={"format": "json"}, timeout=30)
    answer.raise_for_status()
    schema.write_text(answer.text)
    output = VAR / "client"
    shutil.rmtree(output, ignore_errors=True)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}  # its post-hooks run ruff
    command = [str(bin_dir / "openapi-python-client"), "generate", "--path", str(schema), "--meta", "none"]
    subprocess.run([*command, "--output-path", str(output / PACKAGE), "--fail-on-warning"], check=True, env=env)
    return output


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    bin_dir = tools()
    env = harness.environment(DATABASE, REDIS_DB)
    harness.prepare(env, DATABASE, REDIS_DB)
    [(client_id, secret)], _ = harness.seed_member(env, "genclient@example.com", ["genclient"])
    with harness.gunicorn(env, PORT, VAR / "server.log") as base:
        client = generate(bin_dir, base)
        checked = {**os.environ, "MYPYPATH": str(client)}
        mypy = [str(bin_dir / "mypy"), "--config-file", str(HERE / "mypy.ini"), "--strict", "--follow-imports=silent"]
        mypy += ["--cache-dir", str(VAR / "mypy-cache")]
        subprocess.run([*mypy, str(HERE / "scenario.py")], check=True, env=checked)
        scenario = {
            **os.environ,
            "PYTHONPATH": str(client),
            "CAAS_URL": base,
            "CAAS_CLIENT_ID": client_id,
            "CAAS_CLIENT_SECRET": secret,
        }
        return subprocess.run(
            [str(bin_dir / "python"), str(HERE / "scenario.py")], env=scenario, check=False
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
