"""The client's own workload: PyActiveStorage reducing a chunked netCDF4 field, per emulated link.

A float32 field is written with netCDF4 in two layouts like the client's published experiments
(64 large chunks; 340 small chunks of 0.23 MB), scaled to this machine as ``bench.client_field``
explains, and uploaded to S3. Then, for each link (``loopback`` with no proxy, and the presets
chosen by ``--links``, emulated by Toxiproxy on the client's paths to S3 and to the server while
the server reaches S3 directly) and each layout, ``--repeats`` times, interleaved:

* **plain**: open the file over the S3 link, read the whole variable, reduce it with numpy;
* **server**: PyActiveStorage (API v2) with each ``--max-threads``, one request per chunk
  through the server link, the file's metadata read over the S3 link.

Every answer is compared exactly with numpy's answer on the local file; a wrong one stops the
run. Output: a table like the published one (plain s, server s, speedup) beside the published
figures, ``client-workload--{timestamp}.json`` (raw timings, phases, link checks, environment)
and a PNG. The uploaded files are removed at the end, also after an error or Ctrl-C.

Run as ``activestorage-client-bench`` or ``python scripts/run-client-benchmark.py``; ``--smoke``
is a tiny run for CI.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from tqdm import tqdm

from bench.cli import run_script
from bench.client_field import (
    HOME_PLAIN_SECONDS,
    OPERATIONS,
    SMOKE,
    Field,
    Layout,
    scaled_layouts,
    write_field,
)
from bench.client_paths import PLAIN, Client, Route
from bench.client_report import (
    format_table,
    link_label,
    plot_client_workload,
    published_rows,
    run_entry,
    server_target,
    table_rows,
)
from bench.common import MAX_REPEATS, BenchmarkError
from bench.environment import environment
from bench.links import FIRST_PORT, LAST_PORT, PRESETS, Link, Probe, emulated_links, parse_links
from bench.links import big_bytes_for, parse_custom_link
from bench.options import auth_from_env, parse_size, parse_workers
from bench.results import DEFAULT_OUT_DIR, new_report, now_iso
from bench.runner import Bench

# --- Configuration: edit here, or override on the command line ---------------------------------

# The active storage server PyActiveStorage talks to (API v2), and the S3 store it fetches from.
SERVER_URL = "http://127.0.0.1:8080"
S3_SOURCE = "http://127.0.0.1:9000"
AUTH = ("minioadmin", "minioadmin")
BUCKET = "active-storage-client-workload"
LINKS = "loopback,lan,campus,home,remote"
LAYOUTS = "large,small"
MAX_THREADS = "1,8,30"  # PyActiveStorage's default is 30
REPEATS = 3
# s3fs block size for the server path's metadata reads (see bench/client_paths.py).
OPEN_BLOCK_SIZE = "256KiB"

# -------------------------------------------------------------------------------------------------

STEM = "client-workload"
CLIENT_PACKAGES = ("activestorage", "pyfive", "s3fs", "netCDF4", "h5py")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="The client's own workload: reduce a chunked netCDF4 field with "
        "PyActiveStorage through an active storage server vs reading it whole over the link, "
        "per emulated link and max_threads; every answer checked exactly.",
        epilog="Example: %(prog)s --links lan,home --max-threads 1,30 --repeats 3.  "
        "CI: %(prog)s --smoke.  Links are emulated with Toxiproxy (127.0.0.1:8474, or "
        "ACTIVESTORAGE_TOXIPROXY_PORT); loopback needs none.",
    )
    parser.add_argument("--server", default=SERVER_URL, help="server URL (default %(default)s)")
    parser.add_argument("--s3-source", default=S3_SOURCE, help="S3 endpoint (default %(default)s)")
    parser.add_argument("--bucket", default=BUCKET, help="S3 bucket (default %(default)s)")
    parser.add_argument(
        "--links", default=None, help=f"link presets, from {', '.join(PRESETS)} (default {LINKS})"
    )
    parser.add_argument(
        "--link",
        action="append",
        default=[],
        metavar="BANDWIDTH,RTT",
        help="an extra custom link, e.g. 20Mbit,40ms; repeatable",
    )
    parser.add_argument(
        "--layouts", default=LAYOUTS, help="large and/or small (default %(default)s)"
    )
    parser.add_argument(
        "--max-threads",
        default=MAX_THREADS,
        help="PyActiveStorage max_threads values (default %(default)s)",
    )
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help="timed runs per path (default %(default)s)"
    )
    parser.add_argument(
        "--operation", default="mean", choices=OPERATIONS, help="reduction (default %(default)s)"
    )
    parser.add_argument(
        "--home-seconds",
        type=float,
        default=HOME_PLAIN_SECONDS,
        help="scale the large field so that plain over the home link takes about this long "
        "(default %(default)s; the published 125 s gives the published 12.3 MB chunks)",
    )
    parser.add_argument(
        "--open-block-size",
        default=OPEN_BLOCK_SIZE,
        metavar="SIZE",
        help="s3fs block size for reading the file's metadata on the server path "
        "(default %(default)s; s3fs's own default is 50MiB)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny run for CI: 8 chunks of 16 KB, max_threads 8, 1 repeat, loopback unless "
        "--links says otherwise",
    )
    parser.add_argument(
        "--link-ports",
        default=f"{FIRST_PORT}-{LAST_PORT}",
        metavar="FIRST-LAST",
        help="ports for the link proxies (default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR, metavar="DIR")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per S3 call")
    parser.add_argument(
        "--plot-only", type=Path, default=None, metavar="JSON", help="redraw a saved run's PNG"
    )
    args = parser.parse_args(argv)
    try:
        resolve(args)
    except ValueError as error:
        parser.error(str(error))
    args.prog = parser.prog
    return args


def resolve(args: argparse.Namespace) -> None:
    """Command-line text -> links, layouts, thread counts; plus what ``run_script`` expects."""
    args.link_list = parse_links(args.links or ("loopback" if args.smoke else LINKS))
    args.link_list += [parse_custom_link(text) for text in args.link]
    args.threads = [8] if args.smoke else parse_workers(args.max_threads)
    if args.smoke:
        args.repeats = 1
    if not 1 <= args.repeats <= MAX_REPEATS:
        raise ValueError(f"--repeats must be 1..{MAX_REPEATS}")
    if not 0 < args.home_seconds <= 1000:
        raise ValueError("--home-seconds must be in (0, 1000]")
    args.layout_list = [SMOKE] if args.smoke else choose_layouts(args.layouts, args.home_seconds)
    first, _, last = args.link_ports.partition("-")
    if not (first.isdigit() and last.isdigit() and 1024 <= int(first) <= int(last) <= 65535):
        raise ValueError(
            f"--link-ports: expected FIRST-LAST such as 8601-8619, got {args.link_ports}"
        )
    args.ports = (int(first), int(last))
    args.block_size = parse_size(args.open_block_size)
    args.proxies = {"server": args.server.rstrip("/")}
    args.api, args.profile, args.dtype = "v2", None, "float32"  # for the Bench (S3 and probe)


def choose_layouts(text: str, home_seconds: float) -> list[Layout]:
    layouts = scaled_layouts(PRESETS["home"].bandwidth_mbit, home_seconds)
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in layouts]
    if unknown or not names:
        raise ValueError(f"--layouts: expected large and/or small, got {text!r}")
    return [layouts[name] for name in dict.fromkeys(names)]


def upload(bench: Bench, bucket: str, field: Field) -> str:
    """The field's file into the benchmark bucket (removed by the Bench); its s3fs path."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        ref = bench.store.put_s3(bucket, field.path.read_bytes(), field.digest)
    except (BotoCoreError, ClientError) as error:
        raise BenchmarkError(f"S3 store {bench.s3_source}: upload failed: {error}") from None
    return f"{ref.bucket}/{ref.key}"


def s3_probe(client: Client, path: str, size: int, link: Link) -> Probe:
    """Ranged GETs of a field file: 100 bytes, and enough to last about 0.5 s on ``link``."""
    nbytes = min(big_bytes_for(link), size)
    return Probe(
        small=lambda base: client.filesystem(base).cat_file(path, start=0, end=100),
        big=lambda base: len(client.filesystem(base).cat_file(path, start=0, end=nbytes)),
    )


def run(args: argparse.Namespace, bench: Bench) -> dict[str, Any]:
    """Write, upload, check once on loopback, then time every link x layout x path."""
    bench.preflight()
    server = bench.targets[0].url
    env = environment({"server": server}, args.s3_source, bench.servers)
    env["client_packages"] = {name: _version(name) for name in CLIENT_PACKAGES}
    env["load_average_start"] = list(os.getloadavg())
    config = {
        "operation": args.operation,
        "max_threads": args.threads,
        "repeats": args.repeats,
        "links": [link.to_json() for link in args.link_list],
        "layouts": [layout.as_dict() for layout in args.layout_list],
        "scaling": {"home_link": PRESETS["home"].to_json(), "home_plain_s": args.home_seconds},
        "open_block_size": args.block_size,
        "plain": "one GET of the whole file over the S3 link, pyfive in memory, numpy float64",
        "server": "PyActiveStorage v2 through the server link, metadata over the S3 link",
        "bucket": args.bucket,
        "order": "interleaved: each repeat times every path once, starting path rotating",
    }
    report = new_report("client-workload", config, env)
    with tempfile.TemporaryDirectory(prefix="client-workload-") as tmp:
        fields = [
            write_field(layout, Path(tmp) / f"{layout.name}.nc")
            for layout in tqdm(args.layout_list, desc="writing fields", unit="field")
        ]
        paths = {f.layout.name: upload(bench, args.bucket, f) for f in fields}
        sizes = {f.layout.name: f.path.stat().st_size for f in fields}
    client = Client(bench.auth, args.timeout, args.block_size)
    direct = Route("loopback", args.s3_source, server, args.s3_source)
    for field in fields:  # fail fast, before the slow links: one checked run of each path
        client.time_plain(direct, field, paths[field.layout.name], args.operation)
        client.time_server(direct, field, paths[field.layout.name], args.operation, 8)
    names = [PLAIN] + [server_target(n) for n in args.threads]
    biggest = max(fields, key=lambda f: f.layout.field_bytes).layout.name
    runs: list[dict[str, Any]] = []
    total = len(args.link_list) * len(fields) * args.repeats * len(names)
    with ExitStack() as stack, tqdm(total=total, desc="timing", unit="run") as bar:
        links = None
        if any(not link.unlimited for link in args.link_list):
            upstreams = {"s3": args.s3_source, "server": server}
            first, last = args.ports
            links = stack.enter_context(emulated_links(upstreams, first_port=first, last_port=last))
        for link in args.link_list:
            check = None
            route = replace(direct, link=link.name)
            if not link.unlimited:
                assert links is not None
                links.apply(link)
                route = Route(link.name, links.url("s3"), links.url("server"), args.s3_source)
                probe = s3_probe(client, paths[biggest], sizes[biggest], link)
                try:
                    check = links.check("s3", probe)
                except OSError as error:
                    raise BenchmarkError(f"link check of {link.name} via {route.s3_url}: {error}")
                for problem in check.problems():
                    tqdm.write(f"warning: emulated link off: {problem}")
            for field in fields:
                bar.set_postfix_str(f"{link.name}, {field.layout.name}")
                load = os.getloadavg()[0]
                timings, phases = measure(client, route, field, paths, args, names, bar)
                extra = {
                    "link_check": check.to_json() if check else None,
                    "load_1min_before": load,
                    "load_1min_after": os.getloadavg()[0],
                }
                runs.append(run_entry(link.to_json(), field.layout.name, timings, phases, extra))
    report.update(runs=runs, finished=now_iso(), complete=True)
    report["environment"]["load_average_end"] = list(os.getloadavg())
    return report


def measure(
    client: Client,
    route: Route,
    field: Field,
    paths: dict[str, str],
    args: argparse.Namespace,
    names: list[str],
    bar: Any,
) -> tuple[dict[str, list[float]], dict[str, dict[str, list[float]]]]:
    """``args.repeats`` rounds of every path on one link and layout, the first path rotating."""
    path = paths[field.layout.name]
    timings: dict[str, list[float]] = {name: [] for name in names}
    phases: dict[str, dict[str, list[float]]] = {name: {} for name in names}
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            if name == PLAIN:
                sample = client.time_plain(route, field, path, args.operation)
            else:
                threads = args.threads[names.index(name) - 1]
                sample = client.time_server(route, field, path, args.operation, threads)
            timings[name].append(sample.total)
            for phase, seconds in sample.phases.items():
                phases[name].setdefault(phase, []).append(seconds)
            bar.update(1)
    return timings, phases


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def print_summary(report: dict[str, Any]) -> None:
    config = report["config"]
    print(f"\n{config['operation']} of the whole field, median of {config['repeats']} run(s)")
    for layout in config["layouts"]:
        print(
            f"  {layout['name']}: {layout['nchunks']} chunks of {layout['chunk_bytes'] / 1e6:.3g} "
            f"MB = {layout['field_bytes'] / 1e6:.4g} MB float32, shape {layout['shape']}"
        )
    checks = {run["link"]["name"]: run["link_check"] for run in report["runs"]}
    for run in report["runs"]:
        check = checks.pop(run["link"]["name"], None)
        if check:
            rtt, bandwidth = check["measured_rtt_ms"], check["measured_bandwidth_mbit"]
            print(
                f"  link {link_label(run['link'])} measured on S3: RTT {rtt:.1f} ms, "
                f"{bandwidth:.0f} Mbit/s{'' if check['ok'] else ' (OFF)'}"
            )
    print("\nthis machine (every answer checked exactly):")
    print(format_table(table_rows(report["runs"], config["max_threads"])))
    print("\npublished (the client's experiments on object storage; university ~ campus):")
    print(format_table(published_rows()))
    env = report["environment"]
    print(f"\nload average at start {env['load_average_start']}, end {env['load_average_end']}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return run_script(
        args.prog,
        args,
        auth=auth_from_env(AUTH, os.environ),
        stem=STEM,
        run=run,
        plot=plot_client_workload,
        print_summary=print_summary,
    )
