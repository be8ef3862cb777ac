# ruff: noqa: S603 (fixed commands: this .venv's py-spy; no outside input)
"""Where a worker's time goes under the bench load: py-spy on both gunicorn workers, per case.

Serves the app exactly as bench/run.py does (its functions, database and port, and its lock, so it
never runs beside `make bench`), seeds 1,000 credentials, and for the baseline, bearer-secret and
bearer-JWT cases: plain wrk runs, interleaved, that measure req/s and the CPU each process group
spends per request (medians: the host's speed drifts by 10-20 % from minute to minute), then per
case py-spy on both workers twice, once counting only samples where the worker runs or
waits for a core ("active") and once all of them ("wall", --idle). Writes the raw stacks and
var/bench/profile/summary.txt (docs/profile-bearer.txt is a copy). Needs py-spy
(requirements-dev.txt) and root (ptrace).

    BENCH_DURATION=10 BENCH_REPEAT=5   seconds per plain wrk run, and how many rounds of them
    PROFILE_SECONDS=20  seconds per profiled wrk run
    PROFILE_RATE=100    py-spy samples per second and worker
    PROFILE_SVG=1       also record a flame graph (SVG) of the bearer-secret case
    PROFILE_CASES=baseline,bearer_secret,bearer_jwt   the cases, baseline first
"""

import os
import resource
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path

import run

OUT = run.OUT / "profile"
PYSPY = run.ROOT / ".venv" / "bin" / "py-spy"
SECONDS = run.setting("BENCH_DURATION", 10)
REPEAT = run.setting("BENCH_REPEAT", 5)
PROFILE_SECONDS = run.setting("PROFILE_SECONDS", 20)
RATE = run.setting("PROFILE_RATE", 100)
CASES = (os.environ.get("PROFILE_CASES") or "baseline,bearer_secret,bearer_jwt").split(",")

# A sample goes to the first group one of whose frames it contains (py-spy --nolineno names).
GROUPS = [
    ("DB health check (SELECT 1 before the first query)", ["DatabaseWrapper.is_usable "]),
    ("auth: Redis throttle read (cache.get)", ["retry_after (credentials/throttling.py)"]),
    ("auth: JWT verification (tokens.decode)", ["decode (credentials/tokens.py)"]),
    ("auth: PostgreSQL credential lookup", ["UsableCredentialLookup.get "]),
    ("auth: record_use (usage counter)", ["record_use (credentials/verify.py)"]),
    ("auth: the rest (header, client_ip, Principal)", ["BearerAuthentication.authenticate "]),
    ("view: region query", ["enabled_region_or_404 "]),
    ("view: catalogue query", ["ModelIterable.__iter__ "]),
    ("view: serialisation", ["BaseSerializer.data ", "ListSerializer.data "]),
    ("DRF: response rendering (JSON)", ["Response.rendered_content "]),
    ("DRF: Request, permissions, negotiation", ["APIView.dispatch "]),
    ("Django: middleware, URL resolving, signals", ["WSGIHandler.__call__ "]),
    ("gunicorn: parse request, write response, close", ["SyncWorker.handle "]),
    ("gunicorn: accept, wait for a connection", [""]),
]
# Leaf frames in which a worker waits for a socket (or, runnable, for a core after it woke the peer).
PG_IO = ("Connection.wait (psycopg/", "ClientCursorMixin._execute_send (psycopg/")
REDIS_IO = ("SocketBuffer._read_from_socket (redis/", "AbstractConnection.send_packed_command (redis/")


def group_of(stack: str) -> str:
    for name, markers in GROUPS:
        if any(marker in stack for marker in markers):
            return name
    raise AssertionError("the last group matches everything")


def load(files: list[Path]) -> tuple[Counter, Counter, Counter, Counter, int]:
    """Samples per group, per group spent in PostgreSQL or Redis socket I/O, and per leaf function."""
    groups, pg, redis, leaves, total = Counter(), Counter(), Counter(), Counter(), 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            samples, leaf = int(count), stack.rsplit(";", 1)[-1]
            name = group_of(stack + " ")
            groups[name] += samples
            pg[name] += samples if leaf.startswith(PG_IO) else 0
            redis[name] += samples if leaf.startswith(REDIS_IO) else 0
            leaves[leaf] += samples
            total += samples
    return groups, pg, redis, leaves, total


def ticks_by_group(server: run.harness.Server) -> Counter:
    """CPU ticks so far of the workers, this database's PostgreSQL backends and Redis."""
    workers, ticks = set(run.worker_pids(server)), Counter()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command = (stat.parent / "cmdline").read_bytes()
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid in workers:
            group = "gunicorn workers"
        elif f" {run.DATABASE} ".encode() in command:
            group = "PostgreSQL"
        elif command.startswith(run.REDIS_COMMANDS):
            group = "Redis"
        else:
            continue
        ticks[group] += int(fields[11]) + int(fields[12])
    return ticks


def plain_run(binary: str, requests: Path, server: run.harness.Server) -> dict:
    """req/s, and ms of CPU per request for each process group (wrk included) and the whole machine."""
    meter = run.CpuMeter(server)
    before, machine = ticks_by_group(server), run.CpuMeter._machine()
    meter.start()
    raw = run.wrk(binary, requests, SECONDS)
    foreign = meter.foreign_share()
    if raw["non_2xx"]:
        raise run.BenchError(f"{raw['non_2xx']} answers were not 2xx: {raw['statuses']}")
    after, machine_after = ticks_by_group(server), run.CpuMeter._machine()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    per_tick = 1000 / os.sysconf("SC_CLK_TCK") / raw["requests"]
    cpu = {group: (after[group] - before[group]) * per_tick for group in after}
    wrk_seconds = children.ru_utime + children.ru_stime - meter.children.ru_utime - meter.children.ru_stime
    cpu["wrk"] = wrk_seconds * 1000 / raw["requests"]
    busy, idle = machine_after[0] - machine[0], machine_after[1] - machine[1]
    cpu["whole machine"] = busy * per_tick
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "worker_wall_ms": 2 * (raw["duration_us"] / 1e3) / raw["requests"],
        "busy": busy / (busy + idle),
        "foreign": foreign,
        "cpu": cpu,
    }


def medians(runs: list[dict], baselines: list[dict]) -> dict:
    """Each number's median over the rounds; the ratio is the median of each round's own ratio."""
    ratios = sorted(measured["rps"] / baseline["rps"] for measured, baseline in zip(runs, baselines, strict=True))
    return {
        **{key: statistics.median(measured[key] for measured in runs) for key in ("rps", "worker_wall_ms", "busy")},
        "foreign": max(measured["foreign"] for measured in runs),
        "cpu": {group: statistics.median(measured["cpu"][group] for measured in runs) for group in runs[0]["cpu"]},
        "ratio": statistics.median(ratios),
        "ratios": f"{ratios[0]:.2f}-{ratios[-1]:.2f}",
    }


def wait_for_quiet(limit: float = 300) -> None:
    """Another test run on this small machine skews every number: wait (a while) until it is idle."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy, idle = run.CpuMeter._machine()
        time.sleep(2)
        busy_after, idle_after = run.CpuMeter._machine()
        if (busy_after - busy) <= 0.1 * (busy_after - busy + idle_after - idle):
            return
    run.log("the machine stayed busy; measuring anyway")


def record(pid: int, output: Path, *extra: str, fmt: str = "raw") -> subprocess.Popen:
    command = [str(PYSPY), "record", "--pid", str(pid), "--rate", str(RATE), "--duration", str(PROFILE_SECONDS - 2)]
    command += ["--format", fmt, "--output", str(output), "--nolineno", *extra]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile(binary: str, requests: Path, server: run.harness.Server, case: str) -> dict:
    spies = {"active": [], "wall": ["--idle"]}
    if os.environ.get("PROFILE_SVG") == "1" and case == "bearer_secret":
        spies["flame"] = []
    rps = {}
    for mode, extra in spies.items():
        suffix = "svg" if mode == "flame" else "txt"
        wait_for_quiet()
        meter = run.CpuMeter(server)
        meter.start()
        running = [
            record(pid, OUT / f"{case}.{mode}.{index}.{suffix}", *extra, fmt="flamegraph" if mode == "flame" else "raw")
            for index, pid in enumerate(run.worker_pids(server))
        ]
        raw = run.wrk(binary, requests, PROFILE_SECONDS)
        for spy in running:
            if spy.wait(timeout=60) != 0:
                raise run.BenchError(f"py-spy exited with {spy.returncode} (it needs root for ptrace)")
        rps[mode] = f"{raw['requests'] / (raw['duration_us'] / 1e6):.0f} ({meter.foreign_share():.0%})"
    return rps


def report(results: dict) -> str:
    lines = [
        "py-spy on both gunicorn workers under `make bench` load (bench/profile_workers.py), "
        f"{PROFILE_SECONDS} s per run, {RATE} samples/s per worker.",
        "active = samples where the worker runs or waits for a core; wall = all samples (--idle).",
        "ms = share of wall x the worker's wall time per request in the plain runs (2 workers); others' CPU in ().",
        "",
        f"Plain runs (no py-spy), medians of {REPEAT} interleaved rounds of {SECONDS} s: req/s and ms of CPU per "
        "request by process group",
    ]
    header = f"{'':<22}" + "".join(f"{case:>15}" for case in results)
    lines.append(header)
    rows = [("req/s", lambda r: f"{r['plain']['rps']:.0f}")]
    rows.append(("x baseline", lambda r: f"{r['plain']['ratio']:.2f}"))
    rows.append(("x baseline, range", lambda r: r["plain"]["ratios"]))
    for group in ["gunicorn workers", "PostgreSQL", "Redis", "wrk", "whole machine"]:
        rows.append((f"CPU ms: {group}", lambda r, g=group: f"{r['plain']['cpu'].get(g, 0):.3f}"))
    rows.append(("worker wall ms", lambda r: f"{r['plain']['worker_wall_ms']:.2f}"))
    rows.append(("machine busy", lambda r: f"{r['plain']['busy']:.0%}"))
    rows.append(("others' CPU, most", lambda r: f"{r['plain']['foreign']:.0%}"))
    for mode in ("active", "wall"):
        rows.append((f"py-spy {mode}: req/s", lambda r, m=mode: r["rps_under_spy"][m]))
    for label, value in rows:
        lines.append(f"{label:<22}" + "".join(f"{value(r):>15}" for r in results.values()))
    for case, result in results.items():
        wall_ms = result["plain"]["worker_wall_ms"]
        active, wall = result["active"], result["wall"]
        lines += ["", f"{case}: where a worker's time goes ({active[4]} active / {wall[4]} wall samples)"]
        lines.append(f"  {'group':<50}{'active %':>9}{'wall %':>8}{'~ms':>7}{'PG I/O %':>9}{'Redis I/O %':>12}")
        for name, _markers in GROUPS:
            if not active[0][name] and not wall[0][name]:
                continue
            share = wall[0][name] / wall[4]
            lines.append(
                f"  {name:<50}{active[0][name] / active[4]:>9.1%}{share:>8.1%}{share * wall_ms:>7.2f}"
                f"{wall[1][name] / wall[4]:>9.1%}{wall[2][name] / wall[4]:>12.1%}"
            )
        lines.append(
            f"  {'total':<50}{'100%':>9}{'100%':>8}{wall_ms:>7.2f}"
            f"{sum(wall[1].values()) / wall[4]:>9.1%}{sum(wall[2].values()) / wall[4]:>12.1%}"
        )
        lines.append("  top functions by own time, active samples:")
        for leaf, samples in active[3].most_common(8):
            lines.append(f"    {samples / active[4]:6.1%}  {leaf}")
    return "\n".join(lines) + "\n"


def profile_cases(binary: str, server: run.harness.Server, hot: list[dict]) -> dict:
    """Each case's plain runs (interleaved rounds), then its py-spy runs."""
    results = {}
    tokens = run.access_tokens(hot)
    requests = {case: run.write_requests(case, run.case_requests(case, hot, tokens, hot, {})) for case in CASES}
    plain: dict[str, list[dict]] = {case: [] for case in CASES}
    for repeat in range(1, REPEAT + 1):
        for case in CASES:
            for _attempt in range(1 + run.RETRIES):
                wait_for_quiet()
                run.wrk(binary, requests[case], run.WARMUP)
                measured = plain_run(binary, requests[case], server)
                if measured["foreign"] <= run.NOISE:
                    break
                run.log(f"{case}: {measured['foreign']:.0%} of the CPU went to other processes; measuring again")
            plain[case].append(measured)
            run.log(f"{case}#{repeat}: {measured['rps']:.0f} req/s, others' CPU {measured['foreign']:.0%}")
    for case in CASES:
        run.log(f"{case}: profiling")
        rps = profile(binary, requests[case], server, case)
        results[case] = {"plain": medians(plain[case], plain["baseline"]), "rps_under_spy": rps}
        for mode in ("active", "wall"):
            results[case][mode] = load(sorted(OUT.glob(f"{case}.{mode}.*.txt")))
    return results


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    lock = run.hold_lock()  # noqa: F841 (held until this process ends)
    if not PYSPY.exists():
        raise run.BenchError(f"{PYSPY} is missing: make install-dev")
    binary = run.find_wrk()
    run.check_services()
    env = run.server_env()
    try:
        run.fresh_database(env)
        kept, _ = run.seed(env, run.SMALL, run.HOT_CREDENTIALS)
        with run.serve(env) as server:
            results = profile_cases(binary, server, kept[: run.HOT_CREDENTIALS])
    finally:
        if os.environ.get("BENCH_KEEP_DB") != "1":
            run.drop_database()
    text = report(results)
    (OUT / "summary.txt").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    run.command(main)
