"""Offline tests of the benchmarks' statistics: summaries, percentiles, speedups, overhead."""

from __future__ import annotations

import numpy as np
import pytest

from bench.common import BYPASS
from bench.stats import (
    client_overhead_summary,
    gb_per_s,
    percentile,
    speedup,
    summarize,
    summarize_targets,
)


def test_summarize() -> None:
    s = summarize([0.004, 0.001, 0.003, 0.002, 0.005])
    assert s["n"] == 5
    assert s["median_s"] == pytest.approx(0.003)
    assert s["mean_s"] == pytest.approx(0.003)
    assert s["min_s"] == 0.001 and s["max_s"] == 0.005
    assert s["p95_s"] == pytest.approx(0.0048)  # linear interpolation: 0.004 + 0.8 * 0.001
    assert s["p99_s"] == pytest.approx(0.00496)
    assert s["stdev_s"] == pytest.approx(np.std([1, 2, 3, 4, 5], ddof=1) / 1000)
    assert summarize([0.5])["stdev_s"] == 0.0
    with pytest.raises(ValueError):
        summarize([])


def test_percentile_matches_numpy_linear() -> None:
    samples = [float(v) for v in range(1, 101)]
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 99) == pytest.approx(99.01)


def test_speedup_and_gb_per_s() -> None:
    assert speedup(0.010, 0.005) == pytest.approx(2.0)  # twice as fast as bypass
    assert speedup(0.005, 0.010) == pytest.approx(0.5)
    assert speedup(0.01, 0.0) is None
    assert speedup(0.0, 0.01) is None
    assert gb_per_s(16_000_000, 0.016) == pytest.approx(1.0)
    assert gb_per_s(1, 0.0) is None


def test_summarize_targets_speedup_is_relative_to_bypass_median() -> None:
    timings = {"r": [0.001, 0.002, 0.003], BYPASS: [0.004, 0.006, 0.008]}
    summary = summarize_targets(timings, 4_000_000)
    assert summary["r"]["speedup_vs_bypass"] == pytest.approx(3.0)
    assert summary[BYPASS]["speedup_vs_bypass"] == pytest.approx(1.0)
    assert summary["r"]["gb_per_s"] == pytest.approx(2.0)
    assert summary[BYPASS]["gb_per_s"] == pytest.approx(4_000_000 / 0.006 / 1e9)
    no_baseline = summarize_targets({"r": [0.001]}, 8)
    assert no_baseline["r"]["speedup_vs_bypass"] is None


def test_client_overhead_summary() -> None:
    phases = {"build": [1e-5, 2e-5, 3e-5], "parse": [1e-5, 1e-5, 1e-5], "check": [5e-5] * 3}
    out = client_overhead_summary(phases, [0.001, 0.002, 0.003], [0.0005, 0.0007])
    assert out["median_s"]["client"] == pytest.approx(3e-5)  # median of build + parse
    assert out["median_s"]["check"] == pytest.approx(5e-5)
    assert out["client_share_of_median_latency"] == pytest.approx(3e-5 / 0.002)
    assert out["http_floor_median_s"] == pytest.approx(0.0006)
    assert out["median_latency_s"] == pytest.approx(0.002)
