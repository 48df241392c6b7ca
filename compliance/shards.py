"""Run the suite as N plain pytest processes at once and merge their verdicts.

    python -m compliance.shards N|auto [PYTEST ARGS...]

Each process runs its share of the tests (``--shard K/N``, compliance/sharding.py); all share
one run id (ACTIVESTORAGE_RUN_ID if set, else a new one), so an object is uploaded once, and the
last to finish removes the run's objects. Their
output is printed one after another, then the merged verdict; ``--compliance-report`` and
``--compliance-report-json`` get the merged reports. Why not pytest-xdist: its messaging
(six messages a test through its controller) cost a third of a grid run on two cores
(README.md#suite-speed). Exit status: pytest's, the worst of the shards'.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Sequence

#: Options the runner sets for each shard itself, or that cannot be split between shards.
REFUSED = ("-n", "--numprocesses", "--dist", "--shard", "--junitxml", "--junit-xml")
REPORT_OPTIONS = ("--compliance-report", "--compliance-report-json")
#: Seconds a shard gets to stop by itself after Ctrl-C, then after a SIGINT of the runner's own,
#: before it is killed (a second SIGINT during pytest's cleanup would cut the cleanup short).
OWN_STOP_SECONDS = 2.0
STOP_SECONDS = 30.0


class UsageError(ValueError):
    """A command line this runner cannot run; the message names what is wrong."""


def shard_count(text: str) -> int:
    """N from the command line: a positive integer, or ``auto`` for one per CPU."""
    if text == "auto":
        return max(1, os.cpu_count() or 1)
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"the number of shards must be a positive integer or auto, not {text!r}")
    return int(text)


def split_reports(args: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """The pytest arguments without the report options, and those options' values."""
    kept: list[str] = []
    reports: dict[str, str] = {}
    items = iter(args)
    for arg in items:
        name, equals, value = arg.partition("=")
        if name in REFUSED or (arg.startswith("-n") and not arg.startswith("--")):
            raise UsageError(f"{name} is set by the runner for each shard or cannot be split")
        if name in REPORT_OPTIONS:
            reports[name] = value if equals else next(items, "")
            if not reports[name]:
                raise UsageError(f"{name} needs a file name")
            continue
        kept.append(arg)
    return kept, reports


def shard_command(args: Sequence[str], k: int, n: int, json_path: Path) -> list[str]:
    """One shard: plain pytest (no xdist), its share of the tests, its own JSON verdict."""
    return [
        sys.executable,
        "-m",
        "pytest",
        *args,
        "-p",
        "no:xdist",
        "--shard",
        f"{k}/{n}",
        "--compliance-report-json",
        str(json_path),
    ]


def worst(codes: Sequence[int]) -> int:
    """pytest's exit status for the whole run: an error (2 and up) first, then a failure."""
    errors = [code for code in codes if code not in (0, 1, 5)]
    if errors:
        return errors[0]
    if 1 in codes:
        return 1
    return 5 if all(code == 5 for code in codes) else 0


def run(n: int, args: Sequence[str], reports: dict[str, str]) -> int:
    """Start the shards, wait for them (stopping them all on Ctrl-C), print and merge."""
    run_id = os.environ.get("ACTIVESTORAGE_RUN_ID") or uuid.uuid4().hex  # a caller's own, or new
    env = {**os.environ, "ACTIVESTORAGE_RUN_ID": run_id}
    with tempfile.TemporaryDirectory(prefix="activestorage-shards-") as folder:
        work = Path(folder)
        logs = [(work / f"{k}.log").open("w+") for k in range(1, n + 1)]
        shards = [
            subprocess.Popen(
                shard_command(args, k, n, work / f"{k}.json"),
                stdout=logs[k - 1],
                stderr=subprocess.STDOUT,
                env=env,
            )
            for k in range(1, n + 1)
        ]
        try:
            codes = [shard.wait() for shard in shards]
        except KeyboardInterrupt:
            _stop(shards)
            raise
        for k, log in enumerate(logs, start=1):
            log.seek(0)
            print(f"==================== shard {k}/{n} ====================")
            print(log.read(), end="")
            log.close()
        return _merged(work, n, codes, reports)


def _stop(shards: Sequence[subprocess.Popen[bytes]]) -> None:
    """Let the shards stop and clean up: Ctrl-C at a terminal reached them too, so they get a
    moment first; a shard still running then gets SIGINT, and is killed after STOP_SECONDS."""
    for shard in shards:
        try:
            shard.wait(timeout=OWN_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            shard.send_signal(signal.SIGINT)
    for shard in shards:
        try:
            shard.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            shard.kill()
            shard.wait()


def _merged(work: Path, n: int, codes: list[int], reports: dict[str, str]) -> int:
    """Print the merged verdict and write the reports; the run's exit status."""
    # imported here, once the shards run: pytest and the suite take a third of a second
    from .report import from_json, merge, render_text, write_reports

    paths = [work / f"{k}.json" for k in range(1, n + 1)]
    missing = [str(k) for k, path in enumerate(paths, start=1) if not path.exists()]
    if missing:
        print(
            f"shards {', '.join(missing)} of {n} wrote no verdict (exit {codes}): no merged verdict"
        )
        return worst(codes) if worst(codes) > 1 else 3
    verdict = merge([from_json(json.loads(path.read_text())) for path in paths])
    print(f"==================== active storage compliance ({n} shards) ====================")
    print(render_text(verdict))
    for line in write_reports(
        verdict, reports.get("--compliance-report"), reports.get("--compliance-report-json")
    ):
        print(line)
    return worst(codes)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    try:
        n = shard_count(args[0])
        pytest_args, reports = split_reports(args[1:])
    except UsageError as error:
        print(f"compliance.shards: {error}", file=sys.stderr)
        return 2
    try:
        return run(n, pytest_args, reports)
    except KeyboardInterrupt:
        print("compliance.shards: interrupted (the shards stopped and removed their objects)")
        return 130


if __name__ == "__main__":
    sys.exit(main())
