"""``--profile auto``: a handful of small requests that tell which built-in profile a server is.

Every probe goes through the suite's own pieces (``Case`` -> ``CaseRunner`` -> ``ServerClient``,
objects stored by ``ObjectStore`` under a prefix of the probe's own and removed at the end), and
reads one capability from the answer: a 200 with the oracle's values means "supported". The API
generation comes first (it decides how the other requests are built); the chunk cache is seen by
rewriting an object after a read: a later answer with the old bytes came from a cache.
The choice itself is ``probe_choice.choose_profile`` (pure).
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from typing import Any

import numpy as np

from .case import Case, CaseRunner
from .client import Api, Result, ServerClient, build_body
from .http_transport import TRANSPORT_ERRORS
from .probe_choice import (
    COMPRESSION_IDS,
    FILTER_IDS,
    Answer,
    error_format_of,
    redirects_to_slash,
)
from .profiles import ALL_MISSING_FORMS, BUILTIN_PROFILES
from .settings import Settings
from .storage import ObjectStore, StoreUnavailable

#: How often (and how far apart) the cache probe rewrites and rereads its object.
CACHE_TRIES = 12
CACHE_POLL_SECONDS = 0.05
SHAPE = (2, 3)
BASE = Case("sum", "int32", SHAPE)


def _detail(result: Result) -> str:
    """A short answer text: the status and, for an error, the start of its body."""
    if result.status is None:
        return f"no answer ({result.exchange.transport_error})"
    if result.status == 200:
        return f"200 {result.dtype} shape {list(result.shape or ())}"
    return f"{result.status} {str(result.error_body)[:70]}"


def _request(client: ServerClient, case: Case, note: str = "") -> str:
    where = client.url_for(case.op).removeprefix(client.proxy_url)
    return f"POST {where} {case.dtype} {list(case.shape)}" + (f" {note}" if note else "")


def _same(result: Result, expected: np.ndarray | None) -> bool:
    """Whether the answer's values (in its dtype and shape) are the oracle's."""
    try:
        return expected is not None and bool(np.array_equal(result.values(), expected))
    except (AssertionError, TypeError, ValueError):
        return False


class Prober:
    """Sends the probes for one server with the run's settings; one private object prefix."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = ObjectStore.for_settings(settings, run=uuid.uuid4().hex, key_prefix="probe")
        self.answers: dict[str, Answer] = {}

    def runner(self, api: Api, trailing_slash: bool = False) -> CaseRunner:
        """A case runner speaking ``api`` with a profile that only fixes how requests are built."""
        base = BUILTIN_PROFILES["reductionist-0.13" if api == "v2" else "reductionist-0.11"]
        profile = dataclasses.replace(base, trailing_slash=trailing_slash)
        s = self.settings
        client = ServerClient(s.proxy_url, api, s.request_timeout, s.proxy_ca_cert, trailing_slash)
        return CaseRunner(
            profile,
            client,
            self.store,
            (s.aws_id, s.aws_password),
            (s.bucket_name, s.public_bucket_name),
        )

    def correct(self, name: str, runner: CaseRunner, case: Case, note: str = "") -> Result:
        """Send ``case``; observed: whether the answer is a 200 with the oracle's values."""
        prepared, result = runner.send(case)
        observed: bool | None = None
        detail = _detail(result)
        if result.status is not None:
            observed = result.status == 200 and _same(result, runner.expect(case, prepared).values)
            detail += (", right values" if observed else ", wrong values") * (result.status == 200)
        self.answers[name] = Answer(
            _request(runner.client, case, note), result.status, detail, observed
        )
        return result

    def note(
        self, name: str, request: str, result: Result | None, observed: Any, detail: str = ""
    ) -> None:
        detail = detail or ("not sent" if result is None else _detail(result))
        status = None if result is None else result.status
        self.answers[name] = Answer(request, status, detail, observed)

    # --- the probes ---------------------------------------------------------------------------

    def generation(self) -> CaseRunner:
        """v2 route, v1 route, v1 route with a trailing slash: which one reduces correctly."""
        v2 = self.correct("api-v2", self.runner("v2"), BASE)
        if v2.status == 200:
            self.note("trailing-slash", "(v2: routes without a slash)", None, False)
            runner = self.runner("v2")
        else:
            runner = self.runner("v1", trailing_slash=self.slash_redirect(self.runner("v1")))
        main = runner.send(BASE)[1]
        self.note(
            "count",
            _request(runner.client, BASE, "(count)"),
            main,
            main.count_format if main.status == 200 else None,
        )
        return runner

    def slash_redirect(self, runner: CaseRunner) -> bool:
        """POST the v1 route without following redirects: FastAPI's answer is a 307 to the
        route with a trailing slash (the client follows it, so it would not show)."""
        prepared, client = runner.prepare(BASE), runner.client
        url = client.url_for("sum")
        path = url.removeprefix(client.proxy_url)
        request = f"POST {path} int32 {list(BASE.shape)} (redirects not followed)"
        try:
            answer = client.connections.request(
                "POST",
                url,
                json.dumps(prepared.body).encode(),
                {"Content-Type": "application/json"},
                timeout=client.timeout,
                auth=prepared.auth,
            )
        except TRANSPORT_ERRORS as error:
            self.answers["trailing-slash"] = Answer(request, None, f"no answer ({error})", None)
            return False
        location = answer.headers().get("location", "")
        observed = redirects_to_slash(answer.status, location, path)
        detail = f"{answer.status}" + (f" location {location}" if location else "")
        self.answers["trailing-slash"] = Answer(request, answer.status, detail, observed)
        return bool(observed)

    def errors(self, runner: CaseRunner) -> None:
        """An unknown dtype: the error body's shape names the error format."""
        prepared = runner.prepare(BASE)
        prepared.body["dtype"] = "int3"
        result = runner.client.post("sum", prepared.body, prepared.auth)
        observed = error_format_of(result.error_body)
        self.note("error-format", _request(runner.client, BASE, 'dtype "int3"'), result, observed)

    def features(self, runner: CaseRunner, api: Api) -> None:
        """One correct-answer probe per capability of the request."""
        mean = runner.send(BASE.replace(op="mean"))[1]
        self.note(
            "mean",
            _request(runner.client, BASE.replace(op="mean")),
            mean,
            None if mean.status is None else mean.status == 200,
        )
        self.correct("byte-order", runner, BASE.replace(byte_order="big"), "big-endian")
        self.correct("axis", runner, BASE.replace(axis=1), "axis 1")
        self.correct("axis-all-listed", runner, BASE.replace(axis=[0, 1]), "axis [0, 1]")
        for form in ALL_MISSING_FORMS:
            self.correct(f"missing-{form}", runner, BASE.replace(missing=form), form)
        for algorithm in COMPRESSION_IDS:
            case = BASE.replace(compression=algorithm)
            self.correct(f"compression-{algorithm}", runner, case, algorithm)
        for algorithm in FILTER_IDS:
            self.correct(
                f"filter-{algorithm}", runner, BASE.replace(filters=(algorithm,)), algorithm
            )
        public = BASE.replace(backend="s3-public", auth="none")
        self.correct("anonymous", runner, public, "public bucket, no credentials")
        if api == "v2":
            self.store.check_http_store()
            self.correct("http-backend", runner, BASE.replace(backend="http"), "HTTP store")
            self.bytes_options(runner)
        else:
            for name in ("http-backend", "bytes-options"):
                self.note(name, "(v1: no such request)", None, False)

    def bytes_options(self, runner: CaseRunner) -> None:
        """option_shape_as_bytes: a non-empty shape_as_bytes in the answer."""
        case = BASE.replace(op="select", options=(("option_shape_as_bytes", True),))
        result = runner.send(case)[1]
        payload = result.payload or {}
        observed = bool(payload.get("shape_as_bytes")) if result.status is not None else None
        self.note(
            "bytes-options",
            _request(runner.client, case, "option_shape_as_bytes"),
            result,
            observed,
        )

    def chunk_cache(self, runner: CaseRunner) -> None:
        """Read an object, rewrite it, read again (a few times): old bytes mean a cache."""
        name = f"cache-{uuid.uuid4().hex[:12]}"
        request = _request(runner.client, Case("sum", "int64", (1,)), "rewritten between reads")
        observed: bool | None = None
        last: Result | None = None
        detail = ""
        for version in range(CACHE_TRIES):
            ref = self.store.rewrite_s3(
                self.settings.bucket_name, name, np.array([version], "<i8").tobytes()
            )
            body = build_body(runner.client.api, ref, {"dtype": "int64", "shape": [1]})
            last = runner.client.post("sum", body, runner.s3_auth)
            if last.status == 200 and last.dtype == "int64":
                got = int(last.values().reshape(-1)[0])
                observed = got != version
                if observed:
                    detail = f"read {version + 1}: answered {got} after {version} was written"
                    break
            time.sleep(CACHE_POLL_SECONDS)
        if observed is False:
            detail = f"each of {CACHE_TRIES} reads answered the value just written"
        self.note("chunk-cache", request, last, observed, detail)

    def run(self) -> dict[str, Answer]:
        """Every probe, then the probe's objects removed (whatever happened)."""
        self.store.ensure_bucket(self.settings.bucket_name)
        self.store.ensure_bucket(self.settings.public_bucket_name, public=True)
        try:
            runner = self.generation()
            if self.answers["api-v2"].status is None and self.answers["count"].status is None:
                raise StoreUnavailable(
                    f"server under test {self.settings.proxy_url} unreachable: "
                    f"{self.answers['api-v2'].detail}"
                )
            self.errors(runner)
            self.features(runner, runner.client.api)
            self.chunk_cache(runner)
        finally:
            self.store.cleanup()
        return self.answers


def probe_server(settings: Settings) -> dict[str, Answer]:
    """Probe the server ``settings`` name (their stores hold the probe's objects)."""
    return Prober(settings).run()
