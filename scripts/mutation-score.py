#!/usr/bin/env python3
"""Mutation score of the compliance suite: how many realistic server bugs does it catch?

For each fault of ``scripts/faults/catalog.py`` the runner starts the fault proxy
(``scripts/fault-proxy.py``, a subprocess of its own) in front of the real server, runs the
compliance suite through it, and records the fault as *caught* (at least one test failed) or
*survived*. A baseline run through the proxy with no fault must pass first, or the run stops: a
failure there is the server's or the suite's, not a fault's.

    scripts/mutation-score.py                    # every fault, the whole suite each time
    scripts/mutation-score.py --quick            # a few faults, their feature areas only (CI)
    scripts/mutation-score.py --faults drop-offset,wrong-dtype --subset
    scripts/mutation-score.py --upstream http://127.0.0.1:8081 --profile reductionist-0.11

Output: one line per fault as it finishes, then a table and ``score: CAUGHT/TOTAL``; the same as
JSON in ``--out`` (default ``reports/``, git-ignored). Exit status: 0; 2 if the baseline fails;
3 if a run could not be measured (the stack went away, the proxy failed); 1 with
``--require-all`` when a fault survives. Arguments after ``--`` go to pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(1, str(REPO))

from faults.catalog import CATALOG, FAULTS, NONE, Fault  # noqa: E402
from faults.proxy import LISTENING, STATS  # noqa: E402

#: The --quick selection: one or two faults per side and feature, each run on its areas only.
QUICK = (
    "ignore-selection",
    "drop-offset",
    "ignore-missing",
    "ignore-byte-order",
    "one-wrong-element",
    "wrong-dtype",
    "count-off-by-one",
    "private-data-without-credentials",
    "error-status-500",
    "error-plain-text",
)
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
        command = [sys.executable, str(SCRIPTS / "fault-proxy.py"), "--fault", self.fault]
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


# --- command line --------------------------------------------------------------------------------


def effective_defaults(profile: str | None) -> tuple[str, str]:
    """The suite's PROXY_URL and API for a profile (config.py, env), as pytest would see them."""
    from compliance.settings import ConfigError, load_settings

    try:
        settings = load_settings({"PROFILE": profile}, os.environ)
    except ConfigError as error:
        raise SystemExit(f"mutation-score: {error}") from None
    return settings.proxy_url, settings.profile.api


def select_faults(names: str | None, quick: bool, api: str) -> list[Fault]:
    if names:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in CATALOG or n == NONE.name]
        if unknown:
            raise SystemExit(f"mutation-score: unknown faults {unknown}; see --list")
        chosen = [CATALOG[n] for n in wanted]
    elif quick:
        chosen = [CATALOG[n] for n in QUICK]
    else:
        chosen = list(FAULTS)
    return [f for f in chosen if api in f.apis]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mutation-score.py",
        description="Run the compliance suite against each fault of the fault proxy in front of a "
        "real server; report which faults the suite catches, and the score.",
        epilog="Arguments after -- are passed to pytest (e.g. -- --deselect ID). Example: "
        "scripts/mutation-score.py --quick",
    )
    parser.add_argument("--list", action="store_true", help="print the faults and exit")
    parser.add_argument(
        "--upstream", help="the real server (default: the suite's PROXY_URL, i.e. config.py/env)"
    )
    parser.add_argument(
        "--profile", help="the suite's profile for that server (default: config.py/env)"
    )
    parser.add_argument("--faults", help="comma-separated fault names (default: all)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"the CI subset: {len(QUICK)} faults, each on its feature areas only",
    )
    parser.add_argument(
        "--subset",
        action="store_true",
        help="run each fault on the feature areas it concerns rather than the whole suite",
    )
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds allowed per suite run (default 900)"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "reports", help="directory for the JSON result"
    )
    parser.add_argument("--json", type=Path, help="write the JSON result to this file instead")
    parser.add_argument(
        "--logs", type=Path, help="keep the proxy and pytest logs in this directory"
    )
    parser.add_argument(
        "--ensure-stack",
        action="store_true",
        help="run scripts/local-stack.sh up first, and again if the stack goes away mid-run",
    )
    parser.add_argument(
        "--require-all", action="store_true", help="exit 1 unless every fault is caught"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    args = parser.parse_args(argv)
    args.pytest_args = extra
    return args


def list_faults() -> str:
    lines = []
    for item in FAULTS:
        only = "" if len(item.apis) > 1 else f" [{item.apis[0]} only]"
        lines.append(
            f"{item.name:<34} {item.side:<8} -m {item.areas!r:<36} {item.description}{only}"
        )
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print(list_faults())
        return 0
    default_url, api = effective_defaults(args.profile)
    upstream = (args.upstream or default_url).rstrip("/")
    faults = select_faults(args.faults, args.quick, api)
    subset = args.subset or args.quick
    stamp = time.strftime("%Y%m%dT%H%M%S")
    json_path = args.json or args.out / f"mutation-score--{stamp}.json"
    with tempfile.TemporaryDirectory(prefix="mutation-score-") as scratch:
        logs = args.logs or Path(scratch)
        logs.mkdir(parents=True, exist_ok=True)
        options = Options(
            upstream,
            args.profile,
            args.workers,
            args.timeout,
            args.pytest_args,
            logs,
            args.ensure_stack,
        )
        if args.ensure_stack:
            ensure_stack()
        print(
            f"mutation score: {len(faults)} faults against {upstream} (API {api}), "
            f"{'feature areas per fault' if subset else 'whole suite per fault'}",
            flush=True,
        )
        started = time.monotonic()
        baseline = measure(NONE, "", options)
        baseline.verdict = {"caught": "failed", "survived": "passed"}.get(
            baseline.verdict, baseline.verdict
        )
        print(
            f"baseline (no fault): {baseline.verdict}, {baseline.passed} passed, "
            f"{baseline.failed} failed, {baseline.seconds} s",
            flush=True,
        )
        document: dict[str, Any] = {
            "upstream": upstream,
            "profile": args.profile,
            "api": api,
            "suite": "feature areas" if subset else "whole suite",
            "pytest_args": args.pytest_args,
            "started": stamp,
            "baseline": asdict(baseline),
        }
        if baseline.verdict != "passed" or baseline.altered:
            for example in baseline.examples:
                print(f"  FAILED {example['test']}: {example['reason']}")
            if baseline.note:
                print(f"  {baseline.note}")
            if baseline.altered:
                print(f"  the transparent proxy altered {baseline.altered} exchanges")
            print("baseline must pass before faults mean anything: stopping", file=sys.stderr)
            write_json(json_path, document)
            return 2
        runs: list[Run] = []
        for index, item in enumerate(faults, 1):
            run = measure(item, item.areas if subset else "", options)
            runs.append(run)
            print(progress_line(index, len(faults), run), flush=True)
    total_seconds = round(time.monotonic() - started, 1)
    print()
    print(render_table(runs))
    print()
    print(f"baseline: {baseline.verdict} ({baseline.passed} passed), total {total_seconds} s")
    print(score_line(runs))
    caught = sum(r.verdict == "caught" for r in runs)
    document.update(
        {
            "seconds": total_seconds,
            "faults": [asdict(r) for r in runs],
            "score": {"caught": caught, "total": len(runs)},
            "survived": [r.fault for r in runs if r.verdict == "survived"],
            "errors": [r.fault for r in runs if r.verdict == "error"],
        }
    )
    write_json(json_path, document)
    print(f"results (JSON): {json_path}")
    if any(r.verdict == "error" for r in runs):
        return 3
    if args.require_all and caught < len(runs):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
