# ruff: noqa: S603 (fixed commands: this .venv's Python, psql; no outside input)
"""What each console case costs in one process, without HTTP or wrk: `make bench`'s requests given
straight to Django's WSGI handler, one after another, timed by the thread's CPU clock and the wall
clock. On a small shared VM the wrk runs spread by 15-30 %; this has far less noise, so it tells
two close cases apart (docs/performance.md, "Five interleaved runs").

    .venv/bin/python bench/inprocess.py          REQUESTS=500 ROUNDS=5 (environment)

Uses the bench's database (caas_bench, made anew, as bench/run.py does; it holds `make bench`'s lock)
and settings, seeds 100 credentials and the peers' (bench/seed.py), and prints per case the
median over ROUNDS interleaved rounds of CPU and wall microseconds per request, and each case's
difference from the baseline.
"""

import io
import json
import statistics
import subprocess
import sys
import time

import run

REQUESTS = run.setting("REQUESTS", 500)
ROUNDS = run.setting("ROUNDS", 5)
SEED = run.OUT / "inprocess-seed.json"
CASES = ["baseline", "bearer_secret", "bearer_jwt", *run.PEER_CASES]


def prepare() -> dict[str, str]:
    env = {**run.server_env(), "DJANGO_LOG_LEVEL": "WARNING", "THROTTLE_REQUESTS_PER_CREDENTIAL": "100000000/60"}
    run.check_services()
    run.fresh_database(env)
    command = [str(run.PYTHON), "bench/seed.py", "100", "--keep", "16", "--out", str(SEED), "--peers", "16"]
    subprocess.run([*command, "--region", run.REGION], cwd=run.APP, env=env, check=True)
    return env


def measure() -> None:
    """In the child process, with the bench's environment."""
    sys.path.insert(0, str(run.APP))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    from credentials import tokens
    from credentials.models import Credential

    app = WSGIHandler()
    seeded = json.loads(SEED.read_text())
    SEED.unlink()  # secrets: no reason to leave them on disk
    hot = seeded["kept"][:1]
    credential = Credential.objects.get(client_id=hot[0]["client_id"])
    token = tokens.issue(credential, frozenset(credential.permissions)).value
    specs = {case: run.case_requests(case, hot, [token], [], seeded["peers"])[0] for case in CASES}

    def call(spec: dict) -> str:
        environ = {
            "REQUEST_METHOD": spec["method"],
            "PATH_INFO": spec["path"],
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(run.PORT),
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in spec.get("headers", {}).items()},
        }
        status: list[str] = []
        b"".join(app(environ, lambda line, headers, *rest: status.append(line)))
        return status[0]

    for case, spec in specs.items():
        status = call(spec)
        if not status.startswith("200"):
            raise SystemExit(f"{case}: {spec['method']} {spec['path']} answered {status}")
    times: dict[str, list[tuple[float, float]]] = {case: [] for case in specs}
    for _ in range(ROUNDS):
        for case, spec in specs.items():
            cpu, wall = time.thread_time(), time.perf_counter()
            for _ in range(REQUESTS):
                call(spec)
            times[case].append(
                ((time.thread_time() - cpu) / REQUESTS * 1e6, (time.perf_counter() - wall) / REQUESTS * 1e6)
            )
    medians = {case: [statistics.median(timed[i] for timed in runs) for i in (0, 1)] for case, runs in times.items()}
    print(f"{'case':<16} {'CPU µs':>8} {'over':>7} {'wall µs':>8} {'over':>7}")
    for case, (cpu, wall) in medians.items():
        base_cpu, base_wall = medians["baseline"]
        print(f"{case:<16} {cpu:>8.0f} {cpu - base_cpu:>+7.0f} {wall:>8.0f} {wall - base_wall:>+7.0f}")


def main() -> int:
    lock = run.hold_lock()  # noqa: F841 (held until this process ends)
    subprocess.run([str(run.PYTHON), __file__, "--measure"], cwd=run.APP, env=prepare(), check=True)
    run.drop_database()
    return 0


if __name__ == "__main__":
    measure() if sys.argv[1:] == ["--measure"] else run.command(main)
