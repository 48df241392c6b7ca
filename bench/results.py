"""What a run saves: the JSON layout of both entry points, and where the PNG and JSON go.

Pure except for the file reads and writes, so the layout is unit-tested offline.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from bench.common import BYPASS, BenchmarkError
from bench.stats import gb_per_s, summarize, summarize_targets

JSON_FORMAT_VERSION = 1
#: Where output goes unless ``--out`` says otherwise: the current directory, as upstream's
#: benchmark users expect (``./benchmark--{timestamp}.png``).
DEFAULT_OUT_DIR = Path(".")


def size_entry(
    size_bytes: int,
    elements: int,
    dtype: str,
    timings: Mapping[str, Sequence[float]],
    phases: Mapping[str, Mapping[str, Sequence[float]]],
    cold_start_s: Mapping[str, float],
) -> dict[str, Any]:
    """One array size in the size benchmark's JSON: raw timings, phases and the summary."""
    array_nbytes = elements * np.dtype(dtype).itemsize
    return {
        "size_bytes": size_bytes,
        "array_bytes": array_nbytes,
        "elements": elements,
        "dtype": dtype,
        "timings_s": {name: list(map(float, values)) for name, values in timings.items()},
        "phases_s": {
            name: {phase: list(map(float, v)) for phase, v in by_phase.items()}
            for name, by_phase in phases.items()
        },
        "first_request_s": dict(cold_start_s),
        "summary": summarize_targets(timings, array_nbytes),
    }


def concurrency_entry(
    workers: int, wall_s: float, latencies: Sequence[float], array_nbytes: int, cpu_s: float
) -> dict[str, Any]:
    """One concurrency level of one target in the parallel benchmark's JSON."""
    n = len(latencies)
    return {
        "workers": workers,
        "requests": n,
        "wall_s": wall_s,
        "requests_per_s": n / wall_s if wall_s > 0 else None,
        "gb_per_s": gb_per_s(n * array_nbytes, wall_s),
        "latency_s": summarize(latencies),
        "latencies_s": list(map(float, latencies)),
        "client_cpu_s": cpu_s,
        "client_cpu_utilisation": cpu_s / wall_s if wall_s > 0 else None,
    }


def add_throughput_ratios(levels: Mapping[str, list[dict[str, Any]]]) -> None:
    """Give every level ``throughput_vs_bypass``: its requests/s over bypass's at that level."""
    base = {e["workers"]: e["requests_per_s"] for e in levels.get(BYPASS, [])}
    for entries in levels.values():
        for entry in entries:
            reference, rate = base.get(entry["workers"]), entry["requests_per_s"]
            entry["throughput_vs_bypass"] = rate / reference if rate and reference else None


def new_report(kind: str, config: Mapping[str, Any], environment: Mapping[str, Any]) -> dict:
    """The common head of both entry points' JSON files; results are filled in as the run goes."""
    return {
        "benchmark": kind,
        "format_version": JSON_FORMAT_VERSION,
        "started": now_iso(),
        "finished": None,
        "complete": False,
        "config": dict(config),
        "environment": dict(environment),
    }


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def run_stamp() -> str:
    """The ``{timestamp}`` in output names: local time to the second, sortable."""
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def output_paths(out_dir: Path, stem: str, stamp: str) -> tuple[Path, Path]:
    """``DIR/{stem}--{stamp}.png`` and the JSON beside it."""
    base = out_dir / f"{stem}--{stamp}"
    return base.with_suffix(".png"), base.with_suffix(".json")


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=False) + "\n")
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BenchmarkError(f"cannot read {path}: {error}") from None
    if not isinstance(loaded, dict) or "benchmark" not in loaded:
        raise BenchmarkError(f"{path} is not a benchmark JSON file")
    return loaded
