"""One suite run through the fault proxy, and what it says about the fault: the runner's parts.

``ProxyProcess`` starts the proxy (``python -m faults.proxy``) as a subprocess of its own, in
front of the real server; ``run_once`` runs the compliance suite through it and reads pytest's
JSON report into a ``Run``; the rest renders runs as a table and a score. ``faults.mutation``
is the command line that strings them together.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .proxy import LISTENING, STATS
from .registry import Fault

#: The repository checkout (the project is installed editable): the suite and scripts live there.
REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "scripts"
#: pytest's exit status when the suite cannot start (conftest: store or server unreachable).
CANNOT_START = 3
EXAMPLES = 5


@dataclass
class Run:
    """One suite run through the proxy, and what it says about the fault."""

    fault: str
    side: str
    areas: str  # the -m expression used; "" for the whole suite
    verdict: str  # caught | survived | error (baseline: passed | failed | error)
    failed: int = 0
    passed: int = 0
    skipped: int = 0
    deviations: int = 0
    seconds: float = 0.0
    requests: int | None = None  # requests the proxy saw
    altered: int | None = None  # requests the fault changed (upstream call or answer)
    failed_by_area: dict[str, int] = field(default_factory=dict)  # feature area -> failures
    examples: list[dict[str, str]] = field(default_factory=list)
    note: str = ""


class ProxyProcess:
    """The fault proxy as a subprocess: started, waited for, stopped by its own PID only."""

    def __init__(self, fault: str, upstream: str, log: Path) -> None:
        self.fault = fault
        self.upstream = upstream
        self.log_path = log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, wait: float = 15.0) -> str:
        command = [sys.executable, "-m", "faults.proxy", "--fault", self.fault]
        command += ["--upstream", self.upstream, "--port", "0"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.monotonic() + wait
        pattern = re.compile(re.escape(LISTENING) + r" (http://127\.0\.0\.1:\d+)")
        while time.monotonic() < deadline:
            match = pattern.search(self.log_path.read_text(errors="replace"))
            if match:
                self.url = match.group(1)
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"fault proxy did not start: {self.log_text()[-500:]}")

    def stop(self) -> dict[str, int]:
        """Stop the proxy and return the statistics it printed on the way out."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        match = re.search(re.escape(STATS) + r" (\{.*\})", self.log_text())
        return json.loads(match.group(1)) if match else {}

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Options:
    upstream: str
    profile: str | None
    workers: int
    timeout: float
    pytest_args: list[str]
    logs: Path
    ensure_stack: bool


def pytest_command(options: Options, url: str, areas: str, report: Path) -> list[str]:
    command = [sys.executable, "-m", "pytest", "compliance", "-n", str(options.workers)]
    command += ["-q", "-p", "no:randomly", "--proxy-url", url]
    command += ["--compliance-report-json", str(report)]
    if options.profile:
        command += ["--profile", options.profile]
    if areas:
        command += ["-m", areas]
    return command + options.pytest_args


def ensure_stack() -> None:
    """Bring the local stack up (idempotent: starts only what is not running)."""
    subprocess.run(
        ["bash", str(SCRIPTS / "local-stack.sh"), "up"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def run_once(fault: Fault, areas: str, options: Options) -> tuple[Run, int]:
    """One suite run with ``fault`` in the proxy; returns the record and pytest's exit status."""
    run = Run(fault.name, fault.side, areas, "error")
    stem = options.logs / fault.name
    report = stem.with_suffix(".report.json")
    report.unlink(missing_ok=True)
    proxy = ProxyProcess(fault.name, options.upstream, stem.with_suffix(".proxy.log"))
    started = time.monotonic()
    status = -1
    try:
        url = proxy.start()
        command = pytest_command(options, url, areas, report)
        with open(stem.with_suffix(".pytest.log"), "wb") as log:
            try:
                status = subprocess.run(
                    command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, timeout=options.timeout
                ).returncode
            except subprocess.TimeoutExpired:
                run.note = f"suite run exceeded {options.timeout:.0f} s"
    except RuntimeError as error:
        run.note = str(error)
    finally:
        stats = proxy.stop()
        run.seconds = round(time.monotonic() - started, 1)
    run.requests, run.altered = stats.get("requests"), stats.get("altered")
    if stats.get("fault_errors"):
        run.note = f"the fault raised {stats['fault_errors']} times (see {proxy.log_path})"
        return run, status
    if run.note:
        return run, status
    if not report.exists() or status not in (0, 1):
        tail = stem.with_suffix(".pytest.log").read_text(errors="replace").strip()
        run.note = f"pytest exit {status}: " + (tail.splitlines()[-1] if tail else "no output")
        return run, status
    verdict = json.loads(report.read_text())
    totals = verdict.get("totals", {})
    run.failed, run.passed = totals.get("failed", 0), totals.get("passed", 0)
    run.skipped, run.deviations = totals.get("skipped", 0), totals.get("deviations", 0)
    run.failed_by_area = {
        area: row["failed"] for area, row in verdict.get("counts", {}).items() if row.get("failed")
    }
    run.examples = [
        {"test": f["nodeid"], "reason": f["reason"][:300]}
        for f in verdict.get("failures", [])[:EXAMPLES]
    ]
    if status == 1 and not run.failed:
        run.note = "pytest failed without a failing test (collection or internal error)"
        return run, status
    run.verdict = "caught" if run.failed else "survived"
    if run.verdict == "survived" and run.altered == 0:
        run.note = "the fault never triggered: no test exercises it"
    return run, status


def measure(fault: Fault, areas: str, options: Options) -> Run:
    """Run the suite against a fault, retrying once if the stack was unreachable."""
    run, status = run_once(fault, areas, options)
    if run.verdict == "error" and status == CANNOT_START:
        if options.ensure_stack:
            ensure_stack()
        else:
            time.sleep(5)
        run, status = run_once(fault, areas, options)
    return run


# --- output --------------------------------------------------------------------------------------

HEADER = ("fault", "side", "verdict", "failed", "tests", "altered", "seconds")


def _cells(run: Run) -> list[str]:
    tests = run.passed + run.failed
    altered = "-" if run.altered is None else str(run.altered)
    return [
        run.fault,
        run.side,
        run.verdict,
        str(run.failed),
        str(tests),
        altered,
        f"{run.seconds:.1f}",
    ]


def render_table(runs: list[Run]) -> str:
    rows = [list(HEADER)] + [_cells(r) for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        left = [c.ljust(w) for c, w in zip(row[:3], widths[:3])]
        right = [c.rjust(w) for c, w in zip(row[3:], widths[3:])]
        lines.append("  ".join(left + right).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    notes = [f"  {r.fault}: {r.note}" for r in runs if r.note]
    if notes:
        lines += ["", "notes:", *notes]
    return "\n".join(lines)


def progress_line(index: int, total: int, run: Run) -> str:
    width = len(str(total))
    detail = f"{run.failed} failed of {run.passed + run.failed}"
    if run.verdict == "error":
        detail = run.note
    return f"[{index:>{width}}/{total}] {run.fault:<34} {run.verdict:<8} {detail}, {run.seconds} s"


def score_line(runs: list[Run]) -> str:
    caught = sum(r.verdict == "caught" for r in runs)
    return f"score: {caught}/{len(runs)}"
