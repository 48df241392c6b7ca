"""Locust in its own distributed mode on loopback: one master, N workers, the checked mix.

    activestorage-locust --host http://127.0.0.1:8080 --workers 2 --users 8 --run-time 30 \\
        --out locust-results

Starts ``locust --master`` and N ``locust --worker`` processes (bench/locustfile.py), headless
and bounded by ``--run-time``; writes Locust's CSV (``locust_stats.csv``, ``_failures.csv``,
``_stats_history.csv``) and HTML report and each process's log into ``--out``, prints the
figures, and exits with the master's status (0: every answer right; 1: a failure; 3: a wrong
answer). Every process it started is stopped by its PID, also on Ctrl-C or when a bound passes.
"""

from __future__ import annotations

import argparse
import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, Sequence

from bench.common import MAX_WORKERS
from bench.loadmix import DEFAULT_PER_AREA, DEFAULT_SEED
from bench.runner import _raise_keyboard_interrupt

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
#: Seconds the master may take beyond --run-time: the upload of the mix, stopping, reports.
GRACE_S = 90.0
SMOKE = {"workers": 2, "users": 4, "run_time": 5, "per_area": 4}


def locust_commands(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The master's command line and a worker's (both bound to 127.0.0.1)."""
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    mix = ["--mix-seed", str(args.seed), "--mix-per-area", str(args.per_area)]
    mix += ["--mix-timeout", str(args.timeout)]
    if args.profile:
        mix += ["--mix-profile", args.profile]
    prefix = str(args.out / "locust")
    master = locust + [
        "--headless",
        "--master",
        "--master-bind-host=127.0.0.1",
        f"--master-bind-port={args.master_port}",
        f"--expect-workers={args.workers}",
        "--expect-workers-max-wait=60",
        f"--users={args.users}",
        f"--spawn-rate={args.users}",
        f"--run-time={args.run_time}s",
        "--stop-timeout=10",
        f"--host={args.host}",
        f"--csv={prefix}",
        f"--html={prefix}.html",
        "--exit-code-on-error=1",
        *mix,
    ]
    worker = locust + [
        "--worker",
        "--master-host=127.0.0.1",
        f"--master-port={args.master_port}",
    ]
    return master, worker


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def csv_figures(stats_csv: Path, failures_csv: Path) -> dict[str, Any]:
    """The aggregated row of Locust's stats CSV, and its failures split into wrong and other."""
    with stats_csv.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    if not rows:
        raise ValueError(f"{stats_csv} has no Aggregated row")
    row = rows[0]
    wrong = errors = 0
    with failures_csv.open(newline="") as handle:
        for failure in csv.DictReader(handle):
            occurrences = int(failure["Occurrences"])
            if "WrongAnswer" in failure["Error"]:
                wrong += occurrences
            else:
                errors += occurrences
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "wrong_answers": wrong,
        "other_failures": errors,
        "requests_per_s": _number(row["Requests/s"]),
        "latency_ms": {q: _number(row[f"{q}%"]) for q in ("50", "95", "99")},
        "max_ms": _number(row["Max Response Time"]),
    }


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process we started that still runs, then SIGKILL any left after 10 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_cluster(args: argparse.Namespace) -> int:
    """Master and workers, bounded; the master's exit status (124 if a bound passed)."""
    args.out.mkdir(parents=True, exist_ok=True)
    master_cmd, worker_cmd = locust_commands(args)
    logs: list[IO[bytes]] = []
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = (args.out / f"{name}.log").open("wb")
        logs.append(log)
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    try:
        master = start(master_cmd, "master")
        for number in range(args.workers):
            start(worker_cmd, f"worker-{number + 1}")
        try:
            return master.wait(timeout=args.run_time + GRACE_S)
        except subprocess.TimeoutExpired:
            print(
                "activestorage-locust: the master did not finish in time; stopped", file=sys.stderr
            )
            return 124
    finally:
        _stop(processes)
        for log in logs:
            log.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activestorage-locust", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--host", default="http://127.0.0.1:8080", help="server under load")
    parser.add_argument("--workers", type=int, default=2, help="Locust workers (default 2)")
    parser.add_argument("--users", type=int, default=8, help="users in all (default 8)")
    parser.add_argument("--run-time", type=int, default=30, help="seconds of load (default 30)")
    parser.add_argument("--master-port", type=int, default=8660, help="master port (default 8660)")
    parser.add_argument("--profile", default=None, help="checking profile (default: the suite's)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="mix seed (default 13)")
    parser.add_argument("--per-area", type=int, default=DEFAULT_PER_AREA, help="cases per area")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--out", type=Path, default=Path("locust-results"), help="output folder")
    parser.add_argument("--smoke", action="store_true", help="CI size: 2 workers, 4 users, 5 s")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.workers, args.users = SMOKE["workers"], SMOKE["users"]
        args.run_time, args.per_area = SMOKE["run_time"], SMOKE["per_area"]
    if not 1 <= args.workers <= MAX_WORKERS or args.users < args.workers or args.run_time < 1:
        print("activestorage-locust: error: need 1..64 workers, users >= workers, run time >= 1")
        return 2
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        code = run_cluster(args)
    except KeyboardInterrupt:
        print("activestorage-locust: interrupted; master and workers stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    prefix = args.out / "locust"
    try:
        figures = csv_figures(Path(f"{prefix}_stats.csv"), Path(f"{prefix}_failures.csv"))
    except (OSError, ValueError, KeyError) as error:
        print(f"activestorage-locust: no stats ({error}); see {args.out}/master.log")
        return code or 1
    figures.update(exit_code=code, workers=args.workers, users=args.users, host=args.host)
    (args.out / "summary.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures))
    print(f"stats: {prefix}_stats.csv, {prefix}.html; logs: {args.out}/*.log")
    return code


if __name__ == "__main__":
    sys.exit(main())
