"""The PNGs: a boxplot panel per array size, and throughput/latency against concurrency.

Matplotlib is imported only when a plot is drawn (Agg backend, no display needed), so the rest of
the package imports quickly and without it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any, Mapping, Sequence

from bench.common import BYPASS, format_mb

BYPASS_COLOUR = "#8c8c8c"
PROXY_COLOURS = ("#1f77b4", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e")
FASTER_COLOUR, SLOWER_COLOUR = "#1a7f37", "#b42318"


def colours(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per target: proxies from a palette in order, bypass always grey."""
    out: dict[str, str] = {}
    proxies = [n for n in names if n != BYPASS]
    for i, name in enumerate(proxies):
        out[name] = PROXY_COLOURS[i % len(PROXY_COLOURS)]
    out[BYPASS] = BYPASS_COLOUR
    return out


def plot_style() -> dict[str, Any]:
    """Matplotlib settings for slides: large type, no top/right spines, light grid."""
    return {
        "font.size": 14,
        "axes.titlesize": 16,
        "axes.titleweight": "bold",
        "axes.labelsize": 14,
        "xtick.labelsize": 13,
        "ytick.labelsize": 13,
        "legend.fontsize": 13,
        "figure.titlesize": 19,
        "figure.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.alpha": 0.35,
        "savefig.dpi": 150,
    }


def machine_line(report: Mapping[str, Any]) -> str:
    """A one-line description of where the figures come from, for a plot's footer."""
    env = report.get("environment", {})
    config = report.get("config", {})
    cpus = env.get("usable_cpus") or env.get("cpu_count")
    started = str(report.get("started", ""))[:16].replace("T", " ")
    return (
        f"{cpus} CPUs, Python {env.get('python')}, S3 {env.get('s3_source')}, "
        f"API {config.get('api')}, {started}"
    )


def frame_figure(fig: Any, title: str, subtitle: str, footer: str) -> None:
    """Title, grey subtitle and small footer placed in inches, then the panels laid out between.

    Lines are wrapped to the figure's width, so a narrow figure never cuts a sentence off.
    """
    width, height = fig.get_figwidth(), fig.get_figheight()
    sub_lines = textwrap.wrap(subtitle, int(width * 8.5)) or [""]
    foot_lines = textwrap.wrap(footer, int(width * 10.5)) or [""]
    fig.suptitle(title, y=1 - 0.15 / height, va="top")
    fig.text(
        0.5, 1 - 0.62 / height, "\n".join(sub_lines), ha="center", va="top", fontsize=13,
        color="#444444",
    )  # fmt: skip
    fig.text(
        0.5, 0.1 / height, "\n".join(foot_lines), ha="center", va="bottom", fontsize=10.5,
        color="#666666",
    )  # fmt: skip
    top = 1 - (0.75 + 0.24 * len(sub_lines)) / height
    bottom = (0.2 + 0.2 * len(foot_lines)) / height
    fig.tight_layout(rect=(0, bottom, 1, top))
    # tight_layout leaves room for the suptitle again; the panel titles need only ~0.45 in
    fig.subplots_adjust(top=top - 0.45 / height)


def setup_matplotlib() -> Any:
    """pyplot on the Agg backend (no display needed), imported only when plotting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# --- the size benchmark: one boxplot panel per size ----------------------------------------------


def plot_sizes(report: dict[str, Any], path: Path) -> None:
    """One boxplot panel per size: a box per proxy plus bypass, milliseconds from 0.

    A ``--links`` run's report is drawn by ``plot_links`` instead."""
    if "links" in report:
        plot_links(report, path)
        return
    plt = setup_matplotlib()
    sizes = report["sizes"]
    names = list(sizes[0]["timings_s"])
    colour = colours(names)
    config = report["config"]
    with plt.rc_context(plot_style()):
        width = max(4.2 * len(sizes), 11.0) + 0.9 * max(len(names) - 2, 0) * len(sizes)
        fig, axes = plt.subplots(1, len(sizes), figsize=(width, 7.0), squeeze=False)
        for ax, entry in zip(axes[0], sizes):
            _size_panel(ax, entry, names, colour)
        axes[0][0].set_ylabel("time per request (ms)")
        frame_figure(
            fig,
            f"{config['operation']} of {config['dtype']} arrays in S3: active storage vs bypass",
            "bypass = GET the whole object from S3, then reduce it with numpy.  "
            f"{config['repeats']} requests per box, every answer checked against numpy.",
            f"{machine_line(report)}.  Boxes: quartiles and median; whiskers: 1.5 IQR.  "
            "Top: median, and how many times faster or slower than bypass (ratio of medians).",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)


def _size_panel(ax: Any, entry: dict[str, Any], names: list[str], colour: dict[str, str]) -> None:
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
    ax.set_title(f"{format_mb(entry['array_bytes'])}  ·  {elements} elements")
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
        if name == BYPASS or factor is None:
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


# --- the size benchmark over emulated links: speedup against size, a line per link ---------------


def plot_links(report: dict[str, Any], path: Path) -> None:
    """Speedup (bypass median / server median) against array size, log-log, one line per link
    (and per proxy, if several), with the break-even line at 1x."""
    plt = setup_matplotlib()
    entries = report["links"]
    config = report["config"]
    proxies = list(entries[0]["results"])
    with plt.rc_context(plot_style()):
        fig, ax = plt.subplots(figsize=(12, 7.5))
        for i, entry in enumerate(entries):
            colour = PROXY_COLOURS[i % len(PROXY_COLOURS)]
            for style, proxy in zip(("-", "--", ":", "-."), proxies):
                result = entry["results"][proxy]
                xs = [n / 1e6 for n in result["array_bytes"]]
                ys = [f if f else float("nan") for f in result["speedups"]]
                label = _link_label(entry) + (f" ({proxy})" if len(proxies) > 1 else "")
                ax.plot(xs, ys, style, marker="o", color=colour, lw=2.5, ms=7, label=label)
                ax.annotate(
                    f"{ys[-1]:.3g}×", (xs[-1], ys[-1]), xytext=(8, 0), textcoords="offset points",
                    va="center", fontsize=12, color=colour,
                )  # fmt: skip
        from matplotlib.ticker import FuncFormatter

        ax.axhline(1.0, color="#333333", lw=1.2, ls="--")
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain = FuncFormatter(lambda value, _: f"{value:g}")
        ax.xaxis.set_major_formatter(plain)
        ax.yaxis.set_major_formatter(plain)
        ax.set_xlabel("array size (MB)")
        ax.set_ylabel(f"speedup over {BYPASS} (×, log scale)")
        ax.set_title("Above the dashed line the server wins")
        ax.grid(True, which="major", axis="both", alpha=0.35)
        ax.legend(loc="upper left")
        frame_figure(
            fig,
            f"{config['operation']} of {config['dtype']} arrays: active storage vs bypass "
            "over emulated links",
            f"client -> link -> server, and client -> link -> S3 for {BYPASS}; the server reaches "
            f"S3 directly.  Speedup = ratio of medians, {config['repeats']} requests each.",
            f"{machine_line(report)}.  Links emulated with Toxiproxy on one machine; "
            "measured bandwidth and RTT per link in the JSON.",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)


def _link_label(entry: dict[str, Any]) -> str:
    """``home: 50 Mbit/s, 20 ms (measured 49.7 Mbit/s, 19.6 ms)``; ``loopback (direct)``."""
    link, check = entry["link"], entry["check"]
    if check is None:
        return f"{link['name']} (direct)"
    bandwidth, rtt = check["measured_bandwidth_mbit"], check["measured_rtt_ms"]
    return (
        f"{link['name']}: {link['bandwidth_mbit']:g} Mbit/s, {link['rtt_ms']:g} ms "
        f"(measured {bandwidth:.3g} Mbit/s, {rtt:.3g} ms)"
    )


# --- the parallel benchmark: throughput and latency against concurrency ---------------------------


def plot_levels(report: dict[str, Any], path: Path) -> None:
    """Throughput and latency percentiles against the number of client threads."""
    plt = setup_matplotlib()
    levels = report["levels"]
    names = list(levels)
    colour = colours(names)
    config = report["config"]
    array_bytes = report["array"]["array_bytes"]
    workers = config["workers"]
    positions = {w: i for i, w in enumerate(workers)}
    styles = (("p50", "median_s", "-"), ("p95", "p95_s", "--"), ("p99", "p99_s", ":"))
    with plt.rc_context(plot_style()):
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
        frame_figure(
            fig,
            f"{config['operation']} of a {format_mb(array_bytes)} {config['dtype']} array "
            "under concurrent load: active storage vs bypass",
            "bypass = GET the whole object from S3, then reduce it with numpy.  "
            f"{config['requests_per_target_and_level']} requests per point, "
            "every answer checked against numpy.",
            f"{machine_line(report)}.  Client, server and S3 share this machine.",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)
