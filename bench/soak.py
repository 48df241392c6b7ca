"""Soak: K clients send the checked request mix for a bounded time; every answer is judged.

    activestorage-soak --server http://127.0.0.1:8080 --service reductionist --clients 8 \\
        --duration 60 --out soak-results

Objects are uploaded before the timed phase and removed at the end (also on Ctrl-C or
SIGTERM). The run stops by itself at ``--duration`` seconds or ``--max-requests`` requests,
whichever comes first. It reports requests, wrong answers, errors by status, latency
percentiles, throughput, and the resident memory of the watched server processes (``--service``
from the stack's PID files, or ``--pid``) with its growth per thousand requests. Exit status: 0
when every answer was right, 1 on any wrong answer or error, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from bench.common import MAX_WORKERS, BenchmarkError
from bench.environment import environment
from bench.loadmix import (
    DEFAULT_PER_AREA,
    DEFAULT_SEED,
    MixRequest,
    MixSetup,
    Outcome,
    draw_cases,
    case_space,
    ensure_stores,
    judge,
    mix_setup,
    picks,
    prepare_mix,
    send,
)
from bench.loadstats import (
    KEPT_EXAMPLES,
    format_summary,
    latency_ms,
    memory_summary,
    tally,
    throughput,
)
from bench.procmem import MemorySampler, default_stack_dir, stack_pid
from bench.results import new_report, now_iso, output_paths, run_stamp, write_json
from bench.runner import _raise_keyboard_interrupt, _signals_ignored
from compliance.storage import StoreUnavailable

MAX_DURATION_S = 3600.0
MAX_REQUESTS = 1_000_000
#: The CI smoke: seconds, not minutes.
SMOKE = {"clients": 4, "duration": 5.0, "per_area": 4}


@dataclass
class SoakResult:
    """Every judged request of a timed phase, in the order they finished."""

    latencies_s: list[float] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        figures = tally(self.outcomes)
        figures["seconds"] = self.seconds
        figures["requests_per_s"] = throughput(figures["requests"], self.seconds)
        figures["latency_ms"] = latency_ms(self.latencies_s)
        figures["examples"] = self.examples
        return figures


class Soak:
    """K client threads, one shared bound on time and on requests, each answer judged."""

    def __init__(
        self,
        setup: MixSetup,
        mix: Sequence[MixRequest],
        clients: int,
        duration_s: float,
        max_requests: int,
        seed: int,
    ) -> None:
        self.setup = setup
        self.mix = list(mix)
        self.clients = clients
        self.duration_s = duration_s
        self.max_requests = max_requests
        self.seed = seed
        self.result = SoakResult()
        self._lock = threading.Lock()
        self._sent = 0
        self._stop = threading.Event()
        self._deadline = 0.0

    def done(self) -> int:
        """Requests answered (and judged) so far: the memory samples' x axis."""
        with self._lock:
            return len(self.result.outcomes)

    def _claim(self) -> bool:
        """One more request may go: within the count, the time, and not stopped."""
        with self._lock:
            if self._stop.is_set() or self._sent >= self.max_requests:
                return False
            if time.monotonic() >= self._deadline:
                return False
            self._sent += 1
            return True

    def _client(self, number: int) -> None:
        order = picks(self.seed, f"client-{number}", len(self.mix))
        while self._claim():
            request = self.mix[next(order)]
            result, seconds = send(self.setup.client, request)
            outcome = judge(request, result, self.setup.profile)
            with self._lock:
                self.result.latencies_s.append(seconds)
                self.result.outcomes.append(outcome)
                if outcome.kind != "ok" and len(self.result.examples) < KEPT_EXAMPLES:
                    self.result.examples.append(_example(request, outcome, result.exchange.curl()))

    def run(self) -> SoakResult:
        """The timed phase; Ctrl-C stops the clients after their current request."""
        threads = [
            threading.Thread(target=self._client, args=(n,), name=f"soak-client-{n}", daemon=True)
            for n in range(self.clients)
        ]
        started = time.monotonic()
        self._deadline = started + self.duration_s
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)
        except KeyboardInterrupt:
            self._stop.set()
            for thread in threads:
                thread.join()
            raise
        finally:
            self.result.seconds = time.monotonic() - started
        return self.result


def _example(request: MixRequest, outcome: Outcome, curl: str) -> dict[str, Any]:
    return {
        "test": request.source.test_id,
        "kind": outcome.kind,
        "status": outcome.status,
        "differences": list(outcome.differences[:3]),
        "reproduce": curl,
    }


# --- command line -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activestorage-soak", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--server", default=None, help="server URL (default: the suite's)")
    parser.add_argument("--profile", default=None, help="checking profile (default: the suite's)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument(
        "--max-requests", type=int, default=100_000, help="stop after N requests (default 100000)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="mix seed (default 13)")
    parser.add_argument(
        "--per-area", type=int, default=DEFAULT_PER_AREA, help="cases drawn per area (default 12)"
    )
    parser.add_argument(
        "--service",
        action="append",
        default=[],
        help="watch the memory of this stack service (its PID file); repeatable",
    )
    parser.add_argument(
        "--pid", action="append", type=int, default=[], help="watch this PID's memory; repeatable"
    )
    parser.add_argument("--stack-dir", type=Path, default=None, help="the stack's state folder")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the JSON report")
    parser.add_argument(
        "--smoke", action="store_true", help="CI size: 4 clients, 5 s, 4 cases per area"
    )
    return parser


def _check_bounds(args: argparse.Namespace) -> None:
    if not 1 <= args.clients <= MAX_WORKERS:
        raise BenchmarkError(f"--clients must be 1..{MAX_WORKERS}, got {args.clients}")
    if not 0 < args.duration <= MAX_DURATION_S:
        raise BenchmarkError(f"--duration must be in (0, {MAX_DURATION_S:.0f}] s")
    if not 1 <= args.max_requests <= MAX_REQUESTS:
        raise BenchmarkError(f"--max-requests must be 1..{MAX_REQUESTS}")


def watched_pids(args: argparse.Namespace) -> dict[str, int]:
    """Name -> PID of every process whose memory the run samples."""
    stack_dir = args.stack_dir or default_stack_dir()
    pids = {service: stack_pid(service, stack_dir) for service in args.service}
    pids.update({f"pid-{pid}": pid for pid in args.pid})
    return pids


def run(args: argparse.Namespace, setup: MixSetup) -> dict[str, Any]:
    """Draw and upload the mix, run the timed phase with memory sampling, build the report."""
    pids = watched_pids(args)
    ensure_stores(setup)
    cases = draw_cases(case_space(setup.profile), args.per_area, args.seed)
    mix = prepare_mix(setup.runner, cases)
    config = {
        "server": setup.settings.proxy_url,
        "profile": setup.profile.name,
        "clients": args.clients,
        "duration_s": args.duration,
        "max_requests": args.max_requests,
        "seed": args.seed,
        "per_area": args.per_area,
        "mix": sorted(case.test_id for case in cases),
        "watched": pids,
    }
    report = new_report("soak", config, environment({"server": config["server"]}, ""))
    soak = Soak(setup, mix, args.clients, args.duration, args.max_requests, args.seed)
    with MemorySampler(pids, soak.done) as sampler:
        result = soak.run()
    report.update(
        result=result.figures(),
        memory=memory_summary(sampler.samples),
        memory_samples=[vars(s) for s in sampler.samples],
        finished=now_iso(),
        complete=True,
    )
    return report


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.clients, args.duration, args.per_area = (
            SMOKE["clients"],
            SMOKE["duration"],
            SMOKE["per_area"],
        )
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    setup = None
    try:
        _check_bounds(args)
        setup = mix_setup(args.server, args.profile, None, args.timeout)
        report = run(args, setup)
    except (BenchmarkError, StoreUnavailable, ValueError) as error:
        print(f"activestorage-soak: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("activestorage-soak: interrupted; soak objects removed", file=sys.stderr)
        return 130
    finally:
        if setup is not None:
            with _signals_ignored():
                setup.store.cleanup()
        signal.signal(signal.SIGTERM, previous)
    _, path = output_paths(args.out, "soak", run_stamp())
    write_json(path, report)
    print("\n".join(format_summary(report)))
    print(f"report: {path}")
    result = report["result"]
    return 0 if result["wrong_answers"] == 0 and result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
