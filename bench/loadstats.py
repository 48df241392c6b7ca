"""Figures of a load run (pure): outcome tallies, latency percentiles, memory growth per request.

Memory growth is the slope of a least-squares line through (requests done, resident memory)
samples, scaled to a thousand requests: one late spike or an early warm-up moves it less than
the difference between the last and the first sample would.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from bench.loadmix import Outcome
from bench.stats import percentile

#: Examples of wrong answers and errors a report keeps (each with its reproducer).
KEPT_EXAMPLES = 5


def tally(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """Requests, answers judged right, wrong answers, and errors counted by status."""
    kinds: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for outcome in outcomes:
        kinds[outcome.kind] += 1
        if outcome.kind == "error":
            errors[outcome.status] += 1
    return {
        "requests": sum(kinds.values()),
        "ok": kinds["ok"],
        "wrong_answers": kinds["wrong"],
        "errors": sum(errors.values()),
        "errors_by_status": dict(sorted(errors.items())),
    }


def latency_ms(latencies_s: Sequence[float]) -> dict[str, float] | None:
    """p50, p95, p99, mean and max in milliseconds (None without samples)."""
    if not latencies_s:
        return None
    values = [v * 1000.0 for v in latencies_s]
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "mean": float(np.mean(values)),
        "max": float(max(values)),
    }


def growth_per_thousand(requests: Sequence[float], kib: Sequence[float]) -> float | None:
    """KiB of resident memory gained per 1000 requests (the fitted line's slope x 1000).

    None when the samples cannot define a slope (fewer than two distinct request counts).
    """
    if len(requests) != len(kib):
        raise ValueError(f"{len(requests)} request counts but {len(kib)} memory samples")
    if len(set(requests)) < 2:
        return None
    slope = np.polyfit(np.asarray(requests, dtype=float), np.asarray(kib, dtype=float), 1)[0]
    return float(slope) * 1000.0


@dataclass(frozen=True)
class MemorySample:
    """Resident memory (KiB) of each watched process at one moment, and requests done by then."""

    seconds: float  # since the timed phase began
    requests: int
    kib: Mapping[str, int]  # process name -> VmRSS; a process that vanished is left out


def memory_summary(samples: Sequence[MemorySample]) -> dict[str, dict[str, Any]]:
    """Per process: start, peak and end (MiB), samples taken, and growth per 1000 requests over
    the whole run and over its second half (a warm-up step inflates the first, not the second)."""
    names = sorted({name for sample in samples for name in sample.kib})
    summary = {}
    for name in names:
        points = [(s.requests, s.kib[name]) for s in samples if name in s.kib]
        values = [kib for _, kib in points]
        growth = growth_per_thousand([r for r, _ in points], values)
        later = points[len(points) // 2 :]  # past the warm-up: a leak keeps growing here
        later_growth = growth_per_thousand([r for r, _ in later], [kib for _, kib in later])
        summary[name] = {
            "samples": len(points),
            "start_mib": values[0] / 1024,
            "peak_mib": max(values) / 1024,
            "end_mib": values[-1] / 1024,
            "growth_kib_per_1000_requests": growth,
            "second_half_growth_kib_per_1000_requests": later_growth,
        }
    return summary


def throughput(requests: int, seconds: float) -> float | None:
    """Requests per second over the timed phase (None for an empty phase)."""
    return requests / seconds if seconds > 0 else None


def format_summary(report: Mapping[str, Any]) -> list[str]:
    """The lines a run prints: the verdict, the counts, the latencies and the memory."""
    result = report["result"]
    lines = [
        f"{result['requests']} requests from {report['config']['clients']} clients in "
        f"{result['seconds']:.1f} s ({result['requests_per_s'] or 0:.1f}/s): "
        f"{result['wrong_answers']} wrong answers, {result['errors']} errors "
        f"{result['errors_by_status'] or ''}".rstrip()
    ]
    latency = result["latency_ms"]
    if latency:
        lines.append(
            "latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max:.1f}".format(
                **latency
            )
        )
    for name, memory in report["memory"].items():
        shown = _kib(memory["growth_kib_per_1000_requests"])
        later = _kib(memory["second_half_growth_kib_per_1000_requests"])
        lines.append(
            f"memory {name}: start {memory['start_mib']:.1f} MiB, peak {memory['peak_mib']:.1f},"
            f" end {memory['end_mib']:.1f}; growth {shown} per 1000 requests, {later} in the"
            f" second half ({memory['samples']} samples)"
        )
    return lines


def _kib(growth: float | None) -> str:
    return "n/a" if growth is None else f"{growth:+.1f} KiB"
