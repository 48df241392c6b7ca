#!/usr/bin/env python3
"""Time a reduction through active storage servers against the bypass baseline.

For each array size the script uploads one array to S3, then times the operation (default
``sum``) through every configured proxy and the *bypass* baseline (GET the whole object from S3
and reduce it locally with numpy), ``--repeats`` times each, interleaved so that drift in the
machine's load hits every target alike. Every answer is checked against the compliance suite's
numpy oracle; a wrong answer stops the run with a one-line error and a curl reproducer.

Output, in ``--out`` (default ``benchmark-results/``, git-ignored):
``benchmark--{timestamp}.png`` (a boxplot panel per size, one box per proxy plus bypass) and
``benchmark--{timestamp}.json`` (raw timings, phases, environment, summary per size, client
overhead). The uploaded objects are removed at the end, also after an error or Ctrl-C.

Edit the configuration below, or override it on the command line (``--help``). S3 credentials
can also come from ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.
"""

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import benchmark_common as bc
from tqdm import tqdm

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
        prog="run-benchmarks.py",
        description="Time an operation through active storage servers and the bypass baseline "
        "(download the whole object from S3 and reduce it with numpy); check every answer; "
        "save a boxplot PNG and a JSON file of raw timings.",
        epilog="Example: scripts/run-benchmarks.py --proxy reductionist=http://127.0.0.1:8080 "
        "--sizes 40KB,400KB,4MB,16MB --repeats 20. S3 credentials: AUTH in the script, or "
        "ACTIVESTORAGE_AWS_ID / ACTIVESTORAGE_AWS_PASSWORD.",
    )
    bc.add_common_arguments(
        parser, proxy_urls=PROXY_URLS, s3_source=S3_SOURCE, bucket=BUCKET, api=API
    )
    parser.add_argument(
        "--sizes",
        default=SIZES,
        help="comma-separated array sizes, e.g. 40KB,4MB,4MiB (default %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=REPEATS,
        help=f"timed requests per target and size, 1..{bc.MAX_REPEATS} (default %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        args.sizes = bc.parse_sizes(args.sizes)
        args.proxies = bc.resolve_proxies(args.proxy, PROXY_URLS)
    except ValueError as error:
        parser.error(str(error))
    if not 1 <= args.repeats <= bc.MAX_REPEATS:
        parser.error(f"--repeats must be 1..{bc.MAX_REPEATS}")
    return args


def run(args: argparse.Namespace, bench: bc.Bench) -> dict[str, Any]:
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
    env = bc.environment(args.proxies, args.s3_source, bench.servers)
    report = bc.new_report("run-benchmarks", config, env)
    workloads = [bench.prepare(size) for size in tqdm(args.sizes, desc="uploading", unit="array")]
    names = bench.names
    floors = {
        t.name: [bench.time_http_floor(t) for _ in range(max(args.repeats, 10))]
        for t in bench.targets
    }
    sizes: list[dict[str, Any]] = []
    overhead: dict[str, Any] = {
        t.name: {
            "http_floor_s": bc.summarize(floors[t.name]),
            "http_floor_url": bc.redact_url(t.url + bc.WELL_KNOWN_PATH),
            "per_size": [],
        }
        for t in bench.targets
    }
    total = len(workloads) * len(names) * (args.repeats + 1)
    with tqdm(total=total, desc="timing", unit="req") as bar:
        for work in workloads:
            bar.set_postfix_str(bc.format_mb(work.array_nbytes))
            timings: dict[str, list[float]] = {name: [] for name in names}
            phases: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in names}
            first = {name: bench.measure(name, work).total for name in names}  # warm-up, checked
            bar.update(len(names))
            for repeat in range(args.repeats):
                shift = repeat % len(names)
                for name in names[shift:] + names[:shift]:
                    sample = bench.measure(name, work)
                    timings[name].append(sample.total)
                    for phase, seconds in sample.phases.items():
                        phases[name][phase].append(seconds)
                    bar.update(1)
            sizes.append(
                bc.size_entry(work.size_bytes, work.elements, args.dtype, timings, phases, first)
            )
            for target in bench.targets:
                entry = bc.client_overhead_summary(
                    phases[target.name], timings[target.name], floors[target.name]
                )
                overhead[target.name]["per_size"].append(
                    {"array_bytes": work.array_nbytes, **entry}
                )
    report.update(sizes=sizes, client_overhead=overhead, finished=bc.now_iso(), complete=True)
    return report


# --- the plot ------------------------------------------------------------------------------------


def plot(report: dict[str, Any], path: Path) -> None:
    """One boxplot panel per size: a box per proxy plus bypass, milliseconds from 0."""
    plt = bc.setup_matplotlib()
    sizes = report["sizes"]
    names = list(sizes[0]["timings_s"])
    colour = bc.colours(names)
    config = report["config"]
    with plt.rc_context(bc.plot_style()):
        width = max(4.2 * len(sizes), 11.0) + 0.9 * max(len(names) - 2, 0) * len(sizes)
        fig, axes = plt.subplots(1, len(sizes), figsize=(width, 7.0), squeeze=False)
        for ax, entry in zip(axes[0], sizes):
            _panel(ax, entry, names, colour)
        axes[0][0].set_ylabel("time per request (ms)")
        bc.frame_figure(
            fig,
            f"{config['operation']} of {config['dtype']} arrays in S3: active storage vs bypass",
            "bypass = GET the whole object from S3, then reduce it with numpy.  "
            f"{config['repeats']} requests per box, every answer checked against numpy.",
            f"{bc.machine_line(report)}.  Boxes: quartiles and median; whiskers: 1.5 IQR.  "
            "Top: median, and how many times faster or slower than bypass (ratio of medians).",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)


FASTER_COLOUR, SLOWER_COLOUR = "#1a7f37", "#b42318"


def _panel(ax: Any, entry: dict[str, Any], names: list[str], colour: dict[str, str]) -> None:
    """Boxes in the lower 4/5, a label band on top: median, and speed relative to bypass."""
    from matplotlib.ticker import MaxNLocator

    data = [[s * 1e3 for s in entry["timings_s"][n]] for n in names]
    boxes = ax.boxplot(
        data,
        patch_artist=True,
        widths=0.6,
        medianprops={"color": "black", "linewidth": 2.5},
        flierprops={"marker": "o", "markersize": 4, "alpha": 0.5},
    )
    for patch, name in zip(boxes["boxes"], names):
        patch.set_facecolor(colour[name])
        patch.set_alpha(0.85)
    ax.set_xticks(range(1, len(names) + 1), names)
    elements = _compact(entry["elements"])
    ax.set_title(f"{bc.format_mb(entry['array_bytes'])}  ·  {elements} elements")
    whisker_top = max(float(line.get_ydata().max()) for line in boxes["whiskers"])
    data_top = max(max(d) for d in data)
    # the boxes' area: all the data, unless a few outliers lie far above the whiskers
    if data_top <= whisker_top * 1.3:
        clip = max(whisker_top * 1.1, data_top * 1.05)
    else:
        clip = whisker_top * 1.3
    top = clip / 0.8  # the top fifth is the label band
    hidden = sum(v > clip for d in data for v in d)
    if hidden:  # a few slow outliers would squash the boxes: clip them and say so
        note = f"{hidden} outlier{'s' if hidden > 1 else ''} above {clip:.3g} ms "
        note += f"(max {data_top:.3g} ms)"
        ax.text(0.98, 0.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=10)
    ax.set_ylim(0, top)
    ax.axhspan(clip, top, color="white", zorder=2.5)  # the label band stays clear
    ticks = MaxNLocator(6).tick_values(0, clip)
    ax.set_yticks([t for t in ticks if 0 <= t <= clip])
    ax.spines["left"].set_bounds(0, clip)
    band = ax.get_xaxis_transform()  # x in data, y in axes fraction
    summary = entry["summary"]
    for i, name in enumerate(names, start=1):
        median_ms = summary[name]["median_s"] * 1e3
        ax.text(i, 0.96, f"{median_ms:.3g} ms", transform=band, ha="center", va="top", zorder=3)
        factor = summary[name]["speedup_vs_bypass"]
        if name == bc.BYPASS or factor is None:
            continue
        faster = factor >= 1
        text = f"{factor:.2f}× faster" if faster else f"{1 / factor:.2f}× slower"
        ax.text(
            i, 0.885, text, transform=band, ha="center", va="top", zorder=3, fontweight="bold",
            color=FASTER_COLOUR if faster else SLOWER_COLOUR,
        )  # fmt: skip


def _compact(count: int) -> str:
    """5000 -> 5k, 2000000 -> 2M: element counts short enough for a panel title."""
    for factor, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if count >= factor:
            return f"{count / factor:.3g}{suffix}"
    return str(count)


# --- the printed summary ------------------------------------------------------------------------


def print_summary(report: dict[str, Any]) -> None:
    config = report["config"]
    print(
        f"\n{config['operation']} of {config['dtype']}, {config['repeats']} timed requests "
        f"per target and size, API {config['api']}"
    )
    width = max(len(name) for name in report["sizes"][0]["summary"]) + 2
    print(f"{'size':>9}  {'target':<{width}}{'median':>10}{'p95':>10}{'GB/s':>8}{'speedup':>9}")
    for entry in report["sizes"]:
        size = bc.format_mb(entry["array_bytes"])
        for name, s in entry["summary"].items():
            factor = s["speedup_vs_bypass"]
            shown = "" if name == bc.BYPASS or factor is None else f"{factor:.2f}x"
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
            m, size = item["median_s"], bc.format_mb(item["array_bytes"])
            print(
                f"  {size:>9}: build + parse {m['client'] * 1e6:.0f} us "
                f"(build {m['build'] * 1e6:.0f}, parse {m['parse'] * 1e6:.0f}), "
                f"{item['client_share_of_median_latency']:.1%} of the median latency; "
                f"check (untimed) {m['check'] * 1e6:.0f} us"
            )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return bc.run_script(
        "run-benchmarks.py",
        args,
        auth=bc.auth_from_env(AUTH, os.environ),
        stem=STEM,
        run=run,
        plot=plot,
        print_summary=print_summary,
    )


if __name__ == "__main__":
    sys.exit(main())
