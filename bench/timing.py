"""The size benchmark's timing loop: every target, every size, interleaved repeats, checked.

Shared by the loopback run and by each emulated link of a ``--links`` run.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

from tqdm import tqdm

from bench.common import WELL_KNOWN_PATH, format_mb
from bench.environment import redact_url
from bench.results import size_entry
from bench.runner import Bench, Workload
from bench.stats import client_overhead_summary, summarize


def time_workloads(
    bench: Bench, workloads: Sequence[Workload], repeats: int, dtype: str, desc: str = "timing"
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(size entries, client overhead per proxy): a warm-up and ``repeats`` timed requests per
    target and size, the starting target rotating each repeat, every answer checked."""
    names = bench.names
    floors = {
        t.name: [bench.time_http_floor(t) for _ in range(max(repeats, 10))] for t in bench.targets
    }
    sizes: list[dict[str, Any]] = []
    overhead: dict[str, Any] = {
        t.name: {
            "http_floor_s": summarize(floors[t.name]),
            "http_floor_url": redact_url(t.url + WELL_KNOWN_PATH),
            "per_size": [],
        }
        for t in bench.targets
    }
    total = len(workloads) * len(names) * (repeats + 1)
    with tqdm(total=total, desc=desc, unit="req") as bar:
        for work in workloads:
            bar.set_postfix_str(format_mb(work.array_nbytes))
            timings: dict[str, list[float]] = {name: [] for name in names}
            phases: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in names}
            first = {name: bench.measure(name, work).total for name in names}  # warm-up, checked
            bar.update(len(names))
            for repeat in range(repeats):
                shift = repeat % len(names)
                for name in names[shift:] + names[:shift]:
                    sample = bench.measure(name, work)
                    timings[name].append(sample.total)
                    for phase, seconds in sample.phases.items():
                        phases[name][phase].append(seconds)
                    bar.update(1)
            sizes.append(size_entry(work.size_bytes, work.elements, dtype, timings, phases, first))
            for target in bench.targets:
                entry = client_overhead_summary(
                    phases[target.name], timings[target.name], floors[target.name]
                )
                overhead[target.name]["per_size"].append(
                    {"array_bytes": work.array_nbytes, **entry}
                )
    return sizes, overhead
