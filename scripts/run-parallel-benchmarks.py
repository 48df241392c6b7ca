#!/usr/bin/env python3
"""Concurrency sweep: throughput and latency of a reduction through active storage vs bypass.

One array (``--size``, default 4 MB) is uploaded to S3. For each worker count in ``--workers``
(default 1,2,4,8) and each target (every proxy, then bypass: GET the whole object from S3 and
reduce it with numpy), ``--requests`` requests are run by that many client threads at once.
Reported per level: throughput (requests/s and GB/s of array data reduced), latency p50/p95/p99,
and the client's own cost (request building + response parsing per request, and the CPU this
process used), so a reader can tell the figures are the server's and not the client's. Every
answer is checked against the compliance suite's numpy oracle; a wrong one stops the run.

Output, in ``--out`` (default ``benchmark-results/``, git-ignored):
``parallel-benchmark--{timestamp}.png`` and ``.json`` beside it. The uploaded object is removed
at the end, also after an error or Ctrl-C.

Edit the configuration below, or override it on the command line (``--help``). S3 credentials
can also come from ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.
"""

import argparse
import logging
import os
import sys
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Sequence

import benchmark_common as bc
from tqdm import tqdm

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
        prog="run-parallel-benchmarks.py",
        description="Concurrency sweep: run REQUESTS requests with 1, 2, 4, 8, ... client "
        "threads through each active storage server and the bypass baseline; report "
        "throughput (req/s, GB/s) and latency percentiles; check every answer; save a PNG "
        "and a JSON file.",
        epilog="Example: scripts/run-parallel-benchmarks.py --size 4MB --workers 1,2,4,8 "
        "--requests 100. S3 credentials: AUTH in the script, or ACTIVESTORAGE_AWS_ID / "
        "ACTIVESTORAGE_AWS_PASSWORD.",
    )
    bc.add_common_arguments(
        parser, proxy_urls=PROXY_URLS, s3_source=S3_SOURCE, bucket=BUCKET, api=API
    )
    parser.add_argument(
        "--size", default=SIZE, help="array size, e.g. 400KB, 4MB, 4MiB (default %(default)s)"
    )
    parser.add_argument(
        "--workers",
        default=WORKERS,
        help=f"comma-separated concurrency levels, 1..{bc.MAX_WORKERS} (default %(default)s)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=REQUESTS,
        help=f"timed requests per target and level, 1..{MAX_REQUESTS} (default %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        args.size = bc.parse_size(args.size)
        args.workers = bc.parse_workers(args.workers)
        args.proxies = bc.resolve_proxies(args.proxy, PROXY_URLS)
    except ValueError as error:
        parser.error(str(error))
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests must be 1..{MAX_REQUESTS}")
    return args


def run_level(
    bench: bc.Bench, name: str, work: bc.Workload, workers: int, requests: int, bar: tqdm
) -> tuple[list[bc.Sample], float, float]:
    """``requests`` requests of one target by ``workers`` threads: samples, wall and CPU time."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"bench-{name}")
    try:
        warm = [pool.submit(bench.measure, name, work) for _ in range(workers)]  # connections
        for future in warm:
            future.result()
        cpu0, t0 = time.process_time(), time.perf_counter()
        futures: list[Future[bc.Sample]] = [
            pool.submit(bench.measure, name, work) for _ in range(requests)
        ]
        samples = []
        for future in as_completed(futures):
            samples.append(future.result())  # a wrong answer raises BenchmarkError here
            bar.update(1)
        return samples, time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run(args: argparse.Namespace, bench: bc.Bench) -> dict[str, Any]:
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
    env = bc.environment(args.proxies, args.s3_source, bench.servers)
    report = bc.new_report("run-parallel-benchmarks", config, env)
    work = bench.prepare(args.size)
    names = bench.names
    first = {name: bench.measure(name, work).total for name in names}
    floors = {t.name: [bench.time_http_floor(t) for _ in range(20)] for t in bench.targets}
    levels: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    overhead: dict[str, Any] = {
        t.name: {"http_floor_s": bc.summarize(floors[t.name]), "per_level": []}
        for t in bench.targets
    }
    total = len(args.workers) * len(names) * args.requests
    with tqdm(total=total, desc="sweep", unit="req") as bar:
        for index, workers in enumerate(args.workers):
            shift = index % len(names)
            for name in names[shift:] + names[:shift]:
                bar.set_postfix_str(f"{name}, {workers} worker(s)")
                samples, wall, cpu = run_level(bench, name, work, workers, args.requests, bar)
                totals = [s.total for s in samples]
                entry = bc.concurrency_entry(workers, wall, totals, work.array_nbytes, cpu)
                levels[name].append(entry)
                if name != bc.BYPASS:
                    phases: dict[str, list[float]] = defaultdict(list)
                    for sample in samples:
                        for phase, seconds in sample.phases.items():
                            phases[phase].append(seconds)
                    summary = bc.client_overhead_summary(phases, totals, floors[name])
                    overhead[name]["per_level"].append({"workers": workers, **summary})
    for name in names:
        levels[name].sort(key=lambda e: e["workers"])
    bc.add_throughput_ratios(levels)
    report.update(
        array={"array_bytes": work.array_nbytes, "elements": work.elements},
        first_request_s=first,
        levels=levels,
        client_overhead=overhead,
        finished=bc.now_iso(),
        complete=True,
    )
    return report


# --- the plot ------------------------------------------------------------------------------------


def plot(report: dict[str, Any], path: Path) -> None:
    """Throughput and latency percentiles against the number of client threads."""
    plt = bc.setup_matplotlib()
    levels = report["levels"]
    names = list(levels)
    colour = bc.colours(names)
    config = report["config"]
    array_bytes = report["array"]["array_bytes"]
    workers = config["workers"]
    positions = {w: i for i, w in enumerate(workers)}
    styles = (("p50", "median_s", "-"), ("p95", "p95_s", "--"), ("p99", "p99_s", ":"))
    with plt.rc_context(bc.plot_style()):
        from matplotlib.lines import Line2D

        fig, (left, right) = plt.subplots(1, 2, figsize=(15, 7.0))
        best = {  # at each level, the highest throughput is labelled above, the others below
            w: max(levels[n][i]["gb_per_s"] for n in names) for i, w in enumerate(workers)
        }
        for name in names:
            xs = [positions[e["workers"]] for e in levels[name]]
            gbs = [e["gb_per_s"] for e in levels[name]]
            left.plot(xs, gbs, "o-", color=colour[name], lw=2.5, ms=8, label=name)
            for e, x, y in zip(levels[name], xs, gbs):
                above = y >= best[e["workers"]]
                left.annotate(
                    f"{y:.2f}", (x, y), xytext=(0, 9 if above else -10), textcoords="offset points",
                    ha="center", va="bottom" if above else "top", fontsize=11, color=colour[name],
                )  # fmt: skip
            for _, key, style in styles:
                ms = [e["latency_s"][key] * 1e3 for e in levels[name]]
                right.plot(xs, ms, style, marker="o", color=colour[name], lw=2, ms=6)
        for ax in (left, right):
            ax.set_xticks(range(len(workers)), [str(w) for w in workers])
            ax.set_xlabel("concurrent client threads")
            ax.set_ylim(bottom=0)
            ax.set_xlim(-0.3, len(workers) - 0.7)
        left.set_ylim(top=left.get_ylim()[1] * 1.15)
        left.set_title("Throughput (higher is better)")
        left.set_ylabel("GB/s of array data reduced")
        rate = left.secondary_yaxis(
            "right", functions=(lambda g: g * 1e9 / array_bytes, lambda r: r * array_bytes / 1e9)
        )
        rate.set_ylabel("requests/s")
        left.legend(loc="upper left")
        right.set_ylim(top=right.get_ylim()[1] * 1.3)  # room for the legend above the lines
        right.set_title("Latency per request (lower is better)")
        right.set_ylabel("ms")
        targets = [Line2D([], [], color=colour[n], lw=6) for n in names]
        right.add_artist(right.legend(targets, names, loc="upper left", fontsize=12))
        percentiles = [Line2D([], [], color="#333333", ls=style, lw=2) for _, _, style in styles]
        right.legend(percentiles, [q for q, _, _ in styles], loc="upper right", fontsize=12)
        bc.frame_figure(
            fig,
            f"{config['operation']} of a {bc.format_mb(array_bytes)} {config['dtype']} array "
            "under concurrent load: active storage vs bypass",
            "bypass = GET the whole object from S3, then reduce it with numpy.  "
            f"{config['requests_per_target_and_level']} requests per point, "
            "every answer checked against numpy.",
            f"{bc.machine_line(report)}.  Client, server and S3 share this machine.",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)


# --- the printed summary ------------------------------------------------------------------------


def print_summary(report: dict[str, Any]) -> None:
    config = report["config"]
    array_bytes = report["array"]["array_bytes"]
    print(
        f"\n{config['operation']} of a {bc.format_mb(array_bytes)} {config['dtype']} array, "
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
            shown = f"{ratio:.2f}x" if ratio is not None and name != bc.BYPASS else ""
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
    return bc.run_script(
        "run-parallel-benchmarks.py",
        args,
        auth=bc.auth_from_env(AUTH, os.environ),
        stem=STEM,
        run=run,
        plot=plot,
        print_summary=print_summary,
    )


if __name__ == "__main__":
    sys.exit(main())
