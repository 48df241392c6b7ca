"""Backend faults: the store misbehaves under the server, and what the suite allows for each
(docs/spec.md#robustness).

A fault is a set of Toxiproxy toxics on the proxy between the robustness server and one store
(or the proxy switched off: the store is down). ``FaultBench.play`` stores a test object, sends
a request naming the proxied store URL while the fault is on, removes the fault and, if asked,
sends the same request again: that answer shows whether the server recovered.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Iterator
from urllib.parse import urlsplit

from .case import Case, CaseRunner, Prepared
from .checks import error_differences, result_differences
from .client import AnswerTracker, Api, Result, ServerClient, build_body
from .oracle import Expected
from .profiles import Profile
from .robustness_toxiproxy import (
    FaultProxy,
    Toxiproxy,
    ToxiproxyError,
    fault_proxy,
    one_at_a_time,
)

#: Seconds within which the server must answer while its store misbehaves: the client's
#: timeout for the request played under a fault (a result, or an error, after that is none).
ANSWER_BOUND = 5.0
#: A store that fails is the server's failure, not the client's: a server error status.
SERVER_ERRORS = (500, 502, 503, 504)
#: The test object: 32 KiB of int64, read whole with ``select`` so any wrong byte shows.
CASE = Case("select", "int64", (64, 64))
#: Bytes of the store's answer (headers and about half the body) a truncating fault lets by.
CUT_AFTER = 16384
#: The late store's delay: three bounds, so no answer can be right in time.
LONG_LATENCY_MS = int(3 * ANSWER_BOUND * 1000)
LOCATION_FIELDS = ("source", "bucket", "object", "interface_type", "url")
#: Words one of which an error for a store fault must name (matched without regard to case).
MENTIONS = {"s3": ("S3", "storage", "store", "upstream"), "http": ("HTTP", "store", "upstream")}


def toxic(kind: str, toxicity: float = 1.0, **attributes: Any) -> dict[str, Any]:
    """A toxic on the store-to-server stream (``downstream``)."""
    return {
        "name": f"{kind}-downstream",
        "type": kind,
        "stream": "downstream",
        "toxicity": toxicity,
        "attributes": attributes,
    }


@dataclass(frozen=True)
class Fault:
    """One way the store misbehaves; ``answers``: a correct result is what the spec allows
    (else an error status in ``SERVER_ERRORS`` with the JSON error body, within the bound)."""

    name: str
    what: str
    toxics: tuple[dict[str, Any], ...] = ()
    down: bool = False  # the proxy is switched off: connections are refused
    answers: bool = False


FAULTS = (
    Fault(
        "latency-modest",
        "every chunk from the store comes 500 ms late",
        (toxic("latency", latency=500),),
        answers=True,
    ),
    Fault(
        "latency-beyond",
        f"every chunk from the store comes {LONG_LATENCY_MS // 1000} s late (three bounds)",
        (toxic("latency", latency=LONG_LATENCY_MS),),
    ),
    Fault(
        "black-hole",
        "the store's bytes are dropped and the connection is held open (timeout 0)",
        (toxic("timeout", timeout=0),),
    ),
    Fault(
        # limit_data ends the stream; a reset_peer toxic on the same stream, at toxicity 0 so
        # that it passes the data, makes Toxiproxy close the sockets with SO_LINGER 0: an RST
        "reset-mid-body",
        f"the connection is reset (RST) after {CUT_AFTER} bytes of the store's answer",
        (toxic("limit_data", bytes=CUT_AFTER), toxic("reset_peer", toxicity=0.0, timeout=0)),
    ),
    Fault(
        "truncated-body",
        f"the store's answer ends (FIN) after {CUT_AFTER} bytes, short of its Content-Length",
        (toxic("limit_data", bytes=CUT_AFTER),),
    ),
    Fault(
        "slicer",
        "the store's answer comes in pieces of 1 to 15 bytes",
        (toxic("slicer", average_size=8, size_variation=7, delay=20),),
        answers=True,
    ),
    Fault("store-down", "nothing listens at the store's address: connections refused", down=True),
)


@dataclass(frozen=True)
class Played:
    """One request's answer and how long it took."""

    result: Result
    seconds: float

    def summary(self) -> str:
        """One line: the status and message (or transport error) and the time."""
        result = self.result
        if result.status is None:
            what = f"no answer ({(result.exchange.transport_error or '')[:90]})"
        elif result.status == 200:
            what = "200"
        else:
            body = result.error_body
            error = body.get("error") if isinstance(body, dict) else None
            message = error.get("message") if isinstance(error, dict) else body
            what = f"{result.status} {str(message)[:90]!r}"
        return f"{what} in {self.seconds:.2f} s"


@dataclass(frozen=True)
class Outcome:
    """What a fault play gave: the oracle's answer, the answer under the fault, the one after."""

    expected: Expected
    during: Played
    after: Played


class FaultBench:
    """Plays faults between the robustness server and its stores, one at a time."""

    def __init__(
        self, toxiproxy: Toxiproxy, client: ServerClient, runner: CaseRunner, stores: dict[str, str]
    ) -> None:
        self.toxiproxy = toxiproxy
        self.client = client
        self.runner = runner
        self.stores = stores  # backend -> store URL
        self.lock_key = f"{toxiproxy.base} {client.proxy_url}"
        self._played: dict[tuple[str, str], Outcome] = {}

    def outcome(self, fault: Fault, backend: str) -> Outcome:
        """The fault played once per process for both of its tests (the answer under it, and
        the recovery after it): a black hole costs its bound once, not twice."""
        key = (fault.name, backend)
        if key not in self._played:
            self._played[key] = self.play(fault, backend)
        return self._played[key]

    def play(self, fault: Fault, backend: str) -> Outcome:
        """Send the test request under ``fault`` (waiting at most ``ANSWER_BOUND``), then once
        more after the fault is removed."""
        case = CASE.replace(backend=backend)
        prepared = self.runner.prepare(case)
        expected = self.runner.expect(case, prepared)
        proxy = fault_proxy(backend, self.stores[backend])
        with one_at_a_time(self.lock_key), self._made(proxy):
            body = through(prepared, proxy, self.client.api)
            self._start(proxy, fault)
            during = self._send(body, prepared.auth, ANSWER_BOUND, AnswerTracker())
            self._stop(proxy, fault)
            after = self._send(body, prepared.auth, self.client.timeout)
        return Outcome(expected, during, after)

    @contextmanager
    def _made(self, proxy: FaultProxy) -> Iterator[None]:
        self.toxiproxy.create(proxy)
        try:
            yield
        finally:
            self.toxiproxy.delete(proxy)  # closes what the fault still holds

    def _start(self, proxy: FaultProxy, fault: Fault) -> None:
        if fault.down:
            self.toxiproxy.set_enabled(proxy.name, False)
        for each in fault.toxics:
            self.toxiproxy.add_toxic(proxy.name, each)

    def _stop(self, proxy: FaultProxy, fault: Fault) -> None:
        """Remove the fault. Toxiproxy 2.5.0 can hang removing a toxic that is part way through
        a chunk for a connection the server has closed (seen with ``slicer``); the proxy is
        then made afresh, at the same address and without the fault."""
        try:
            self.toxiproxy.clear_toxics(proxy.name)
        except ToxiproxyError:
            self.toxiproxy.create(proxy)
        if fault.down:
            self.toxiproxy.set_enabled(proxy.name, True)

    def _send(
        self,
        body: dict[str, Any],
        auth: tuple[str, str] | None,
        timeout: float,
        answers: AnswerTracker | None = None,
    ) -> Played:
        """Post with ``timeout``; ``answers``: a tracker of its own, so an unanswered request
        under a fault does not count towards the server having stopped answering."""
        client = ServerClient(
            self.client.proxy_url, self.client.api, timeout, None, self.client.trailing_slash
        )
        if answers is not None:
            client.answers = answers
        start = time.monotonic()
        result = client.post(CASE.op, body, auth)
        return Played(result, time.monotonic() - start)


def through(prepared: Prepared, proxy: FaultProxy, api: Api) -> dict[str, Any]:
    """The prepared request with its object named at ``proxy`` instead of at the store."""
    ref = replace(prepared.ref, base=proxy.url + urlsplit(prepared.ref.base).path.rstrip("/"))
    fields = {k: v for k, v in prepared.body.items() if k not in LOCATION_FIELDS}
    return build_body(api, ref, fields)


def fault_differences(fault: Fault, backend: str, outcome: Outcome, profile: Profile) -> list[str]:
    """How the answer under ``fault`` departs from what the suite allows; the first names the
    time it took."""
    played = outcome.during
    result = played.result
    took = f"{played.summary()}; bound {ANSWER_BOUND:.0f} s"
    if fault.answers:
        diffs = result_differences(outcome.expected, result, profile)
    elif result.status is None:
        diffs = ["no answer within the bound"]
    elif result.status == 200:
        wrong = result_differences(outcome.expected, result, profile)
        data = f" with wrong data ({wrong[0]})" if wrong else ""
        diffs = [f"200{data} while the store fails: an error status {SERVER_ERRORS} is due"]
    else:
        diffs = error_differences(result, SERVER_ERRORS, profile, MENTIONS[backend])
    return [f"{diffs[0]} ({took})", *diffs[1:]] if diffs else []
