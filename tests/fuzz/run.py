"""schemathesis against /api/schema/ on a live gunicorn server (run by .ci/run; not by pytest).

It seeds one member with two credentials, gets a real access token with the first, and lets
schemathesis call every operation (hooks.py keeps it from deleting that first one): the run
fails on any server error (5xx) or any answer that breaks the schema. The client secrets never
leave this process.
"""

import os
import subprocess
import sys
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import harness

VAR = harness.ROOT / "var" / "fuzz"
DATABASE, REDIS_DB, PORT = "caas_fuzz", 5, 8781
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
MAX_EXAMPLES = os.environ.get("FUZZ_MAX_EXAMPLES", "40")
# The fuzzer fails client authentication on purpose thousands of times from one address.
UNTHROTTLED = {"THROTTLE_FAILED_AUTH_PER_IP": "1000000/60", "THROTTLE_REQUESTS_PER_CREDENTIAL": "1000000/60"}


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    env = harness.environment(DATABASE, REDIS_DB, **UNTHROTTLED)
    harness.prepare(env, DATABASE, REDIS_DB)
    [(client_id, secret), (target, _)], account = harness.seed_member(env, "fuzz@example.com", ["fuzz", "target"])
    config = VAR / "schemathesis.toml"  # out of the pytest rootdir's reach: its plugin reads this file too
    config.write_text(f'[parameters]\n"path.region" = "us-region-1"\n"path.cloudaccount_id" = "{account}"\n')
    with harness.gunicorn(env, PORT, VAR / "server.log") as base:
        token = requests.post(
            f"{base}/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=10
        ).json()["access_token"]
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(config),
            "run",
            f"{base}/api/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            MAX_EXAMPLES,
            "--workers",
            "1",
            "--suppress-health-check",
            "all",
        ]
        hooks = {
            "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
            "PYTHONPATH": str(harness.ROOT),
            "FUZZ_OWN_CLIENT_ID": client_id,
            "FUZZ_TARGET_CLIENT_ID": target,
            "FUZZ_CLOUDACCOUNT_ID": account,
        }
        return subprocess.run(command, cwd=VAR, env={**os.environ, **hooks}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
