"""Concurrency sweep: throughput and latency of a reduction through active storage vs bypass.

One array (``--size``, default 4 MB) is uploaded to S3. For each worker count in ``--workers``
(default 1,2,4,8) and each target (every proxy, then bypass: GET the whole object from S3 and
reduce it with numpy), ``--requests`` requests are run by that many client threads at once.
Reported per level: throughput (requests/s and GB/s of array data reduced), latency p50/p95/p99,
and the client's own cost (request building + response parsing per request, and the CPU this
process used), so a reader can tell the figures are the server's and not the client's. Every
answer is checked against the compliance suite's numpy oracle; a wrong one stops the run.

Output, in the current directory unless ``--out DIR`` says otherwise:
``parallel-benchmark--{timestamp}.png`` and ``.json`` beside it. The uploaded object is removed
at the end, also after an error or Ctrl-C.

Run as ``activestorage-parallel-bench`` or ``python scripts/run-parallel-benchmarks.py``. Edit
the configuration below, or override it on the command line (``--help``). S3 credentials can
also come from ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any, Sequence

from tqdm import tqdm

from bench.cli import add_common_arguments, run_script
from bench.common import BYPASS, MAX_WORKERS, format_mb
from bench.environment import environment
from bench.options import auth_from_env, parse_size, parse_workers, resolve_proxies
from bench.plots import plot_levels
from bench.results import add_throughput_ratios, concurrency_entry, new_report, now_iso
from bench.runner import Bench, Sample, Workload
from bench.stats import client_overhead_summary, summarize

# --- Configuration: edit here, or override on the command line ---------------------------------

# Active storage servers to time: name -> URL (the local stack: Reductionist 0.13.1 on 8080).
PROXY_URLS = {"reductionist": "http://127.0.0.1:8080"}
# S3 endpoint holding the benchmark data.
S3_SOURCE = "http://127.0.0.1:9000"
# S3 access key and secret: used for uploads and sent to the servers as Basic credentials.
AUTH = ("minioadmin", "minioadmin")
# API generation the servers speak: "v2" (Reductionist >= 0.12) or "v1".
API = "v2"
# Bucket for the benchmark data (created if absent, and then removed again at the end).
BUCKET = "active-storage-benchmarks"
# Array size, concurrency levels, and timed requests per target and level.
SIZE = "4MB"
WORKERS = "1,2,4,8"
REQUESTS = 100

# -------------------------------------------------------------------------------------------------

STEM = "parallel-benchmark"
MAX_REQUESTS = 5000


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Concurrency sweep: run REQUESTS requests with 1, 2, 4, 8, ... client "
        "threads through each active storage server and the bypass baseline; report "
        "throughput (req/s, GB/s) and latency percentiles; check every answer; save a PNG "
        "and a JSON file (in the current directory unless --out says otherwise).",
        epilog="Example: %(prog)s --size 4MB --workers 1,2,4,8 --requests 100. S3 credentials: "
        "AUTH in bench/run_parallel.py, or ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.",
    )
    add_common_arguments(parser, proxy_urls=PROXY_URLS, s3_source=S3_SOURCE, bucket=BUCKET, api=API)
    parser.add_argument(
        "--size", default=SIZE, help="array size, e.g. 400KB, 4MB, 4MiB (default %(default)s)"
    )
    parser.add_argument(
        "--workers",
        default=WORKERS,
        help=f"comma-separated concurrency levels, 1..{MAX_WORKERS} (default %(default)s)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=REQUESTS,
        help=f"timed requests per target and level, 1..{MAX_REQUESTS} (default %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        args.size = parse_size(args.size)
        args.workers = parse_workers(args.workers)
        args.proxies = resolve_proxies(args.proxy, PROXY_URLS)
    except ValueError as error:
        parser.error(str(error))
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 1..{MAX_REQUESTS}")
    args.prog = parser.prog
    return args


def run_level(
    bench: Bench, name: str, work: Workload, workers: int, requests: int, bar: tqdm
) -> tuple[list[Sample], float, float]:
    """``requests`` requests of one target by ``workers`` threads: samples, wall and CPU time."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"bench-{name}")
    try:
        warm = [pool.submit(bench.measure, name, work) for _ in range(workers)]  # connections
        for future in warm:
            future.result()
        cpu0, t0 = time.process_time(), time.perf_counter()
        futures: list[Future[Sample]] = [
            pool.submit(bench.measure, name, work) for _ in range(requests)
        ]
        samples = []
        for future in as_completed(futures):
            samples.append(future.result())  # a wrong answer raises BenchmarkError here
            bar.update(1)
        return samples, time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run(args: argparse.Namespace, bench: Bench) -> dict[str, Any]:
    """Upload, warm up, sweep, check; returns the report (the JSON file's content)."""
    bench.preflight()
    config = {
        "operation": args.operation,
        "dtype": args.dtype,
        "api": args.api,
        "profile": bench.profile.name,
        "size_bytes": args.size,
        "workers": args.workers,
        "requests_per_target_and_level": args.requests,
        "bucket": args.bucket,
        "timeout_s": args.timeout,
        "warmup": "one request per target, then `workers` untimed requests per level",
    }
    env = environment(args.proxies, args.s3_source, bench.servers)
    report = new_report("run-parallel-benchmarks", config, env)
    work = bench.prepare(args.size)
    names = bench.names
    first = {name: bench.measure(name, work).total for name in names}
    floors = {t.name: [bench.time_http_floor(t) for _ in range(20)] for t in bench.targets}
    levels: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    overhead: dict[str, Any] = {
        t.name: {"http_floor_s": summarize(floors[t.name]), "per_level": []} for t in bench.targets
    }
    total = len(args.workers) * len(names) * args.requests
    with tqdm(total=total, desc="sweep", unit="req") as bar:
        for index, workers in enumerate(args.workers):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                bar.set_postfix_str(f"{name}, {workers} worker(s)")
                samples, wall, cpu = run_level(bench, name, work, workers, args.requests, bar)
                totals = [s.total for s in samples]
                entry = concurrency_entry(workers, wall, totals, work.array_nbytes, cpu)
                levels[name].append(entry)
                if name != BYPASS:
                    phases: dict[str, list[float]] = defaultdict(list)
                    for sample in samples:
                        for phase, seconds in sample.phases.items():
                            phases[phase].append(seconds)
                    summary = client_overhead_summary(phases, totals, floors[name])
                    overhead[name]["per_level"].append({"workers": workers, **summary})
    for name in names:
        levels[name].sort(key=lambda e: e["workers"])
    add_throughput_ratios(levels)
    report.update(
        array={"array_bytes": work.array_nbytes, "elements": work.elements},
        first_request_s=first,
        levels=levels,
        client_overhead=overhead,
        finished=now_iso(),
        complete=True,
    )
    return report


def print_summary(report: dict[str, Any]) -> None:
    config = report["config"]
    array_bytes = report["array"]["array_bytes"]
    print(
        f"\n{config['operation']} of a {format_mb(array_bytes)} {config['dtype']} array, "
        f"{config['requests_per_target_and_level']} requests per target and level, "
        f"API {config['api']}"
    )
    width = max(len(name) for name in report["levels"]) + 2
    print(
        f"{'target':<{width}}{'workers':>8}{'req/s':>9}{'GB/s':>7}{'p50':>9}{'p95':>9}{'p99':>9}"
        f"{'vs bypass':>11}{'client CPU':>12}"
    )
    for name, entries in report["levels"].items():
        for e in entries:
            lat = e["latency_s"]
            ratio = e.get("throughput_vs_bypass")
            shown = f"{ratio:.2f}x" if ratio is not None and name != BYPASS else ""
            print(
                f"{name:<{width}}{e['workers']:>8}{e['requests_per_s']:>9.1f}{e['gb_per_s']:>7.2f}"
                f"{lat['median_s'] * 1e3:>7.2f}ms{lat['p95_s'] * 1e3:>7.2f}ms"
                f"{lat['p99_s'] * 1e3:>7.2f}ms{shown:>11}{e['client_cpu_utilisation']:>11.0%}"
            )
    print("(client CPU: CPU time this process used / wall time; 100% = one core busy)")
    for name, overhead in report.get("client_overhead", {}).items():
        floor_ms = overhead["http_floor_s"]["median_s"] * 1e3
        print(
            f"client overhead for {name} (medians; HTTP floor, GET well-known: {floor_ms:.2f} ms)"
        )
        for item in overhead["per_level"]:
            m = item["median_s"]
            print(
                f"  {item['workers']:>2} worker(s): build + parse {m['client'] * 1e6:.0f} us "
                f"per request = {item['client_share_of_median_latency']:.1%} of the median "
                f"latency; check (untimed) {m['check'] * 1e6:.0f} us"
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # botocore warns when more threads than its pool size (10) share one client; harmless here
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    return run_script(
        args.prog,
        args,
        auth=auth_from_env(AUTH, os.environ),
        stem=STEM,
        run=run,
        plot=plot_levels,
        print_summary=print_summary,
    )
