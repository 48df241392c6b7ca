"""What both entry points do around their measurements: shared options, set-up, errors, output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from bench.common import OPERATIONS, BenchmarkError
from bench.options import checking_profile
from bench.results import DEFAULT_OUT_DIR, output_paths, read_json, run_stamp, write_json
from bench.runner import Bench
from compliance.profiles import ALL_DTYPES


def add_common_arguments(
    parser: Any,
    *,
    proxy_urls: Mapping[str, str],
    s3_source: str,
    bucket: str,
    api: str,
) -> None:
    """The options both entry points share, with the entry point's configuration as defaults."""
    shown = ", ".join(f"{k}={v}" for k, v in proxy_urls.items())
    parser.add_argument(
        "--proxy",
        action="append",
        default=None,
        metavar="NAME=URL",
        help=f"an active storage server to time; repeatable; replaces PROXY_URLS ({shown})",
    )
    parser.add_argument(
        "--s3-source", default=s3_source, metavar="URL", help="S3 endpoint (default %(default)s)"
    )
    parser.add_argument(
        "--bucket", default=bucket, help="S3 bucket for the benchmark data (default %(default)s)"
    )
    parser.add_argument(
        "--dtype", default="int64", choices=ALL_DTYPES, help="element type (default %(default)s)"
    )
    parser.add_argument(
        "--operation",
        default="sum",
        choices=OPERATIONS,
        help="operation to time (default %(default)s)",
    )
    parser.add_argument(
        "--api", default=api, choices=("v1", "v2"), help="server API (default %(default)s)"
    )
    parser.add_argument(
        "--profile",
        default=None,
        help="compliance profile used to check answers "
        "(default reductionist-0.13 for v2, reductionist-0.11 for v1)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help="where the PNG and JSON go (default: the current directory)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds allowed per HTTP call; a server's first request can take ~10 s "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--plot-only",
        type=Path,
        default=None,
        metavar="JSON",
        help="redraw the PNG from an earlier run's JSON and exit (no network)",
    )


def run_script(
    prog: str,
    args: Any,
    *,
    auth: tuple[str, str],
    stem: str,
    run: Callable[[Any, Bench], dict[str, Any]],
    plot: Callable[[dict[str, Any], Path], None],
    print_summary: Callable[[dict[str, Any]], None],
) -> int:
    """Set-up, errors, cleanup and output of one run, written as ``--out/{stem}--{stamp}.*``.

    ``--plot-only`` redraws a PNG from a saved JSON. Otherwise: one-line errors (exit 1),
    Ctrl-C / SIGTERM (exit 130) and normal ends all remove the run's data from S3 first.
    """
    if args.plot_only is not None:
        try:
            report = read_json(args.plot_only)
        except BenchmarkError as error:
            print(f"{prog}: error: {error}", file=sys.stderr)
            return 1
        png = args.plot_only.with_suffix(".png")
        plot(report, png)
        print(f"plot: {png}")
        return 0
    png, json_path = output_paths(args.out, stem, run_stamp())
    try:
        bench = Bench(
            proxies=args.proxies,
            s3_source=args.s3_source,
            auth=auth,
            bucket=args.bucket,
            api=args.api,
            profile=checking_profile(args.api, args.profile),
            operation=args.operation,
            dtype=args.dtype,
            timeout=args.timeout,
        )
        with bench:
            report = run(args, bench)
        print(f"removed {bench.removed} benchmark object(s) from S3 bucket {args.bucket}")
    except BenchmarkError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; benchmark data removed from S3", file=sys.stderr)
        return 130
    write_json(json_path, report)
    plot(report, png)
    print_summary(report)
    print(f"\nplot: {png}\nraw timings and summary: {json_path}")
    return 0
