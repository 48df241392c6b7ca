"""The timed requests: through a proxy, the bypass baseline, the HTTP floor; every answer checked.

Both ways of getting a reduction of an array stored in S3 are timed the same way:

* through an active storage server (a *proxy*): build the JSON request, POST it, parse the answer;
* *bypass*: GET the whole object from S3 and reduce it locally with numpy.

Data, uploads, requests, parsing, expected results and comparisons are the compliance suite's own
(``compliance.data``, ``storage``, ``client``, ``oracle``, ``checks``), so a benchmark checks every
answer as strictly as the suite does.

Client overhead: each proxy request is split into *build* (body + JSON encoding), *round trip*
(the HTTP exchange as ``requests`` sees it) and *parse* (decoding the answer, timed by parsing the
same answer again on its own). Build + parse is the client's own work; a GET of the server's
trivial well-known endpoint gives the floor of one HTTP round trip through ``requests``. Both are
reported, so a reader can tell how much of a latency is the server's.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import numpy as np

from bench.common import BYPASS, WELL_KNOWN_PATH, BenchmarkError, format_mb
from compliance import data
from compliance.checks import result_differences
from compliance.client import Api, ObjectRef, Result, ServerClient, build_body, parse_response
from compliance.http_transport import TRANSPORT_ERRORS
from compliance.oracle import Expected, expected_result
from compliance.profiles import Profile
from compliance.storage import ObjectStore, StoreUnavailable


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
    """Stores, proxies and the timed request functions both entry points use.

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
        self.bypass_s3 = self.store  # whose S3 client the bypass GETs use (see route)
        self.created_bucket = False
        self.removed = 0  # objects deleted by cleanup()
        self.servers: dict[str, Any] = {}
        self._sigterm: Any = None  # the SIGTERM handler before __enter__, put back on exit

    # --- set-up and tear-down ------------------------------------------------------------------

    def __enter__(self) -> "Bench":
        self._sigterm = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
        return self

    def __exit__(self, *exc: object) -> None:
        with _signals_ignored():
            self.cleanup()
        signal.signal(signal.SIGTERM, self._sigterm)

    def preflight(self) -> None:
        """Reach S3 and every proxy once; an unreachable one is a one-line error naming it."""
        try:
            # 404: absent, ours to create and remove; any other refusal: see ensure_bucket
            self.created_bucket = self.store.s3_call("HEAD", self.bucket).status == 404
            self.store.ensure_bucket(self.bucket)
        except StoreUnavailable as error:
            self.created_bucket = False
            raise BenchmarkError(str(error)) from None
        for target in self.targets:
            self.servers[target.name] = self._probe(target)

    def _probe(self, target: Target) -> dict[str, Any]:
        url = target.url + WELL_KNOWN_PATH
        try:
            answer = target.client.connections.request("GET", url, timeout=min(self.timeout, 10.0))
        except TRANSPORT_ERRORS as error:
            reason = type(error).__name__
            raise BenchmarkError(f"proxy {target.name} at {target.url} unreachable ({reason})")
        return {"well_known_status": answer.status, "server": answer.headers().get("server")}

    def cleanup(self) -> int:
        """Delete this run's objects (and the bucket if this run made it); never raises."""
        try:
            self.removed = self.store.cleanup()
        except Exception as error:  # report, but a failed cleanup must not hide the result
            print(f"warning: could not remove benchmark data from {self.bucket}: {error}")
            return 0
        if self.created_bucket:
            try:  # S3 refuses to delete a bucket that another run's objects are in
                self.store.s3_call("DELETE", self.bucket)
            except StoreUnavailable:
                pass  # unreachable now: leave it
        return self.removed

    def route(self, proxy_urls: Mapping[str, str], s3_url: str) -> None:
        """Send the timed requests along other paths (emulated links), or back with the direct
        URLs. Only the client's requests move: request bodies still name the direct S3 URL the
        servers fetch from."""
        profile, api, timeout = self.profile, self.api, self.timeout
        self.targets = [
            Target(n, u, ServerClient(u, api, timeout, trailing_slash=profile.trailing_slash))
            for n, u in proxy_urls.items()
        ]
        auth = self.auth
        self.bypass_s3 = ObjectStore(
            s3_url, auth[0], auth[1], "", ("", ""), timeout, run=self.store.run, key_prefix="link"
        )

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
            s3 = self.bypass_s3.s3
            blob = s3.get_object(Bucket=work.ref.bucket, Key=work.ref.key)["Body"].read()
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
        target.client.connections.request("GET", target.url + WELL_KNOWN_PATH, timeout=self.timeout)
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
