"""Statistics of timings (pure): percentiles, summaries, speedups, throughput, client overhead."""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from bench.common import BYPASS


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between order statistics."""
    if not samples:
        raise ValueError("no samples")
    return float(np.percentile(np.asarray(samples, dtype=float), q))


def summarize(samples: Sequence[float]) -> dict[str, float | int]:
    """Median, mean, spread and tail percentiles of timings in seconds."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ValueError("no samples")
    return {
        "n": int(values.size),
        "median_s": float(np.median(values)),
        "mean_s": float(values.mean()),
        "stdev_s": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "min_s": float(values.min()),
        "p95_s": percentile(samples, 95),
        "p99_s": percentile(samples, 99),
        "max_s": float(values.max()),
    }


def speedup(baseline_s: float, seconds: float) -> float | None:
    """How many times faster than the baseline (> 1: faster); None when undefined."""
    if seconds <= 0 or baseline_s <= 0 or not math.isfinite(baseline_s / seconds):
        return None
    return baseline_s / seconds


def gb_per_s(nbytes: int, seconds: float) -> float | None:
    """Effective throughput in decimal GB of array data per second; None when undefined."""
    if seconds <= 0:
        return None
    return nbytes / seconds / 1e9


def summarize_targets(
    timings: Mapping[str, Sequence[float]], array_nbytes: int
) -> dict[str, dict[str, Any]]:
    """Per target: the timing summary, effective GB/s at the median, speedup vs bypass."""
    summary: dict[str, dict[str, Any]] = {}
    base = timings.get(BYPASS)
    base_median = float(np.median(base)) if base else None
    for name, samples in timings.items():
        entry: dict[str, Any] = dict(summarize(samples))
        entry["gb_per_s"] = gb_per_s(array_nbytes, entry["median_s"])
        entry["speedup_vs_bypass"] = (
            speedup(base_median, entry["median_s"]) if base_median is not None else None
        )
        summary[name] = entry
    return summary


def phase_medians(phases: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """The median of each phase's timings (seconds), phases with no samples left out."""
    return {name: float(np.median(values)) for name, values in phases.items() if len(values)}


def client_overhead_summary(
    phases: Mapping[str, Sequence[float]],
    totals: Sequence[float],
    http_floor: Sequence[float],
) -> dict[str, Any]:
    """The client's own work per request, and its share of the median request latency.

    ``phases`` holds per-request ``build``, ``parse`` and ``check`` times; ``client`` is build +
    parse, the part of the measured latency that is spent in this process rather than waiting.
    ``check`` (comparison with the oracle) lies outside the measured latency.
    """
    build = np.asarray(phases.get("build", []), dtype=float)
    parse = np.asarray(phases.get("parse", []), dtype=float)
    client = build + parse if build.size == parse.size else np.asarray([], dtype=float)
    medians = phase_medians({**phases, "client": client.tolist()})
    median_total = float(np.median(totals)) if len(totals) else None
    share = medians["client"] / median_total if "client" in medians and median_total else None
    return {
        "median_s": medians,
        "client_share_of_median_latency": share,
        "http_floor_median_s": float(np.median(http_floor)) if len(http_floor) else None,
        "median_latency_s": median_total,
    }
