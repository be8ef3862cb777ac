"""A console and a region as separate gunicorn servers on two PostgreSQL databases (run by .ci/run).

1. A client secret and an access token both work at the region, which has no connection to the
   console's database; the region serves only its own region and answers 404 to anything else.
2. Revocation by push: 100 times, a credential is made, used at the region (its secret answer is
   then cached there, and a token of it verified offline), and deleted on the console. The time
   from the console's 204 until the region refuses the secret and the token for good is measured;
   the p99 must be under 1 s, and nothing is served after the refusal started.
3. Every limit holds at the region as at the console, for the secret and for a token of it: a
   read-only credential cannot write, one restricted to another region or to other source
   addresses is refused, another account's path is 403, an access token revoked through RFC 7009
   and a disabled credential are refused; the usage and refusals counted at the region, and the
   Activity of an instance made there, reach the console.
4. The console goes away: the region keeps serving what it can verify for the staleness window
   (CAAS_REVOCATION_MAX_STALENESS), then answers 503 with Retry-After and /readyz says "stale";
   once the console is back, the region serves again.

The revocation latencies are printed and written to var/regions/latency.json for README § Scaling.
"""

import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import harness

VAR = harness.ROOT / "var" / "regions"
CONSOLE_DB, REGION_DB = "caas_regions_console", "caas_regions_region"
CONSOLE_REDIS, REGION_REDIS = 8, 9
CONSOLE_PORT, REGION_PORT = 8791, 8792
REGION = "us-region-1"
STALENESS = 4
REVOCATIONS = 100
LATENCY_LIMIT = 1.0
STREAK = 5  # refusals in a row that count as "refused for good"
REPORT_WITHIN = 10


def say(message: str) -> None:
    print(f"[regions] {message}", flush=True)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Deployment:
    def __init__(self) -> None:
        VAR.mkdir(parents=True, exist_ok=True)
        console_url = f"http://127.0.0.1:{CONSOLE_PORT}"
        # The drill polls as fast as it can, and a revoked secret is an unknown one: a guess.
        unthrottled = {"THROTTLE_FAILED_AUTH_PER_IP": "1000000/60", "DJANGO_LOG_LEVEL": "WARNING"}
        self.console_env = harness.environment(
            CONSOLE_DB, CONSOLE_REDIS, OAUTH_ISSUER=console_url, CAAS_ROLE="console", **unthrottled
        )
        harness.prepare(self.console_env, CONSOLE_DB, CONSOLE_REDIS)
        self.region_env = harness.region_environment(
            self.console_env,
            REGION_DB,
            REGION_REDIS,
            REGION,
            CAAS_REVOCATION_MAX_STALENESS=str(STALENESS),
            USAGE_FLUSH_SECONDS="1",
            DJANGO_TRUSTED_PROXIES="127.0.0.1/32",
            **unthrottled,
        )
        harness.prepare(self.region_env, REGION_DB, REGION_REDIS)
        made, self.account = harness.seed_member(self.console_env, "owner@example.com", ["parent"])
        self.parent_id, self.parent_secret = made[0]

    def console(self):
        return harness.gunicorn(self.console_env, CONSOLE_PORT, VAR / "console.log", args=["--threads", "8"])

    def region(self):
        return harness.gunicorn(self.region_env, REGION_PORT, VAR / "region.log")


def check_basics(console: str, region: str, deployment: Deployment) -> tuple[list[str], str]:
    problems = []
    child = requests.post(
        f"{console}/api/v1/credentials/",
        json={"name": "at-the-region"},
        headers=bearer(deployment.parent_secret),
        timeout=10,
    ).json()
    token = requests.post(
        f"{console}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(child["client_id"], child["client_secret"]),
        timeout=10,
    ).json()["access_token"]
    url = f"{region}/regional/{REGION}/v1/cloudaccounts/{deployment.account}/instancetypes"
    for name, value in (("client secret", child["client_secret"]), ("access token", token)):
        status = requests.get(url, headers=bearer(value), timeout=5).status_code
        if status != 200:
            problems.append(f"{name} at the region: {status}, expected 200")
    made = requests.post(
        f"{region}/regional/{REGION}/v1/cloudaccounts/{deployment.account}/instances",
        json={"name": "web-1", "instance_type": "vm.small", "machine_image": "debian-12"},
        headers=bearer(token),
        timeout=5,
    )
    if made.status_code != 201:
        problems.append(f"creating an instance at the region: {made.status_code} {made.text[:200]}")
    for path in (f"/regional/us-region-2/v1/cloudaccounts/{deployment.account}/instancetypes", "/api/v1/me", "/admin/"):
        status = requests.get(f"{region}{path}", headers=bearer(token), timeout=5).status_code
        if status != 404:
            problems.append(f"{path} at the region: {status}, expected 404")
    if (
        requests.get(
            url.replace(REGION, "us-region-2").replace(str(REGION_PORT), str(CONSOLE_PORT)), timeout=5
        ).status_code
        != 404
    ):
        problems.append("the console (CAAS_ROLE=console) serves regional paths")
    requests.delete(
        f"{console}/api/v1/credentials/{child['client_id']}", headers=bearer(deployment.parent_secret), timeout=10
    )
    return problems, url


def check_limits(console: str, region: str, deployment: Deployment) -> list[str]:
    problems = []
    base = f"{region}/regional/{REGION}/v1/cloudaccounts/{deployment.account}"
    parent = bearer(deployment.parent_secret)
    cases = [
        ({"permissions": ["compute:read"]}, "post", 403, "a read-only credential writing"),
        ({"regions": ["us-region-2"]}, "get", 401, "a credential of another region"),
        ({"allowed_ips": ["127.0.0.0/8"]}, "elsewhere", 401, "a credential used from outside its addresses"),
        ({"allowed_ips": ["127.0.0.0/8"]}, "get", 200, "a credential used from inside its addresses"),
        ({}, "other-account", 403, "another account's path"),
        ({}, "revoked-token", 401, "an access token revoked through RFC 7009"),
        ({}, "disabled", 401, "a disabled credential"),
    ]
    for index, (limits, how, expected, label) in enumerate(cases):
        made = requests.post(
            f"{console}/api/v1/credentials/", json={"name": f"limit-{index}", **limits}, headers=parent, timeout=10
        )
        if made.status_code != 201:
            problems.append(f"{label}: could not make it ({made.status_code} {made.text[:200]})")
            continue
        child = made.json()
        basic = (child["client_id"], child["client_secret"])
        token = requests.post(
            f"{console}/oauth2/token", data={"grant_type": "client_credentials"}, auth=basic, timeout=10
        ).json()["access_token"]
        values = {"secret": child["client_secret"], "token": token}
        if how == "revoked-token":
            requests.post(f"{console}/oauth2/revoke", data={"token": token}, auth=basic, timeout=10)
            values = {"token": token}
        if how == "disabled":
            requests.post(f"{console}/api/v1/credentials/{child['client_id']}/disable", headers=parent, timeout=10)
        time.sleep(0.3)  # the feed: well under its p99
        for kind, value in values.items():
            if how == "post":
                answer = requests.post(
                    f"{base}/sshpublickeys",
                    json={"name": "k", "ssh_public_key": "ssh-ed25519 AAAA x"},
                    headers=bearer(value),
                    timeout=5,
                )
            elif how == "other-account":
                answer = requests.get(
                    base.replace(deployment.account, "000000000000") + "/instancetypes",
                    headers=bearer(value),
                    timeout=5,
                )
            elif how == "elsewhere":  # the region trusts the local proxy: the client is 198.51.100.7
                elsewhere = {**bearer(value), "X-Forwarded-For": "198.51.100.7"}
                answer = requests.get(f"{base}/instancetypes", headers=elsewhere, timeout=5)
            else:
                answer = requests.get(f"{base}/instancetypes", headers=bearer(value), timeout=5)
            if answer.status_code != expected:
                problems.append(
                    f"{label} ({kind}) at the region: {answer.status_code}, expected {expected}: {answer.text[:200]}"
                )
        requests.delete(f"{console}/api/v1/credentials/{child['client_id']}", headers=parent, timeout=10)
    return problems


def check_reports(console: str, region: str, deployment: Deployment) -> list[str]:
    """What the region counted and did shows at the console once the region has reported."""
    parent = bearer(deployment.parent_secret)
    base = f"{region}/regional/{REGION}/v1/cloudaccounts/{deployment.account}"
    for _ in range(3):
        requests.get(f"{base}/instancetypes", headers=parent, timeout=5)
    requests.post(
        f"{base}/instances",
        json={"name": "reported", "instance_type": "vm.small", "machine_image": "debian-12"},
        headers=parent,
        timeout=5,
    )
    deadline = time.monotonic() + REPORT_WITHIN
    while time.monotonic() < deadline:
        usage = requests.get(
            f"{console}/api/v1/credentials/{deployment.parent_id}/usage", headers=parent, timeout=10
        ).json()
        if sum(usage["requests"].get(REGION, [])) >= 3 and usage["last_used_region"] == REGION:
            break
        time.sleep(0.5)
    else:
        return [f"the region's usage did not reach the console within {REPORT_WITHIN} s"]
    from accounts.models import AuditEvent

    if not AuditEvent.objects.filter(action="instance.created", target__startswith="reported ").exists():
        return ["the instance made at the region is not in the console's Activity"]
    say(f"usage at the region reached the console: {sum(usage['requests'][REGION])} requests in {REGION}")
    return []


def refused_for_good(session: requests.Session, url: str, values: list[str], deadline: float) -> list[float | None]:
    """For each value (asked in turn), when the region started refusing it and kept refusing it
    STREAK times in a row; None for one it still served at `deadline`."""
    started: list[float | None] = [None] * len(values)
    streaks = [0] * len(values)
    while time.monotonic() < deadline and min(streaks) < STREAK:
        for index, value in enumerate(values):
            if streaks[index] >= STREAK:
                continue
            at = time.monotonic()
            if session.get(url, headers=bearer(value), timeout=5).status_code == 401:
                started[index] = started[index] if streaks[index] else at
                streaks[index] += 1
            else:
                streaks[index] = 0
    return [start if streak >= STREAK else None for start, streak in zip(started, streaks, strict=True)]


def measure_revocations(console: str, region: str, url: str, deployment: Deployment) -> tuple[list[str], dict]:
    problems, secret_latency, token_latency = [], [], []
    session = requests.Session()
    for round_number in range(REVOCATIONS):
        child = session.post(
            f"{console}/api/v1/credentials/",
            json={"name": f"r{round_number}"},
            headers=bearer(deployment.parent_secret),
        ).json()
        token = session.post(
            f"{console}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(child["client_id"], child["client_secret"]),
        ).json()["access_token"]
        for value in (child["client_secret"], token):
            served = session.get(url, headers=bearer(value))
            if served.status_code != 200:
                problems.append(f"round {round_number}: not served before the revocation: {served.text[:200]}")
        deleted = session.delete(
            f"{console}/api/v1/credentials/{child['client_id']}", headers=bearer(deployment.parent_secret)
        )
        answered = time.monotonic()
        if deleted.status_code != 204:
            problems.append(f"round {round_number}: delete answered {deleted.status_code}")
            continue
        refused = refused_for_good(session, url, [child["client_secret"], token], answered + 10)
        for name, at, latencies in zip(("secret", "token"), refused, (secret_latency, token_latency), strict=True):
            if at is None:
                problems.append(f"round {round_number}: the {name} is still served 10 s after the revocation")
            else:
                latencies.append(at - answered)
    figures = {}
    for name, values in (("client_secret", secret_latency), ("access_token", token_latency)):
        if values:
            figures[name] = {
                "count": len(values),
                "p50_ms": round(statistics.median(values) * 1000, 2),
                "p99_ms": round(percentile(values, 0.99) * 1000, 2),
                "max_ms": round(max(values) * 1000, 2),
            }
            say(f"revocation at the region, {name}: {figures[name]}")
            if percentile(values, 0.99) > LATENCY_LIMIT:
                problems.append(f"{name}: p99 {figures[name]['p99_ms']} ms is over {LATENCY_LIMIT * 1000:.0f} ms")
    return problems, figures


def check_console_outage(
    deployment: Deployment, console: str, region: str, url: str, stack: ExitStack, console_cm
) -> list[str]:
    """With an access token, which every worker verifies offline (a secret's answer is cached
    only by the workers that asked for it; one that did not answers 503 at once)."""
    problems = []
    secret = requests.post(
        f"{console}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(deployment.parent_id, deployment.parent_secret),
        timeout=10,
    ).json()["access_token"]
    if requests.get(url, headers=bearer(secret), timeout=5).status_code != 200:
        return ["the access token is not served before the outage"]
    say("stopping the console")
    stopped = time.monotonic()  # it stops answering at once; its process takes a moment to exit
    console_cm.__exit__(None, None, None)
    served_until, first_503 = None, None
    while time.monotonic() - stopped < STALENESS + 6:
        response = requests.get(url, headers=bearer(secret), timeout=5)
        if response.status_code == 200:
            served_until = time.monotonic() - stopped
        elif response.status_code == 503:
            first_503 = time.monotonic() - stopped
            if not response.headers.get("Retry-After"):
                problems.append("503 without Retry-After")
            break
        else:
            problems.append(f"during the outage: {response.status_code}")
            break
        time.sleep(0.1)
    say(f"console stopped: served for {served_until or 0:.1f} s, then 503 after {first_503 or 0:.1f} s")
    if served_until is None or served_until < STALENESS - 2:
        problems.append(
            f"the region stopped serving after {served_until} s, before the staleness window ({STALENESS} s)"
        )
    if first_503 is None or first_503 > STALENESS + 2:
        problems.append(f"no 503 within {STALENESS + 2} s of the console stopping")
    ready = requests.get(f"{region}/readyz", timeout=5)
    if ready.status_code != 503 or ready.json().get("feed", {}).get("state") != "stale":
        problems.append(f"/readyz during the outage: {ready.status_code} {ready.text[:200]}")
    say("starting the console again")
    stack.enter_context(deployment.console())
    back = time.monotonic()
    while time.monotonic() - back < 10:
        if requests.get(url, headers=bearer(secret), timeout=5).status_code == 200:
            say(f"the region serves again {time.monotonic() - back:.2f} s after the console answered")
            break
        time.sleep(0.1)
    else:
        problems.append("the region did not recover within 10 s of the console coming back")
    return problems


def main() -> int:
    deployment = Deployment()
    with ExitStack() as stack:
        console_cm = deployment.console()
        console = console_cm.__enter__()
        region = stack.enter_context(deployment.region())
        problems, url = check_basics(console, region, deployment)
        problems += check_limits(console, region, deployment)
        problems += check_reports(console, region, deployment)
        more, figures = measure_revocations(console, region, url, deployment)
        problems += more
        (VAR / "latency.json").write_text(json.dumps(figures, indent=2) + "\n")
        problems += check_console_outage(deployment, console, region, url, stack, console_cm)
    for problem in problems:
        say(f"FAIL: {problem}")
    say("passed" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
