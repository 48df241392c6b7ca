"""A server's resident memory over a load run, read from /proc (Linux), by PID.

PIDs come from the command line or from the local stack's PID files (``<state>/pids/NAME.pid``,
"PID START_TIME" as scripts/stack-common.sh writes them); a PID whose start time no longer
matches is someone else's process and is refused.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Callable

from bench.common import BenchmarkError
from bench.loadstats import MemorySample

#: Seconds between samples: often enough for a short smoke, cheap for a long soak.
SAMPLE_INTERVAL = 0.5


def default_stack_dir() -> Path:
    """The stack's state folder, as the stack scripts find it."""
    repo = Path(__file__).resolve().parents[1]
    return Path(os.environ.get("ACTIVESTORAGE_STACK_DIR", str(repo / ".stack")))


def rss_kib(pid: int) -> int | None:
    """VmRSS of ``pid`` in KiB, or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def start_time(pid: int) -> str | None:
    """The process start time (clock ticks since boot, field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def stack_pid(service: str, stack_dir: Path) -> int:
    """The live PID the stack recorded for ``service``; BenchmarkError if there is none."""
    path = stack_dir / "pids" / f"{service}.pid"
    try:
        pid_text, recorded = path.read_text().split()[:2]
    except (OSError, ValueError):
        raise BenchmarkError(f"no PID file for {service} in {stack_dir / 'pids'}") from None
    pid = int(pid_text)
    if start_time(pid) != recorded:
        raise BenchmarkError(f"{service} (pid {pid}, {path}) is not running")
    return pid


class MemorySampler:
    """Samples the watched processes' VmRSS every ``interval`` seconds in a daemon thread."""

    def __init__(
        self, pids: dict[str, int], done: Callable[[], int], interval: float = SAMPLE_INTERVAL
    ) -> None:
        self.pids = dict(pids)
        self.done = done
        self.interval = interval
        self.samples: list[MemorySample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._started = 0.0

    def sample(self) -> None:
        kib = {name: v for name, pid in self.pids.items() if (v := rss_kib(pid)) is not None}
        self.samples.append(MemorySample(time.monotonic() - self._started, self.done(), kib))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "MemorySampler":
        self._started = time.monotonic()
        if self.pids:
            self.sample()
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pids:
            self._stop.set()
            self._thread.join()
            self.sample()
