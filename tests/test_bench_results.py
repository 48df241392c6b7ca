"""Offline tests of what a benchmark run saves: the JSON layout and the output file names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.common import BYPASS, BenchmarkError
from bench.results import (
    JSON_FORMAT_VERSION,
    add_throughput_ratios,
    concurrency_entry,
    new_report,
    output_paths,
    read_json,
    size_entry,
    write_json,
)


def test_add_throughput_ratios() -> None:
    levels: dict[str, list[dict[str, Any]]] = {
        "r": [{"workers": 1, "requests_per_s": 30.0}, {"workers": 2, "requests_per_s": 50.0}],
        BYPASS: [{"workers": 1, "requests_per_s": 10.0}],
    }
    add_throughput_ratios(levels)
    assert levels["r"][0]["throughput_vs_bypass"] == pytest.approx(3.0)
    assert levels["r"][1]["throughput_vs_bypass"] is None  # no bypass level to compare with
    assert levels[BYPASS][0]["throughput_vs_bypass"] == pytest.approx(1.0)


def test_size_entry_layout_is_plain_json() -> None:
    timings = {"r": [0.001, 0.002], BYPASS: [0.004, np.float64(0.004)]}
    phases = {"r": {"build": [1e-5, 1e-5]}, BYPASS: {"download": [0.003, 0.003]}}
    entry = size_entry(40_000, 5000, "int64", timings, phases, {"r": 9.6, BYPASS: 0.01})
    again = json.loads(json.dumps(entry))
    assert again == entry
    assert set(entry) == {
        "size_bytes",
        "array_bytes",
        "elements",
        "dtype",
        "timings_s",
        "phases_s",
        "first_request_s",
        "summary",
    }
    assert entry["array_bytes"] == 40_000
    assert entry["timings_s"]["r"] == [0.001, 0.002]
    assert entry["summary"]["r"]["speedup_vs_bypass"] == pytest.approx(0.004 / 0.0015)


def test_concurrency_entry() -> None:
    entry = concurrency_entry(4, 2.0, [0.01] * 100, 4_000_000, 0.5)
    assert entry["requests_per_s"] == pytest.approx(50.0)
    assert entry["gb_per_s"] == pytest.approx(0.2)
    assert entry["latency_s"]["p99_s"] == pytest.approx(0.01)
    assert entry["client_cpu_utilisation"] == pytest.approx(0.25)
    assert json.loads(json.dumps(entry)) == entry


def test_new_report_and_output_paths(tmp_path: Path) -> None:
    report = new_report("run-benchmarks", {"repeats": 3}, {"cpu_count": 2})
    assert report["format_version"] == JSON_FORMAT_VERSION
    assert report["complete"] is False
    png, json_path = output_paths(tmp_path, "benchmark", "20260101-120000")
    assert png.name == "benchmark--20260101-120000.png"
    assert json_path == png.with_suffix(".json")
    write_json(json_path, report)
    assert read_json(json_path) == report
    (tmp_path / "other.json").write_text("[1]")
    with pytest.raises(BenchmarkError, match="not a benchmark"):
        read_json(tmp_path / "other.json")
