"""Helpers shared by run-benchmarks.py and run-parallel-benchmarks.py: one way to do each thing.

Both scripts time the same two ways of getting a reduction of an array stored in S3:

* through an active storage server (a *proxy*): build the JSON request, POST it, parse the answer;
* *bypass*: GET the whole object from S3 and reduce it locally with numpy.

Data, uploads, requests, parsing, expected results and comparisons are the compliance suite's own
(``compliance.data``, ``storage``, ``client``, ``oracle``, ``checks``), so a benchmark checks every
answer as strictly as the suite does. This module adds the timing, the statistics, the command
line, the JSON layout and the cleanup. The pure helpers are unit-tested offline in
``tests/test_benchmark_common.py``.

Client overhead: each proxy request is split into *build* (body + JSON encoding), *round trip*
(the HTTP exchange as ``requests`` sees it) and *parse* (decoding the answer, timed by parsing the
same answer again on its own). Build + parse is the client's own work; a GET of the server's
trivial well-known endpoint gives the floor of one HTTP round trip through ``requests``. Both are
reported, so a reader can tell how much of a latency is the server's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # the scripts run from anywhere; the suite lives at the root
    sys.path.insert(0, str(REPO_ROOT))

from compliance import data  # noqa: E402
from compliance.checks import result_differences  # noqa: E402
from compliance.client import (  # noqa: E402
    Api,
    ObjectRef,
    Result,
    ServerClient,
    build_body,
    parse_response,
)
from compliance.oracle import Expected, expected_result  # noqa: E402
from compliance.profiles import ALL_DTYPES, Profile, ProfileError, resolve_profile  # noqa: E402
from compliance.storage import ObjectStore, StoreUnavailable  # noqa: E402

#: The name of the baseline in timings, summaries and plots.
BYPASS = "bypass"
#: Operations the benchmarks can time (``select`` returns the whole array: a transfer test).
OPERATIONS = ("sum", "min", "max", "count", "select")
#: Reductionist's liveness path; any HTTP answer there means a server is listening.
WELL_KNOWN_PATH = "/.well-known/reductionist-schema"
#: The checking profile used for each API generation unless ``--profile`` says otherwise.
DEFAULT_PROFILES: dict[str, str] = {"v2": "reductionist-0.13", "v1": "reductionist-0.11"}
#: Bounds that keep a run finite: array size, repetitions, concurrency.
MAX_ARRAY_BYTES = 1 << 30
MAX_REPEATS = 1000
MAX_WORKERS = 64
#: Environment variables (the suite's names) that override the scripts' AUTH, so a secret need
#: not be edited into a file or typed on a command line.
AUTH_ENV = ("ACTIVESTORAGE_AWS_ID", "ACTIVESTORAGE_AWS_PASSWORD")
JSON_FORMAT_VERSION = 1


class BenchmarkError(RuntimeError):
    """Stops a run; the message is one line that says what and where (a URL, a size)."""


# --- parsing the command line ------------------------------------------------------------------

_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
}
_SIZE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_size(text: str) -> int:
    """Bytes from ``40KB``, ``4MB``, ``4MiB``, ``1.5MB`` or ``4096`` (KB/MB/GB are decimal)."""
    match = _SIZE_PATTERN.match(text)
    unit = match.group(2).upper() if match else ""
    if match is None or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (examples: 40KB, 4MB, 4MiB, 4096)")
    nbytes = int(float(match.group(1)) * _SIZE_UNITS[unit])
    if not 1 <= nbytes <= MAX_ARRAY_BYTES:
        raise ValueError(f"size {text!r} is outside 1 B .. {MAX_ARRAY_BYTES // 2**20} MiB")
    return nbytes


def parse_sizes(text: str) -> list[int]:
    """A comma-separated list of sizes, in the order given, duplicates dropped."""
    sizes = [parse_size(part) for part in text.split(",") if part.strip()]
    if not sizes:
        raise ValueError("no sizes given")
    return list(dict.fromkeys(sizes))


def parse_workers(text: str) -> list[int]:
    """A comma-separated list of worker counts, each 1..MAX_WORKERS, sorted, duplicates dropped."""
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(f"not a list of integers: {text!r}") from None
    if not counts or counts[0] < 1 or counts[-1] > MAX_WORKERS:
        raise ValueError(f"worker counts must be 1..{MAX_WORKERS}, got {text!r}")
    return counts


def parse_proxy(text: str) -> tuple[str, str]:
    """``NAME=URL`` -> (name, url without a trailing slash)."""
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip().rstrip("/")
    if not sep or not name or not url.startswith(("http://", "https://")):
        raise ValueError(f"expected NAME=http(s)://HOST:PORT, got {text!r}")
    if name == BYPASS:
        raise ValueError(f"{BYPASS!r} names the baseline; choose another proxy name")
    return name, url


def format_mb(nbytes: int) -> str:
    """Sizes as titles show them: decimal megabytes, three significant digits."""
    return f"{nbytes / 1e6:.3g} MB"


def redact_url(url: str) -> str:
    """The URL without user:password@ and without a query string, for reports."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def auth_from_env(default: tuple[str, str], environ: Mapping[str, str]) -> tuple[str, str]:
    """S3 credentials: the suite's environment variables win over the script's AUTH."""
    return environ.get(AUTH_ENV[0], default[0]), environ.get(AUTH_ENV[1], default[1])


def add_common_arguments(
    parser: Any,
    *,
    proxy_urls: Mapping[str, str],
    s3_source: str,
    bucket: str,
    api: str,
) -> None:
    """The options both scripts share, with the script's configuration block as defaults."""
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
        default=REPO_ROOT / "benchmark-results",
        metavar="DIR",
        help="where the PNG and JSON go (default: benchmark-results/ in the repository)",
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


def resolve_proxies(given: Sequence[str] | None, defaults: Mapping[str, str]) -> dict[str, str]:
    """``--proxy`` values (if any) replace the configured PROXY_URLS."""
    if not given:
        return {name: url.rstrip("/") for name, url in defaults.items()}
    proxies: dict[str, str] = {}
    for text in given:
        name, url = parse_proxy(text)
        if name in proxies:
            raise ValueError(f"proxy name {name!r} given twice")
        proxies[name] = url
    return proxies


def checking_profile(api: Api, name: str | None) -> Profile:
    """The compliance profile whose rules judge each answer; it must speak ``api``."""
    try:
        profile = resolve_profile(name or DEFAULT_PROFILES[api])
    except ProfileError as error:
        raise BenchmarkError(str(error)) from None
    if profile.api != api:
        raise BenchmarkError(f"profile {profile.name} speaks the {profile.api} API, not {api}")
    return profile


# --- statistics (pure) ---------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between order statistics."""
    if not samples:
        raise ValueError("no samples")
    return float(np.percentile(np.asarray(samples, dtype=float), q))


def summarize(samples: Sequence[float]) -> dict[str, float | int]:
    """Median, mean, spread and tail percentiles of timings in seconds."""
    values = np.asarray(samples, dtype=float)
    if values.size == 0:
        raise ValueError("no samples")
    return {
        "n": int(values.size),
        "median_s": float(np.median(values)),
        "mean_s": float(values.mean()),
        "stdev_s": float(values.std(ddof=1)) if values.size > 1 else 0.0,
        "min_s": float(values.min()),
        "p95_s": percentile(samples, 95),
        "p99_s": percentile(samples, 99),
        "max_s": float(values.max()),
    }


def speedup(baseline_s: float, seconds: float) -> float | None:
    """How many times faster than the baseline (> 1: faster); None when undefined."""
    if seconds <= 0 or baseline_s <= 0 or not math.isfinite(baseline_s / seconds):
        return None
    return baseline_s / seconds


def gb_per_s(nbytes: int, seconds: float) -> float | None:
    """Effective throughput in decimal GB of array data per second; None when undefined."""
    if seconds <= 0:
        return None
    return nbytes / seconds / 1e9


def summarize_targets(
    timings: Mapping[str, Sequence[float]], array_nbytes: int
) -> dict[str, dict[str, Any]]:
    """Per target: the timing summary, effective GB/s at the median, speedup vs bypass."""
    summary: dict[str, dict[str, Any]] = {}
    base = timings.get(BYPASS)
    base_median = float(np.median(base)) if base else None
    for name, samples in timings.items():
        entry: dict[str, Any] = dict(summarize(samples))
        entry["gb_per_s"] = gb_per_s(array_nbytes, entry["median_s"])
        entry["speedup_vs_bypass"] = (
            speedup(base_median, entry["median_s"]) if base_median is not None else None
        )
        summary[name] = entry
    return summary


def phase_medians(phases: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """The median of each phase's timings (seconds), phases with no samples left out."""
    return {name: float(np.median(values)) for name, values in phases.items() if len(values)}


def client_overhead_summary(
    phases: Mapping[str, Sequence[float]],
    totals: Sequence[float],
    http_floor: Sequence[float],
) -> dict[str, Any]:
    """The client's own work per request, and its share of the median request latency.

    ``phases`` holds per-request ``build``, ``parse`` and ``check`` times; ``client`` is build +
    parse, the part of the measured latency that is spent in this process rather than waiting.
    ``check`` (comparison with the oracle) lies outside the measured latency.
    """
    build = np.asarray(phases.get("build", []), dtype=float)
    parse = np.asarray(phases.get("parse", []), dtype=float)
    client = build + parse if build.size == parse.size else np.asarray([], dtype=float)
    medians = phase_medians({**phases, "client": client.tolist()})
    median_total = float(np.median(totals)) if len(totals) else None
    share = medians["client"] / median_total if "client" in medians and median_total else None
    return {
        "median_s": medians,
        "client_share_of_median_latency": share,
        "http_floor_median_s": float(np.median(http_floor)) if len(http_floor) else None,
        "median_latency_s": median_total,
    }


# --- JSON layout (pure) --------------------------------------------------------------------------


def size_entry(
    size_bytes: int,
    elements: int,
    dtype: str,
    timings: Mapping[str, Sequence[float]],
    phases: Mapping[str, Mapping[str, Sequence[float]]],
    cold_start_s: Mapping[str, float],
) -> dict[str, Any]:
    """One array size in run-benchmarks.py's JSON: raw timings, phases and the summary."""
    array_nbytes = elements * np.dtype(dtype).itemsize
    return {
        "size_bytes": size_bytes,
        "array_bytes": array_nbytes,
        "elements": elements,
        "dtype": dtype,
        "timings_s": {name: list(map(float, values)) for name, values in timings.items()},
        "phases_s": {
            name: {phase: list(map(float, v)) for phase, v in by_phase.items()}
            for name, by_phase in phases.items()
        },
        "first_request_s": dict(cold_start_s),
        "summary": summarize_targets(timings, array_nbytes),
    }


def concurrency_entry(
    workers: int, wall_s: float, latencies: Sequence[float], array_nbytes: int, cpu_s: float
) -> dict[str, Any]:
    """One concurrency level of one target in run-parallel-benchmarks.py's JSON."""
    n = len(latencies)
    return {
        "workers": workers,
        "requests": n,
        "wall_s": wall_s,
        "requests_per_s": n / wall_s if wall_s > 0 else None,
        "gb_per_s": gb_per_s(n * array_nbytes, wall_s),
        "latency_s": summarize(latencies),
        "latencies_s": list(map(float, latencies)),
        "client_cpu_s": cpu_s,
        "client_cpu_utilisation": cpu_s / wall_s if wall_s > 0 else None,
    }


def add_throughput_ratios(levels: Mapping[str, list[dict[str, Any]]]) -> None:
    """Give every level ``throughput_vs_bypass``: its requests/s over bypass's at that level."""
    base = {e["workers"]: e["requests_per_s"] for e in levels.get(BYPASS, [])}
    for entries in levels.values():
        for entry in entries:
            reference, rate = base.get(entry["workers"]), entry["requests_per_s"]
            entry["throughput_vs_bypass"] = rate / reference if rate and reference else None


def new_report(kind: str, config: Mapping[str, Any], environment: Mapping[str, Any]) -> dict:
    """The common head of both scripts' JSON files; results are filled in as the run goes."""
    return {
        "benchmark": kind,
        "format_version": JSON_FORMAT_VERSION,
        "started": now_iso(),
        "finished": None,
        "complete": False,
        "config": dict(config),
        "environment": dict(environment),
    }


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def run_stamp() -> str:
    """The ``{timestamp}`` in output names: local time to the second, sortable."""
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def output_paths(out_dir: Path, stem: str, stamp: str) -> tuple[Path, Path]:
    """``DIR/{stem}--{stamp}.png`` and the JSON beside it."""
    base = out_dir / f"{stem}--{stamp}"
    return base.with_suffix(".png"), base.with_suffix(".json")


def write_json(path: Path, report: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=False) + "\n")
    tmp.replace(path)


def read_json(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise BenchmarkError(f"cannot read {path}: {error}") from None
    if not isinstance(loaded, dict) or "benchmark" not in loaded:
        raise BenchmarkError(f"{path} is not a benchmark JSON file")
    return loaded


# --- environment -------------------------------------------------------------------------------


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _suite_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment(
    proxies: Mapping[str, str], s3_source: str, servers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Versions, CPUs and where things are; URLs carry no credentials."""
    try:
        usable_cpus: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable_cpus = None
    packages = ("numpy", "boto3", "botocore", "requests", "cbor2", "matplotlib", "tqdm")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus,
        "packages": {name: _version(name) for name in packages},
        "suite_commit": _suite_commit(),
        "proxies": {name: redact_url(url) for name, url in proxies.items()},
        "s3_source": redact_url(s3_source),
        "servers": dict(servers or {}),
    }


# --- the measurements ----------------------------------------------------------------------------


@dataclass
class Workload:
    """One stored array and everything needed to request and check its reduction."""

    size_bytes: int  # as asked for on the command line
    array: np.ndarray = field(repr=False)
    ref: ObjectRef
    expected: Expected = field(repr=False)

    @property
    def elements(self) -> int:
        return int(self.array.size)

    @property
    def array_nbytes(self) -> int:
        return int(self.array.nbytes)

    @property
    def label(self) -> str:
        return f"{format_mb(self.array_nbytes)} ({self.elements:,} {self.array.dtype.name})"


@dataclass
class Sample:
    """One timed request: the latency a user sees, and its phases (all in seconds)."""

    total: float
    phases: dict[str, float]


@dataclass
class Target:
    """A proxy under test, with its client (one HTTP session per thread)."""

    name: str
    url: str
    client: ServerClient


def local_reduce(operation: str, array: np.ndarray) -> np.ndarray:
    """The bypass user's reduction: plain numpy on the downloaded array."""
    if operation == "sum":
        return np.asarray(array.sum(dtype=array.dtype))
    if operation == "min":
        return np.asarray(array.min())
    if operation == "max":
        return np.asarray(array.max())
    if operation == "count":
        return np.asarray(array.size, dtype=np.int64)
    if operation == "select":
        return array
    raise ValueError(f"unknown operation {operation!r}")


def bypass_differences(expected: Expected, values: np.ndarray) -> list[str]:
    """How a locally reduced result departs from the oracle's (empty when equal)."""
    assert expected.values is not None
    want = np.asarray(expected.values)
    got = np.asarray(values).reshape(want.shape) if np.size(values) == want.size else values
    if got.shape != want.shape:
        return [f"shape {got.shape} != {want.shape}"]
    if not np.array_equal(got, want, equal_nan=want.dtype.kind == "f"):
        return [f"value {_preview(got)} != {_preview(want)}"]
    return []


def _preview(values: np.ndarray) -> str:
    flat = np.ravel(values)
    text = np.array2string(flat[:4], separator=", ")
    return text if flat.size <= 4 else f"{text[:-1]}, ... ({flat.size} values)]"


class Bench:
    """Stores, proxies and the timed request functions both scripts use.

    Use as a context manager: on the way out (normal end, error, Ctrl-C or SIGTERM) every
    object this run uploaded is deleted, and the bucket too if this run created it.
    """

    def __init__(
        self,
        *,
        proxies: Mapping[str, str],
        s3_source: str,
        auth: tuple[str, str],
        bucket: str,
        api: Api,
        profile: Profile,
        operation: str,
        dtype: str,
        timeout: float,
    ) -> None:
        self.api = api
        self.profile = profile
        self.operation = operation
        self.dtype = dtype
        self.auth = auth
        self.bucket = bucket
        self.timeout = timeout
        self.s3_source = s3_source.rstrip("/")
        run = uuid.uuid4().hex
        self.store = ObjectStore(  # keys: benchmark-<run>/<sha256>
            self.s3_source, auth[0], auth[1], "", ("", ""), timeout, run=run, key_prefix="benchmark"
        )
        self.targets = [
            Target(
                name, url, ServerClient(url, api, timeout, trailing_slash=profile.trailing_slash)
            )
            for name, url in proxies.items()
        ]
        self.created_bucket = False
        self.removed = 0  # objects deleted by cleanup()
        self.servers: dict[str, Any] = {}

    # --- set-up and tear-down ------------------------------------------------------------------

    def __enter__(self) -> "Bench":
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        return self

    def __exit__(self, *exc: object) -> None:
        with _signals_ignored():
            self.cleanup()

    def preflight(self) -> None:
        """Reach S3 and every proxy once; an unreachable one is a one-line error naming it."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.store.s3.head_bucket(Bucket=self.bucket)
        except ClientError as error:  # 404: absent, ours to create and remove; else see below
            code = str(error.response.get("Error", {}).get("Code", ""))
            self.created_bucket = code in ("404", "NoSuchBucket", "NotFound")
        except BotoCoreError as error:
            raise BenchmarkError(f"S3 store {self.s3_source} unreachable: {error}") from None
        try:
            self.store.ensure_bucket(self.bucket)
        except StoreUnavailable as error:
            self.created_bucket = False
            raise BenchmarkError(str(error)) from None
        for target in self.targets:
            self.servers[target.name] = self._probe(target)

    def _probe(self, target: Target) -> dict[str, Any]:
        import requests

        url = target.url + WELL_KNOWN_PATH
        try:
            response = target.client.session.get(url, timeout=min(self.timeout, 10.0))
        except requests.RequestException as error:
            reason = type(error).__name__
            raise BenchmarkError(f"proxy {target.name} at {target.url} unreachable ({reason})")
        return {"well_known_status": response.status_code, "server": response.headers.get("server")}

    def cleanup(self) -> int:
        """Delete this run's objects (and the bucket if this run made it); never raises."""
        try:
            self.removed = self.store.cleanup()
        except Exception as error:  # report, but a failed cleanup must not hide the result
            print(f"warning: could not remove benchmark data from {self.bucket}: {error}")
            return 0
        if self.created_bucket:
            try:
                self.store.s3.delete_bucket(Bucket=self.bucket)
            except Exception:
                pass  # another run's objects are in it: leave it
        return self.removed

    # --- data ----------------------------------------------------------------------------------

    def prepare(self, size_bytes: int) -> Workload:
        """Generate, upload (content-addressed) and compute the expected answer for one size."""
        from botocore.exceptions import BotoCoreError, ClientError

        itemsize = np.dtype(self.dtype).itemsize
        elements = size_bytes // itemsize
        if elements < 1:
            raise BenchmarkError(f"{size_bytes} B holds no {self.dtype} element")
        array = data.make_array(self.dtype, (elements,), data.seed_for("benchmark", elements))
        encoded = data.encode_object(array)
        try:
            ref = self.store.put_s3(self.bucket, encoded.data, encoded.digest)
        except (BotoCoreError, ClientError, StoreUnavailable) as error:
            raise BenchmarkError(f"S3 store {self.s3_source}: upload failed: {error}") from None
        expected = expected_result(self.operation, array, self.profile)
        return Workload(size_bytes, array, ref, expected)

    # --- timed requests --------------------------------------------------------------------------

    def time_proxy(self, target: Target, work: Workload) -> Sample:
        """One request through ``target``, timed in phases, its answer checked (untimed)."""
        fields = {"dtype": self.dtype, "shape": [work.elements]}
        t0 = time.perf_counter()
        raw = json.dumps(build_body(self.api, work.ref, fields)).encode()
        t1 = time.perf_counter()
        result = target.client.post(self.operation, raw, self.auth)
        t2 = time.perf_counter()
        parse_response(self.api, result.exchange)  # the same decoding again, timed on its own
        t3 = time.perf_counter()
        self.check_proxy(target, work, result)
        t4 = time.perf_counter()
        build, parse = t1 - t0, t3 - t2
        phases = {"build": build, "round_trip": t2 - t1 - parse, "parse": parse, "check": t4 - t3}
        return Sample(t2 - t0, phases)

    def check_proxy(self, target: Target, work: Workload, result: Result) -> None:
        diffs = result_differences(work.expected, result, self.profile)
        if not diffs:
            return
        what = f"{self.operation} of {work.label}"
        if result.status is None or result.status != 200:
            hint = " (is --api right?)" if result.status == 404 else ""
            problem = f"failed {what}{hint}: {diffs[0]}"
        else:
            problem = f"gave a WRONG ANSWER for {what}: {'; '.join(diffs)}"
        raise BenchmarkError(
            f"proxy {target.name} ({target.url}) {problem}; reproduce: {result.exchange.curl()}"
        )

    def time_bypass(self, work: Workload) -> Sample:
        """GET the whole object from S3 and reduce it with numpy; the result checked (untimed)."""
        from botocore.exceptions import BotoCoreError, ClientError

        t0 = time.perf_counter()
        try:
            blob = self.store.s3.get_object(Bucket=work.ref.bucket, Key=work.ref.key)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise BenchmarkError(
                f"S3 store {self.s3_source}: GET {work.ref.url}: {error}"
            ) from None
        t1 = time.perf_counter()
        values = local_reduce(self.operation, np.frombuffer(blob, dtype=work.array.dtype))
        t2 = time.perf_counter()
        diffs = bypass_differences(work.expected, values)
        if diffs:
            raise BenchmarkError(
                f"bypass: {work.ref.url} reduced locally gives a wrong {self.operation} "
                f"for {work.label}: {'; '.join(diffs)} (the store returned other bytes)"
            )
        return Sample(t2 - t0, {"download": t1 - t0, "reduce": t2 - t1})

    def time_http_floor(self, target: Target) -> float:
        """One GET of the trivial well-known endpoint: the floor of an HTTP round trip."""
        t0 = time.perf_counter()
        target.client.session.get(target.url + WELL_KNOWN_PATH, timeout=self.timeout).content
        return time.perf_counter() - t0

    def measure(self, name: str, work: Workload) -> Sample:
        """Time one request of the named target (a proxy name or ``bypass``)."""
        if name == BYPASS:
            return self.time_bypass(work)
        return self.time_proxy(self.target(name), work)

    def target(self, name: str) -> Target:
        for target in self.targets:
            if target.name == name:
                return target
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        """Every timed target: the proxies in configured order, then the bypass baseline."""
        return [t.name for t in self.targets] + [BYPASS]


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let cleanup finish: a second Ctrl-C must not leave objects behind (calls have timeouts)."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- the scripts' main ---------------------------------------------------------------------------


def run_script(
    prog: str,
    args: Any,
    *,
    auth: tuple[str, str],
    stem: str,
    run: Callable[[Any, "Bench"], dict[str, Any]],
    plot: Callable[[dict[str, Any], Path], None],
    print_summary: Callable[[dict[str, Any]], None],
) -> int:
    """What both scripts do around their measurements: set-up, errors, cleanup, output.

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


# --- plots ---------------------------------------------------------------------------------------

BYPASS_COLOUR = "#8c8c8c"
PROXY_COLOURS = ("#1f77b4", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e")


def colours(names: Sequence[str]) -> dict[str, str]:
    """A stable colour per target: proxies from a palette in order, bypass always grey."""
    out: dict[str, str] = {}
    proxies = [n for n in names if n != BYPASS]
    for i, name in enumerate(proxies):
        out[name] = PROXY_COLOURS[i % len(PROXY_COLOURS)]
    out[BYPASS] = BYPASS_COLOUR
    return out


def plot_style() -> dict[str, Any]:
    """Matplotlib settings for slides: large type, no top/right spines, light grid."""
    return {
        "font.size": 14,
        "axes.titlesize": 16,
        "axes.titleweight": "bold",
        "axes.labelsize": 14,
        "xtick.labelsize": 13,
        "ytick.labelsize": 13,
        "legend.fontsize": 13,
        "figure.titlesize": 19,
        "figure.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.alpha": 0.35,
        "savefig.dpi": 150,
    }


def machine_line(report: Mapping[str, Any]) -> str:
    """A one-line description of where the figures come from, for a plot's footer."""
    env = report.get("environment", {})
    config = report.get("config", {})
    cpus = env.get("usable_cpus") or env.get("cpu_count")
    started = str(report.get("started", ""))[:16].replace("T", " ")
    return (
        f"{cpus} CPUs, Python {env.get('python')}, S3 {env.get('s3_source')}, "
        f"API {config.get('api')}, {started}"
    )


def frame_figure(fig: Any, title: str, subtitle: str, footer: str) -> None:
    """Title, grey subtitle and small footer placed in inches, then the panels laid out between.

    Lines are wrapped to the figure's width, so a narrow figure never cuts a sentence off.
    """
    width, height = fig.get_figwidth(), fig.get_figheight()
    sub_lines = textwrap.wrap(subtitle, int(width * 8.5)) or [""]
    foot_lines = textwrap.wrap(footer, int(width * 10.5)) or [""]
    fig.suptitle(title, y=1 - 0.15 / height, va="top")
    fig.text(
        0.5, 1 - 0.62 / height, "\n".join(sub_lines), ha="center", va="top", fontsize=13,
        color="#444444",
    )  # fmt: skip
    fig.text(
        0.5, 0.1 / height, "\n".join(foot_lines), ha="center", va="bottom", fontsize=10.5,
        color="#666666",
    )  # fmt: skip
    top = 1 - (0.75 + 0.24 * len(sub_lines)) / height
    bottom = (0.2 + 0.2 * len(foot_lines)) / height
    fig.tight_layout(rect=(0, bottom, 1, top))
    # tight_layout leaves room for the suptitle again; the panel titles need only ~0.45 in
    fig.subplots_adjust(top=top - 0.45 / height)


def setup_matplotlib() -> Any:
    """pyplot on the Agg backend (no display needed), imported only when plotting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
