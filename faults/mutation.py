"""Mutation score of the compliance suite: how many realistic server bugs does it catch?

For each fault of the catalogue (``faults.catalog``) the runner starts the fault proxy
(``faults.proxy``, a subprocess of its own) in front of the real server, runs the
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
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

from .catalog import CATALOG, FAULTS, NONE, Fault
from .mutation_runs import REPO, Options, Run, measure, progress_line, render_table, score_line
from .mutation_runs import ensure_stack

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
