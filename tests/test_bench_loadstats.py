"""Figures of a load run (bench.loadstats, bench.procmem, bench.locust_run's CSV), offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.common import BenchmarkError
from bench.loadmix import Outcome
from bench.loadstats import (
    MemorySample,
    growth_per_thousand,
    latency_ms,
    memory_summary,
    tally,
    throughput,
)
from bench.locust_run import csv_figures
from bench.procmem import rss_kib, stack_pid, start_time


def test_tally_counts_wrong_answers_and_errors_by_status() -> None:
    outcomes = [
        Outcome("ok", "200"),
        Outcome("ok", "200"),
        Outcome("wrong", "200", ("count [3] != [2]",)),
        Outcome("error", "500"),
        Outcome("error", "no answer"),
        Outcome("error", "500"),
    ]
    assert tally(outcomes) == {
        "requests": 6,
        "ok": 2,
        "wrong_answers": 1,
        "errors": 3,
        "errors_by_status": {"500": 2, "no answer": 1},
    }


def test_latency_percentiles_in_milliseconds() -> None:
    figures = latency_ms([i / 1000 for i in range(1, 101)])  # 1..100 ms
    assert figures is not None
    assert figures["p50"] == pytest.approx(50.5)
    assert figures["p95"] == pytest.approx(95.05)
    assert figures["p99"] == pytest.approx(99.01)
    assert figures["max"] == pytest.approx(100.0)
    assert latency_ms([]) is None


def test_growth_is_the_fitted_slope_per_thousand_requests() -> None:
    requests = [0, 500, 1000, 1500, 2000]
    assert growth_per_thousand(requests, [100, 150, 200, 250, 300]) == pytest.approx(100.0)
    # One spike at the end moves the fit far less than end minus start would say (+900).
    spiky = growth_per_thousand(requests, [100, 100, 100, 100, 1000])
    assert spiky is not None and 300 < spiky < 400
    assert growth_per_thousand([7, 7], [1, 2]) is None
    with pytest.raises(ValueError):
        growth_per_thousand([1, 2], [1])


def test_memory_summary_per_process() -> None:
    samples = [
        MemorySample(0.0, 0, {"a": 1024, "b": 2048}),
        MemorySample(0.5, 1000, {"a": 3072, "b": 2048}),
        MemorySample(1.0, 2000, {"a": 2048}),  # b has gone
    ]
    summary = memory_summary(samples)
    assert summary["a"] == {
        "samples": 3,
        "start_mib": 1.0,
        "peak_mib": 3.0,
        "end_mib": 2.0,
        "growth_kib_per_1000_requests": pytest.approx(512.0),
        "second_half_growth_kib_per_1000_requests": pytest.approx(-1024.0),
    }
    assert summary["b"]["samples"] == 2
    assert summary["b"]["growth_kib_per_1000_requests"] == pytest.approx(0, abs=1e-9)


def test_throughput() -> None:
    assert throughput(300, 2.0) == 150.0
    assert throughput(0, 0.0) is None


def test_rss_of_this_process_and_of_none() -> None:
    mine = rss_kib(os.getpid())
    assert mine is not None and mine > 1000
    assert rss_kib(2**22 + 12345) is None


def test_stack_pid_refuses_a_recycled_pid(tmp_path: Path) -> None:
    (tmp_path / "pids").mkdir()
    pidfile = tmp_path / "pids" / "server.pid"
    pidfile.write_text(f"{os.getpid()} {start_time(os.getpid())}\n")
    assert stack_pid("server", tmp_path) == os.getpid()
    pidfile.write_text(f"{os.getpid()} 1\n")
    with pytest.raises(BenchmarkError, match="not running"):
        stack_pid("server", tmp_path)
    with pytest.raises(BenchmarkError, match="no PID file"):
        stack_pid("other", tmp_path)


STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,\
Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,\
90%,95%,98%,99%,99.9%,99.99%,100%
POST,operations:sum,60,10,5,6.0,1,40,100,20.0,3.3,5,6,7,8,9,11,14,17,40,40,40
,Aggregated,100,12,5,6.0,1,53.5,100,33.3,4.0,5,6,7,8,9,12,15,18,52,53,53
"""
FAILURES = """Method,Name,Error,Occurrences
POST,operations:sum,"WrongAnswer('test_operations.py::x: count [3] != [2]')",10
POST,http:sum,"ServerError('test_http_backend.py::y: status 500 != 200')",2
"""


def test_locust_csv_figures(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(STATS)
    (tmp_path / "f.csv").write_text(FAILURES)
    figures = csv_figures(tmp_path / "s.csv", tmp_path / "f.csv")
    assert figures == {
        "requests": 100,
        "failures": 12,
        "wrong_answers": 10,
        "other_failures": 2,
        "requests_per_s": 33.3,
        "latency_ms": {"50": 5.0, "95": 12.0, "99": 18.0},
        "max_ms": 53.5,
    }
    (tmp_path / "s.csv").write_text(STATS.rsplit(",Aggregated", 1)[0])
    with pytest.raises(ValueError, match="no Aggregated row"):
        csv_figures(tmp_path / "s.csv", tmp_path / "f.csv")
