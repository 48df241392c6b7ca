"""What the client-workload benchmark reports: JSON entries, the table like the published one, and
the PNG. Pure except for the plot's file write, so the table is unit-tested offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from bench.client_field import PUBLISHED
from bench.client_paths import PLAIN
from bench.plots import PROXY_COLOURS, BYPASS_COLOUR, frame_figure, plot_style, setup_matplotlib
from bench.stats import speedup, summarize


def server_target(max_threads: int) -> str:
    """The name of the server path at one ``max_threads`` in timings and summaries."""
    return f"server-t{max_threads}"


def run_entry(
    link: Mapping[str, Any],
    layout: str,
    timings: Mapping[str, Sequence[float]],
    phases: Mapping[str, Mapping[str, Sequence[float]]],
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """One (link, layout) pair: raw timings and phases, and per target the summary with the
    speedup over plain (ratio of medians)."""
    plain = float(np.median(timings[PLAIN])) if timings.get(PLAIN) else None
    summary: dict[str, dict[str, Any]] = {}
    for name, samples in timings.items():
        entry: dict[str, Any] = dict(summarize(samples))
        entry["speedup_vs_plain"] = speedup(plain, entry["median_s"]) if plain else None
        summary[name] = entry
    return {
        "link": dict(link),
        "layout": layout,
        "timings_s": {name: list(map(float, values)) for name, values in timings.items()},
        "phases_s": {
            name: {phase: list(map(float, v)) for phase, v in by_phase.items()}
            for name, by_phase in phases.items()
        },
        "summary": summary,
        **extra,
    }


def link_label(link: Mapping[str, Any]) -> str:
    """``home (50 Mbit/s, 20 ms)``; loopback has no figures."""
    if link.get("bandwidth_mbit") is None and not link.get("rtt_ms"):
        return str(link["name"])
    return f"{link['name']} ({link['bandwidth_mbit']:g} Mbit/s, {link['rtt_ms']:g} ms)"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _factor(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2g}x" if value < 10 else f"{value:.0f}x"


def table_rows(runs: Sequence[Mapping[str, Any]], threads: Sequence[int]) -> list[list[str]]:
    """Header + one row per (layout, link): the link, plain s, then per max_threads the server's
    median seconds and its speedup over plain."""
    header = ["layout", "link", "plain s"]
    for n in threads:
        header += [f"server s (t={n})", "speedup"]
    rows = [header]
    for run in runs:
        summary = run["summary"]
        row = [run["layout"], link_label(run["link"]), _seconds(summary[PLAIN]["median_s"])]
        for n in threads:
            entry = summary.get(server_target(n))
            if entry is None:
                row += ["-", "-"]
            else:
                row += [_seconds(entry["median_s"]), _factor(entry["speedup_vs_plain"])]
        rows.append(row)
    return rows


def published_rows() -> list[list[str]]:
    """The client's published figures as a table of the same form."""
    rows = [["layout", "link", "chunks", "plain s", "server s", "speedup"]]
    for p in PUBLISHED:
        chunks = f"{p.chunks} x {p.chunk_mb:g} MB"
        rows.append(
            [
                p.layout,
                p.link,
                chunks,
                _seconds(p.plain_s),
                _seconds(p.server_s),
                _factor(p.speedup),
            ]
        )
    return rows


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; text left-aligned, figures right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def plot_client_workload(report: dict[str, Any], path: Path) -> None:
    """A panel per layout: per link, a bar for plain and one per max_threads (log seconds)."""
    plt = setup_matplotlib()
    config = report["config"]
    threads = config["max_threads"]
    layouts = [entry["name"] for entry in config["layouts"]]
    names = [PLAIN] + [server_target(n) for n in threads]
    colour = dict(zip(names, (BYPASS_COLOUR, *PROXY_COLOURS)))
    with plt.rc_context(plot_style()):
        links = max(len([r for r in report["runs"] if r["layout"] == name]) for name in layouts)
        fig, axes = plt.subplots(
            1, len(layouts), figsize=(max(7.5, 2.2 * links) * len(layouts), 7.0), squeeze=False
        )
        for ax, layout in zip(axes[0], layouts):
            runs = [r for r in report["runs"] if r["layout"] == layout]
            _layout_panel(ax, runs, names, colour)
            described = next(e for e in config["layouts"] if e["name"] == layout)
            chunk_mb = described["chunk_bytes"] / 1e6
            ax.set_title(f"{layout}: {described['nchunks']} chunks of {chunk_mb:.3g} MB")
        axes[0][0].set_ylabel("seconds (median, log scale)")
        frame_figure(
            fig,
            f"The client's workload: {config['operation']} of a netCDF4 field with PyActiveStorage",
            "plain = download the whole file over the link, reduce with numpy; server-tN = "
            "PyActiveStorage through the server with max_threads=N.  Above a bar: times faster "
            f"than plain.  Median of {config['repeats']}, every answer checked exactly.",
            f"{report['environment'].get('usable_cpus')} CPUs shared by client, server and S3; "
            "links emulated with Toxiproxy on loopback.  Started "
            f"{str(report.get('started', ''))[:16].replace('T', ' ')}.",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        plt.close(fig)


def _layout_panel(
    ax: Any, runs: Sequence[Mapping[str, Any]], names: Sequence[str], colour: Mapping[str, str]
) -> None:
    """Grouped bars per link on a log axis, each server bar labelled with its speedup."""
    from matplotlib.ticker import FuncFormatter

    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(runs))]
        summaries = [r["summary"][name] for r in runs]
        ys = [s["median_s"] for s in summaries]
        ax.bar(xs, ys, width, color=colour[name], label=name)
        if name == PLAIN:
            continue
        for x, y, entry in zip(xs, ys, summaries):
            label = _factor(entry["speedup_vs_plain"])
            ax.text(x, y * 1.08, label, ha="center", va="bottom", fontsize=10, rotation=90)
    ax.set_yscale("log")
    low, high = ax.get_ylim()
    ax.set_ylim(low, high * 8)  # room for the labels and the legend
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks(range(len(runs)), [r["link"]["name"] for r in runs])
    ax.legend(loc="upper right", fontsize=11, ncols=len(names))
