"""Offline smoke tests of the benchmark plots: they render and are written; bypass stays grey."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import BYPASS
from bench.plots import BYPASS_COLOUR, colours, plot_levels, plot_sizes
from bench.results import concurrency_entry, new_report, size_entry


def test_colours_keep_bypass_grey() -> None:
    colour = colours(["a", "b", BYPASS])
    assert colour[BYPASS] == BYPASS_COLOUR
    assert colour["a"] != colour["b"] != BYPASS_COLOUR


def _fake_sizes() -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    sizes = []
    for nbytes in (40_000, 16_000_000):
        base = nbytes / 1e9 + 0.001
        timings = {
            "reductionist": list(base * 0.8 + rng.random(20) * 1e-3),
            BYPASS: list(base + rng.random(20) * 1e-3) + [base * 9],
        }
        sizes.append(size_entry(nbytes, nbytes // 8, "int64", timings, {}, {}))
    return sizes


def test_run_benchmarks_plot(tmp_path: Path) -> None:
    report = new_report("run-benchmarks", {"operation": "sum", "dtype": "int64"}, {})
    report["config"].update(repeats=20, api="v2")
    report["sizes"] = _fake_sizes()
    plot_sizes(report, tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 10_000


def test_run_parallel_benchmarks_plot(tmp_path: Path) -> None:
    config: dict[str, Any] = {"operation": "sum", "dtype": "int64", "workers": [1, 2, 4, 8]}
    config.update(api="v2", requests_per_target_and_level=16)
    report = new_report("run-parallel-benchmarks", config, {})
    report["array"] = {"array_bytes": 4_000_000, "elements": 500_000}
    report["levels"] = {
        name: [
            concurrency_entry(w, 1.0 / w * scale, [0.01 * w] * 16, 4_000_000, 0.1)
            for w in (1, 2, 4, 8)
        ]
        for name, scale in (("reductionist", 1.0), (BYPASS, 2.0))
    }
    plot_levels(report, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 10_000
    assert not math.isnan(report["levels"]["reductionist"][0]["gb_per_s"])
