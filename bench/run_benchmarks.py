"""Time a reduction through active storage servers against the bypass baseline.

For each array size one array is uploaded to S3, then the operation (default ``sum``) is timed
through every configured proxy and the *bypass* baseline (GET the whole object from S3 and reduce
it locally with numpy), ``--repeats`` times each, interleaved so that drift in the machine's load
hits every target alike. Every answer is checked against the compliance suite's numpy oracle; a
wrong answer stops the run with a one-line error and a curl reproducer.

Output, in the current directory unless ``--out DIR`` says otherwise:
``benchmark--{timestamp}.png`` (a boxplot panel per size, one box per proxy plus bypass) and
``benchmark--{timestamp}.json`` (raw timings, phases, environment, summary per size, client
overhead). The uploaded objects are removed at the end, also after an error or Ctrl-C.

With ``--links lan,home,...`` (or ``--link 50Mbit,20ms``) the client reaches the servers and S3
through emulated links (Toxiproxy, see ``bench.links``) while the servers reach S3 directly: per
link the run checks the link (measured bandwidth and RTT against the configured, printed), times
every size, and reports the speedup per size, the crossover size and the speedup at the largest;
the PNG then shows speedup against size, one line per link.

Run as ``activestorage-bench`` or ``python scripts/run-benchmarks.py``. Edit the configuration
below, or override it on the command line (``--help``). S3 credentials can also come from
ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, Sequence

from tqdm import tqdm

from bench.cli import add_common_arguments, run_script
from bench.common import BYPASS, MAX_REPEATS, format_mb
from bench.environment import environment
from bench.linkbench import print_links_summary, run_links
from bench.links import PRESETS, parse_custom_link, parse_links
from bench.options import auth_from_env, parse_sizes, resolve_proxies
from bench.plots import plot_sizes
from bench.results import new_report, now_iso
from bench.runner import Bench
from bench.timing import time_workloads

# --- Configuration: edit here, or override on the command line ---------------------------------

# Active storage servers to time: name -> URL. The local stack runs Reductionist 0.13.1 (v2 API)
# on 8080 and 0.11.0 (v1 API) on 8081; time the latter with --api v1 --proxy NAME=URL.
PROXY_URLS = {"reductionist": "http://127.0.0.1:8080"}
# S3 endpoint holding the benchmark data (the servers fetch from it, bypass downloads from it).
S3_SOURCE = "http://127.0.0.1:9000"
# S3 access key and secret: used for uploads and sent to the servers as Basic credentials.
AUTH = ("minioadmin", "minioadmin")
# API generation the servers speak: "v2" (Reductionist >= 0.12) or "v1".
API = "v2"
# Bucket for the benchmark data (created if absent, and then removed again at the end).
BUCKET = "active-storage-benchmarks"
# Array sizes (bytes of array data) and timed requests per target and size.
SIZES = "40KB,400KB,4MB,16MB"
REPEATS = 20

# -------------------------------------------------------------------------------------------------

STEM = "benchmark"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time an operation through active storage servers and the bypass baseline "
        "(download the whole object from S3 and reduce it with numpy); check every answer; "
        "save a boxplot PNG and a JSON file of raw timings (in the current directory unless "
        "--out says otherwise).",
        epilog="Example: %(prog)s --proxy reductionist=http://127.0.0.1:8080 "
        "--sizes 40KB,400KB,4MB,16MB --repeats 20. S3 credentials: AUTH in "
        "bench/run_benchmarks.py, or ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.",
    )
    add_common_arguments(parser, proxy_urls=PROXY_URLS, s3_source=S3_SOURCE, bucket=BUCKET, api=API)
    parser.add_argument(
        "--sizes",
        default=SIZES,
        help="comma-separated array sizes, e.g. 40KB,4MB,4MiB (default %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=REPEATS,
        help=f"timed requests per target and size, 1..{MAX_REPEATS} (default %(default)s)",
    )
    parser.add_argument(
        "--links",
        default=None,
        metavar="NAMES",
        help="time through emulated links, comma-separated presets: "
        f"{', '.join(PRESETS)} (figures and sources in the README); needs Toxiproxy",
    )
    parser.add_argument(
        "--link",
        action="append",
        default=[],
        metavar="BANDWIDTH,RTT",
        help="a custom emulated link, e.g. 50Mbit,20ms (whole ms); repeatable; after --links",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = parse_sizes(args.sizes)
        args.proxies = resolve_proxies(args.proxy, PROXY_URLS)
        args.links = parse_links(args.links) if args.links else []
        args.links += [parse_custom_link(text) for text in args.link]
    except ValueError as error:
        parser.error(str(error))
    if not 1 <= args.repeats <= MAX_REPEATS:
        parser.error(f"--repeats must be 1..{MAX_REPEATS}")
    args.prog = parser.prog
    return args


def run(args: argparse.Namespace, bench: Bench) -> dict[str, Any]:
    """Upload, warm up, time, check; returns the report (the JSON file's content)."""
    bench.preflight()
    config = {
        "operation": args.operation,
        "dtype": args.dtype,
        "api": args.api,
        "profile": bench.profile.name,
        "sizes_bytes": args.sizes,
        "repeats": args.repeats,
        "bucket": args.bucket,
        "timeout_s": args.timeout,
        "warmup_requests_per_target_and_size": 1,
        "order": "interleaved: each repeat times every target once, starting target rotating",
    }
    if args.links:
        config["links"] = [link.to_json() for link in args.links]
    env = environment(args.proxies, args.s3_source, bench.servers)
    report = new_report("run-benchmarks", config, env)
    # ascending, so that the crossover (the smallest size from which the server wins) is defined
    sizes = sorted(args.sizes) if args.links else args.sizes
    workloads = [bench.prepare(size) for size in tqdm(sizes, desc="uploading", unit="array")]
    if args.links:
        entries = run_links(bench, workloads, args.links, args.proxies, args.repeats, args.dtype)
        report.update(links=entries, finished=now_iso(), complete=True)
        return report
    results, overhead = time_workloads(bench, workloads, args.repeats, args.dtype)
    report.update(sizes=results, client_overhead=overhead, finished=now_iso(), complete=True)
    return report


def print_summary(report: dict[str, Any]) -> None:
    if "links" in report:
        print_links_summary(report)
        return
    config = report["config"]
    print(
        f"\n{config['operation']} of {config['dtype']}, {config['repeats']} timed requests "
        f"per target and size, API {config['api']}"
    )
    width = max(len(name) for name in report["sizes"][0]["summary"]) + 2
    print(f"{'size':>9}  {'target':<{width}}{'median':>10}{'p95':>10}{'GB/s':>8}{'speedup':>9}")
    for entry in report["sizes"]:
        size = format_mb(entry["array_bytes"])
        for name, s in entry["summary"].items():
            factor = s["speedup_vs_bypass"]
            shown = "" if name == BYPASS or factor is None else f"{factor:.2f}x"
            print(
                f"{size:>9}  {name:<{width}}{s['median_s'] * 1e3:>8.2f}ms{s['p95_s'] * 1e3:>8.2f}ms"
                f"{s['gb_per_s'] or 0:>8.2f}{shown:>9}"
            )
            size = ""
    for name, overhead in report.get("client_overhead", {}).items():
        floor_ms = overhead["http_floor_s"]["median_s"] * 1e3
        print(
            f"client overhead for {name} (medians; HTTP floor, GET well-known: {floor_ms:.2f} ms)"
        )
        for item in overhead["per_size"]:
            m, size = item["median_s"], format_mb(item["array_bytes"])
            print(
                f"  {size:>9}: build + parse {m['client'] * 1e6:.0f} us "
                f"(build {m['build'] * 1e6:.0f}, parse {m['parse'] * 1e6:.0f}), "
                f"{item['client_share_of_median_latency']:.1%} of the median latency; "
                f"check (untimed) {m['check'] * 1e6:.0f} us"
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_script(
        args.prog,
        args,
        auth=auth_from_env(AUTH, os.environ),
        stem=STEM,
        run=run,
        plot=plot_sizes,
        print_summary=print_summary,
    )
