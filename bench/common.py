"""Names every benchmark module shares: the baseline's name, the operations, bounds, the error."""

from __future__ import annotations

#: The name of the baseline in timings, summaries and plots.
BYPASS = "bypass"
#: Operations the benchmarks can time (``select`` returns the whole array: a transfer test).
OPERATIONS = ("sum", "min", "max", "count", "select")
#: Reductionist's liveness path; any HTTP answer there means a server is listening.
WELL_KNOWN_PATH = "/.well-known/reductionist-schema"
#: Bounds that keep a run finite: array size, repetitions, concurrency.
MAX_ARRAY_BYTES = 1 << 30
MAX_REPEATS = 1000
MAX_WORKERS = 64


class BenchmarkError(RuntimeError):
    """Stops a run; the message is one line that says what and where (a URL, a size)."""


def format_mb(nbytes: int) -> str:
    """Sizes as titles show them: decimal megabytes, three significant digits."""
    return f"{nbytes / 1e6:.3g} MB"
