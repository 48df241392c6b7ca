"""One checked request mix for load: the suite's own cases, drawn by seed, every answer judged.

The soak (``bench.soak``) and the Locust file (``bench/locustfile.py``) both send this mix, so
they load a server with the same requests and judge each answer with the same checks as the
compliance suite (``compliance.checks``): there is no second client, data generator or oracle.

Cases come from the suite's parameter spaces (operations, selections, compression and filters,
missing data, the HTTP backend), skipped where the profile lacks a capability (the suite's
gating) or where the profile names a known deviation for the test the case comes from. A seed
picks a fixed number per area; objects are uploaded before any timed request.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal, Sequence

from compliance.case import Case, CaseRunner
from compliance.checks import error_differences, result_differences
from compliance.client import Result, ServerClient
from compliance.gating import lacks
from compliance.oracle import Expected
from compliance.profiles import ALL_DTYPES, ALL_MISSING_FORMS, ALL_OPERATIONS, Profile
from compliance.settings import Settings, load_settings
from compliance.storage import ObjectStore
from compliance.spaces import COMPRESSIONS, FILTERS, SELECTIONS, SHAPES

AREAS = ("operations", "selection", "compression", "missing", "http")
#: Cases drawn from each area unless told otherwise: small enough to upload in seconds.
DEFAULT_PER_AREA = 12
DEFAULT_SEED = 13

Kind = Literal["ok", "wrong", "error"]
#: A candidate case: the suite test id, the case, and the capabilities it needs.
Candidate = tuple[str, Case, list[tuple[str, Any]]]


@dataclass(frozen=True)
class MixCase:
    """A case and the suite test it comes from (its node id names it in failures)."""

    area: str
    test_id: str
    case: Case


def _shape_id(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape))


def _gated(profile: Profile, needs: Sequence[tuple[str, Any]]) -> bool:
    """Whether the profile has every capability (the suite's gating would not skip)."""
    return all(lacks(profile, capability, value) is None for capability, value in needs)


def _operations() -> list[Candidate]:
    return [
        (
            f"test_operations.py::test_operation[{op}-{dtype}-{_shape_id(shape)}-{order}]",
            Case(op, dtype, shape, order=order),
            [("operations", op), ("dtypes", dtype)],
        )
        for op in ALL_OPERATIONS
        for dtype in ALL_DTYPES
        for shape in SHAPES
        for order in ("C", "F")
    ]


def _selection() -> list[Candidate]:
    found = []
    for op in ALL_OPERATIONS:
        for name, shape, selection, negative in SELECTIONS:
            for order in ("C", "F"):
                needs: list[tuple[str, Any]] = [("operations", op)]
                if negative:
                    needs.append(("negative_selection", True))
                test = f"test_selection.py::test_selection[{op}-{name}-{order}]"
                found.append(
                    (test, Case(op, "int64", shape, order=order, selection=selection), needs)
                )
    return found


def _compression() -> list[Candidate]:
    found = []
    for dtype in ALL_DTYPES:
        for compression in COMPRESSIONS:
            for filters in FILTERS:
                needs = [("compression", compression)] + [("filters", f) for f in filters]
                fid = "+".join(filters) or "nofilter"
                test = f"test_compression.py::test_compression_filters[{dtype}-{compression}-{fid}]"
                case = Case("sum", dtype, (10, 12), compression=compression, filters=filters)
                found.append((test, case, needs))
    return found


def _missing() -> list[Candidate]:
    found = []
    for op in ALL_OPERATIONS:
        for dtype in ALL_DTYPES:
            for form in ALL_MISSING_FORMS:
                needs: list[tuple[str, Any]] = [("operations", op), ("missing", form)]
                some = Case(op, dtype, (6, 7), missing=form)
                every = Case(op, dtype, (12,), missing=form, all_missing=True)
                found.append((f"test_missing.py::test_missing[{op}-{dtype}-{form}]", some, needs))
                found.append(
                    (f"test_missing.py::test_all_missing[{op}-{dtype}-{form}]", every, needs)
                )
    return found


def _http() -> list[Candidate]:
    found = []
    for op in ALL_OPERATIONS:
        for dtype in ALL_DTYPES:
            test = f"test_http_backend.py::test_http_same_as_s3[{op}-{dtype}]"
            case = Case(op, dtype, (5, 6), selection=((0, 5, 2), (1, 6, 1)), backend="http")
            found.append((test, case, [("http_backend", True), ("operations", op)]))
    for op in ("sum", "select"):
        test = f"test_http_backend.py::test_http_private_with_credentials[{op}]"
        case = Case(op, "float32", (3, 4), backend="http-private")
        found.append((test, case, [("http_backend", True)]))
    return found


_SPACES = {
    "operations": _operations,
    "selection": _selection,
    "compression": _compression,
    "missing": _missing,
    "http": _http,
}


def case_space(profile: Profile) -> dict[str, list[MixCase]]:
    """Every case of each area that the profile's server must answer correctly."""
    space: dict[str, list[MixCase]] = {}
    for area in AREAS:
        space[area] = [
            MixCase(area, test, case)
            for test, case, needs in _SPACES[area]()
            if _gated(profile, needs) and profile.xfail_reason(f"compliance/{test}") is None
        ]
    return space


def draw_cases(space: dict[str, list[MixCase]], per_area: int, seed: int) -> list[MixCase]:
    """``per_area`` cases from each area (all of a smaller one), the same for the same seed."""
    if per_area < 1:
        raise ValueError(f"per_area must be at least 1, got {per_area}")
    rng = random.Random(seed)
    drawn: list[MixCase] = []
    for area in AREAS:
        cases = space.get(area, [])
        drawn += rng.sample(cases, min(per_area, len(cases)))
    return drawn


def picks(seed: int, stream: str, size: int) -> Iterator[int]:
    """The endless sequence of mix positions one client sends: fixed by seed and stream name."""
    if size < 1:
        raise ValueError("the mix is empty")
    rng = random.Random(f"{seed}:{stream}")
    while True:
        yield rng.randrange(size)


# --- requests and answers -------------------------------------------------------------------


@dataclass
class MixRequest:
    """A drawn case made concrete: its request body (uploaded object) and the oracle's answer."""

    source: MixCase
    body: bytes = field(repr=False)
    auth: tuple[str, str] | None = field(repr=False)
    object_bytes: int
    expected: Expected = field(repr=False)

    @property
    def op(self) -> str:
        return self.source.case.op

    @property
    def name(self) -> str:
        """How load statistics group requests: area and operation."""
        return f"{self.source.area}:{self.op}"


@dataclass(frozen=True)
class Outcome:
    """How one answer was judged: ok, a wrong answer, or an error (by status)."""

    kind: Kind
    status: str  # "200", "500", ... or "no answer"
    differences: tuple[str, ...] = ()


def prepare_mix(runner: CaseRunner, cases: Sequence[MixCase]) -> list[MixRequest]:
    """Upload every case's object (content-addressed, once) and predict every answer."""
    requests = []
    for mix_case in cases:
        prepared = runner.prepare(mix_case.case)
        expected = runner.expect(mix_case.case, prepared)
        stored = len(prepared.encoded.data) + prepared.encoded.raw_nbytes
        body = json.dumps(prepared.body).encode()
        requests.append(MixRequest(mix_case, body, prepared.auth, stored, expected))
    return requests


def send(client: ServerClient, request: MixRequest) -> tuple[Result, float]:
    """Post one request; the latency in seconds is the HTTP exchange as the client sees it."""
    started = time.perf_counter()
    result = client.post(request.op, request.body, request.auth, object_bytes=request.object_bytes)
    return result, time.perf_counter() - started


def judge(request: MixRequest, result: Result, profile: Profile) -> Outcome:
    """The suite's checks on one answer: a wrong status is an error, a wrong body a wrong answer."""
    if result.status is None:
        return Outcome(
            "error", "no answer", (f"no HTTP response ({result.exchange.transport_error})",)
        )
    want = request.expected.error_status or 200
    if result.status != want:
        return Outcome("error", str(result.status), (f"status {result.status} != {want}",))
    if request.expected.error_status is not None:
        diffs = error_differences(result, want, profile)
    else:
        diffs = result_differences(request.expected, result, profile)
    return Outcome("wrong" if diffs else "ok", str(result.status), tuple(diffs))


# --- where the mix lives ---------------------------------------------------------------------


@dataclass
class MixSetup:
    """The suite's settings, store and runner for one server: what a load client needs."""

    settings: Settings
    store: ObjectStore
    runner: CaseRunner

    @property
    def client(self) -> ServerClient:
        return self.runner.client

    @property
    def profile(self) -> Profile:
        return self.settings.profile


def mix_setup(server: str, profile: str | None, run: str | None, timeout: float) -> MixSetup:
    """The suite's configuration (compliance/config.py, ACTIVESTORAGE_* variables) for ``server``.

    ``run`` names the object prefix (``load-<run>``); processes that share it share uploads.
    """
    options: dict[str, Any] = {"PROXY_URL": server, "REQUEST_TIMEOUT": timeout}
    if profile:
        options["PROFILE"] = profile
    settings = load_settings(options, os.environ)
    store = ObjectStore.for_settings(settings, run=run or uuid.uuid4().hex, key_prefix="load")
    client = ServerClient(
        settings.proxy_url,
        settings.profile.api,
        settings.request_timeout,
        settings.proxy_ca_cert,
        settings.profile.trailing_slash,
    )
    runner = CaseRunner(
        settings.profile,
        client,
        store,
        (settings.aws_id, settings.aws_password),
        (settings.bucket_name, settings.public_bucket_name),
    )
    return MixSetup(settings, store, runner)


def ensure_stores(setup: MixSetup) -> None:
    """The buckets exist and the HTTP store answers (StoreUnavailable names what does not)."""
    setup.store.ensure_bucket(setup.settings.bucket_name)
    if setup.profile.http_backend:
        setup.store.check_http_store()
