"""Fault drills against a real gunicorn on PostgreSQL and Redis (run by .ci/run, last; not by pytest).

1. PostgreSQL restarts under steady wrk load: requests fail cleanly (503 JSON, no stack trace),
   the app recovers by itself within a few seconds, and no credential is lost or duplicated.
   Usage counters are flushed every second, right up to the outage and straight after it.
2. Redis goes away: bearer authentication and the token endpoint keep working (throttling
   fails open, with a warning in the log) and throttling works again once Redis is back.

PostgreSQL and Redis are started again at the end whatever happens.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import harness

VAR = harness.ROOT / "var" / "faults"
DATABASE, REDIS_DB, PORT = "caas_faults", 4, 8780
PG_CLUSTER = sorted(os.listdir("/etc/postgresql"))[0] if os.path.isdir("/etc/postgresql") else "15"
PG_START = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_CLUSTER, "main", "start"]
PG_STOP = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_CLUSTER, "main", "stop", "-m", "fast"]
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)
RECOVERY_LIMIT = 10.0


def say(message: str) -> None:
    print(f"[faults] {message}", flush=True)


def postgres_up() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode == 0


def redis_up() -> bool:
    return subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True, check=False).returncode == 0


def ensure_services() -> None:
    if not postgres_up():
        subprocess.run(PG_START, check=False)
    if not redis_up():
        subprocess.run(REDIS_START, shell=True, check=False)  # noqa: S602 (the machine's documented start command)
    for _ in range(50):
        if postgres_up() and redis_up():
            return
        time.sleep(0.2)


def credentials_now() -> list[tuple[str, str]]:
    from django.db import connections

    from credentials.models import Credential

    rows = sorted(Credential.objects.values_list("client_id", "name"))
    connections.close_all()
    return rows


class Prober(threading.Thread):
    """Sequential requests recording what clients see."""

    def __init__(self, url: str, headers: dict) -> None:
        super().__init__(daemon=True)
        self.url, self.headers, self.results, self.stopped = url, headers, [], threading.Event()

    def run(self) -> None:
        session = requests.Session()
        while not self.stopped.is_set():
            at = time.monotonic()
            try:
                response = session.get(self.url, headers=self.headers, timeout=5)
                self.results.append((at, response.status_code, response.headers.get("Content-Type", ""), response.text))
            except requests.RequestException as error:
                self.results.append((at, 0, "", repr(error)))
            time.sleep(0.05)


def start_wrk(url: str, headers: dict, seconds: int) -> subprocess.Popen:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    args = [wrk, "-t1", "-c8", f"-d{seconds}s", "--timeout", "5s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    return subprocess.Popen([*args, url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def drill_postgres_restart(url: str, headers: dict) -> list[str]:
    problems = []
    before = credentials_now()
    load = start_wrk(url, headers, 20)
    prober = Prober(url, headers)
    prober.start()
    time.sleep(4)
    say("stopping PostgreSQL under load")
    subprocess.run(PG_STOP, check=True)
    down_at = time.monotonic()
    time.sleep(4)
    say("starting PostgreSQL again")
    subprocess.run(PG_START, check=True)
    while not postgres_up():
        time.sleep(0.1)
    back_at = time.monotonic()
    time.sleep(RECOVERY_LIMIT)
    prober.stopped.set()
    prober.join()
    wrk_output = load.communicate()[0]
    say(
        "wrk: "
        + " | ".join(line.strip() for line in wrk_output.splitlines() if "requests" in line or "Non-2xx" in line)
    )

    during = [r for r in prober.results if down_at <= r[0] < back_at]
    failures = [r for r in prober.results if r[1] != 200]
    if not during or all(r[1] == 200 for r in during):
        problems.append("the outage was not observed by the prober")
    for at, code, content_type, text in failures:
        if code != 503 or not content_type.startswith("application/json") or "Traceback" in text:
            problems.append(f"unclean failure at +{at - down_at:.1f}s: {code} {content_type} {text[:120]!r}")
    after = [r for r in prober.results if r[0] >= back_at]
    recovered = next((r[0] for r in after if r[1] == 200), None)
    if recovered is None:
        problems.append("never recovered after PostgreSQL came back")
    else:
        say(f"503s: {len(failures)}; recovered {recovered - back_at:.2f}s after PostgreSQL accepted connections")
        if recovered - back_at > RECOVERY_LIMIT / 2:
            problems.append(f"recovery took {recovered - back_at:.1f}s")
        late = [r for r in after if r[0] > recovered and r[1] != 200]
        if late:
            problems.append(f"{len(late)} failures after recovery")
    if credentials_now() != before:
        problems.append("credentials changed across the restart")
    return problems


def drill_redis_outage(base: str, url: str, headers: dict, client_id: str, secret: str) -> list[str]:
    problems = []
    say("stopping Redis")
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True, check=False)
    for _ in range(20):
        if not redis_up():
            break
        time.sleep(0.1)
    token = requests.post(
        f"{base}/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=5
    )
    if token.status_code != 200:
        problems.append(f"token endpoint without Redis answered {token.status_code}")
    for name, value in [
        ("secret", headers["Authorization"]),
        ("token", f"Bearer {token.json().get('access_token', '')}"),
    ]:
        response = requests.get(url, headers={"Authorization": value}, timeout=5)
        if response.status_code != 200:
            problems.append(f"bearer {name} without Redis answered {response.status_code}")
    log = (VAR / "server.log").read_text(errors="replace")
    if "Redis is unavailable" not in log:
        problems.append("the Redis outage was not logged")
    say("starting Redis again")
    subprocess.run(REDIS_START, shell=True, check=True)  # noqa: S602
    while not redis_up():
        time.sleep(0.1)
    wrong = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret[:-6] + "AAAAAA"}
    codes = [requests.post(f"{base}/oauth2/token", data=wrong, timeout=5).status_code for _ in range(31)]
    if codes[-1] != 429:
        problems.append(f"throttling did not come back with Redis: {codes}")
    return problems


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    ensure_services()
    # Usage flushes around the outage; the drills' load is far above one credential's request rate.
    env = harness.environment(
        DATABASE, REDIS_DB, USAGE_FLUSH_SECONDS="1", THROTTLE_REQUESTS_PER_CREDENTIAL="1000000/60"
    )
    harness.prepare(env, DATABASE, REDIS_DB)
    [(client_id, secret), _spare], account = harness.seed_member(env, "faults@example.com", ["drill", "spare"])
    problems = []
    try:
        with harness.gunicorn(env, PORT, VAR / "server.log") as base:
            url = f"{base}/regional/us-region-1/v1/cloudaccounts/{account}/instancetypes"
            headers = {"Authorization": f"Bearer {secret}"}
            problems += drill_postgres_restart(url, headers)
            problems += drill_redis_outage(base, url, headers, client_id, secret)
    finally:
        ensure_services()
    for problem in problems:
        say("FAILED: " + problem)
    print(f"faults: {2 - min(len(problems), 2)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
