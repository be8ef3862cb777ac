"""The team's black-box acceptance checks against gunicorn on PostgreSQL (run by .ci/run; not by pytest).

    .venv/bin/python tests/acceptance/run.py "$SHARED_DIR/acceptance"

A production configuration served over plain http on loopback, as the checks' README asks: a fresh
database caas_acceptance, Redis database 2, gunicorn on 127.0.0.1:8765 (2 workers, 4 threads each),
mail to the console, since the checks read confirmation links from the server log (SERVER_LOG).
Exits with the checks' pytest status.
"""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import harness

DATABASE, REDIS_DB, PORT = "caas_acceptance", 2, 8765
SERVER_LOG = harness.ROOT / "var" / "acceptance" / "server.log"


def main(checks: Path) -> int:
    SERVER_LOG.parent.mkdir(parents=True, exist_ok=True)
    env = harness.environment(
        DATABASE,
        REDIS_DB,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        ACCOUNT_RATE_LIMITS="off",
        OAUTH_ISSUER=f"http://127.0.0.1:{PORT}",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    harness.prepare(env, DATABASE, REDIS_DB)
    with harness.gunicorn(env, PORT, SERVER_LOG, args=["--threads", "4"]) as base:
        pytest = [str(Path(sys.executable).with_name("pytest")), str(checks), "-q"]
        pytest += ["-p", "no:django", "-p", "no:cacheprovider", "--rootdir", str(checks)]
        # The checks read the database too (DATABASE_URL), but not the server's secrets.
        checks_env = {
            **os.environ,
            "DATABASE_URL": env["DATABASE_URL"],
            "BASE_URL": base,
            "SERVER_LOG": str(SERVER_LOG),
        }
        return subprocess.run(pytest, cwd=harness.ROOT, env=checks_env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
