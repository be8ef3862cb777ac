"""tests/interop against a live gunicorn on PostgreSQL (run by .ci/run; not by the project's pytest).

The clients and verifiers are libraries nobody here wrote, installed pinned in a venv of their
own (var/interop/venv, from tests/interop/requirements.txt), and the tests import nothing from
the project: they get a base URL and one credential, as an integrator does. The secret reaches
them in the environment only; nothing prints it.
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import harness

HERE = Path(__file__).resolve().parent
VAR = harness.ROOT / "var" / "interop"
DATABASE, REDIS_DB, PORT = "caas_interop", 9, 8793


def interop_python() -> Path:
    """The venv's interpreter, (re)installed when the pinned requirements changed."""
    home = VAR / "venv"
    python = home / "bin" / "python"
    requirements = (HERE / "requirements.txt").read_text()
    stamp = home / "requirements.txt"
    if not python.exists() or not stamp.exists() or stamp.read_text() != requirements:
        venv.create(home, with_pip=True, clear=True)
        pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(HERE / "requirements.txt")], check=True)
        stamp.write_text(requirements)
    return python


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    python = interop_python()
    base_url = f"http://127.0.0.1:{PORT}"
    env = harness.environment(DATABASE, REDIS_DB, OAUTH_ISSUER=base_url)
    harness.prepare(env, DATABASE, REDIS_DB)
    [(client_id, secret)], account = harness.seed_member(env, "interop@example.com", ["interop"])
    with harness.gunicorn(env, PORT, VAR / "server.log"):
        tests = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE", "REDIS"))},
            "INTEROP_BASE_URL": base_url,
            "INTEROP_CLIENT_ID": client_id,
            "INTEROP_CLIENT_SECRET": secret,
            "INTEROP_ACCOUNT": account,
        }
        command = [str(python), "-m", "pytest", "-c", str(HERE / "pytest.ini"), str(HERE), "-q", "-rA"]
        result = subprocess.run(command, env=tests, check=False)
    print(subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
