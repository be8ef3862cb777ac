"""What authentication costs a region's workers, in CPU rather than throughput.

Throughput at saturation on this 2-core host spreads by 20-60 % from one run to the next, more
than a region's authentication costs. The CPU time a process spends drifts less: this serves a
console and a region on their own exactly as `make bench` does (its functions, databases, ports
and lock), and around interleaved wrk runs of the regional cases reads the region's workers' CPU
time from /proc, per request. Prints each case's median and its difference from the baseline.

    BENCH_DURATION=5 BENCH_REPEAT=3    seconds per wrk run, and how many rounds of them
"""

import os
import statistics
from pathlib import Path

import run

SECONDS = run.setting("BENCH_DURATION", 5)
REPEAT = run.setting("BENCH_REPEAT", 3)


def cpu_ticks(pids: list[int]) -> int:
    """User and system ticks so far of these processes (fields 14 and 15 of /proc/<pid>/stat)."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks


def measure(binary: str, region: run.harness.Server, files: dict[str, Path]) -> dict[str, list[float]]:
    """µs of the region workers' CPU per request, per case, one value per round."""
    workers = run.worker_pids(region)
    per_request: dict[str, list[float]] = {case: [] for case in files}
    for repeat in range(1, REPEAT + 1):
        for case in run.rotated(list(files), repeat):
            before = cpu_ticks(workers)
            raw = run.wrk(binary, files[case], SECONDS, run.REGION_URL)
            if raw["non_2xx"]:
                raise run.BenchError(f"{case}: {raw['non_2xx']} answers were not 2xx: {raw['statuses']}")
            spent = (cpu_ticks(workers) - before) / os.sysconf("SC_CLK_TCK")
            per_request[case].append(spent * 1e6 / raw["requests"])
            run.log(f"{case:<18} {per_request[case][-1]:>7.0f} µs of CPU per request")
    return per_request


def main() -> int:
    lock = run.hold_lock()  # noqa: F841 (held until this process ends)
    binary = run.find_wrk()
    run.check_services()
    env = run.server_env()
    try:
        run.fresh_database(env)
        kept, _ = run.seed(env, run.SMALL, run.HOT_CREDENTIALS)
        with run.console_and_region(env, kept) as (region, hot, tokens):
            files = {}
            for case in run.REGIONAL_CASES:
                files[case] = run.write_requests(case, run.case_requests(case, hot, tokens, [], {}))
                run.wrk(binary, files[case], 2, run.REGION_URL)  # warm up
            per_request = measure(binary, region, files)
    finally:
        if os.environ.get("BENCH_KEEP_DB") != "1":
            run.drop_database()
            run.drop_database(run.REGION_DATABASE)
    baseline = statistics.median(per_request["regional_baseline"])
    print(f"\nregion workers' CPU per request, median of {REPEAT} rounds of {SECONDS} s:")
    for case, values in per_request.items():
        median = statistics.median(values)
        print(
            f"  {case:<18} {median:>6.0f} µs  ({min(values):.0f}-{max(values):.0f})"
            f"  {median - baseline:>+5.0f} µs  {median / baseline - 1:>+6.1%}"
        )
    return 0


if __name__ == "__main__":
    run.command(main)
