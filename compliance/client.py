"""Request building and response parsing for the v1 and v2 APIs; one Result type out.

v1 (Reductionist <= 0.11, the prototype): ``POST /v1/{op}`` with ``source/bucket/object``; the
result is the raw body plus ``x-activestorage-*`` headers. v2 (Reductionist >= 0.12):
``POST /v2/{op}`` with ``interface_type/url``; the result is a CBOR map. Errors are JSON in both.
"""

from __future__ import annotations

import json
import re
import shlex
import ssl
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping
from urllib.parse import urlsplit

import cbor2
import numpy as np

from .cbor_framing import cbor_framing
from .http_transport import TRANSPORT_ERRORS, Connections, RawAnswer

Api = Literal["v1", "v2"]

#: Requests in a row that got no answer (a timeout or a refused connection) after which
#: the server counts as having stopped answering: later requests are not sent, so a server that
#: holds every request costs the run a few timeouts per worker rather than one per test.
GIVE_UP_AFTER = 3
#: How a request not sent because the server stopped answering says so (the report looks for it).
STOPPED_ANSWERING = "not sent: the server stopped answering"
#: 307/308 redirects a request follows (FastAPI answers one to a route without its slash).
MAX_REDIRECTS = 5
#: The slowest reduction rate (bytes of stored object per second) a server may have before a
#: request times out; the request timeout grows with the object by this rate.
MIN_BYTES_PER_SECOND = 20e6


def timeout_for(base: float, object_bytes: int) -> float:
    """Seconds a request may take: the base timeout plus the object's bytes at the slowest rate."""
    return base + object_bytes / MIN_BYTES_PER_SECOND


@dataclass(frozen=True)
class ObjectRef:
    """Where a stored array lives: an S3 bucket/key or an HTTP store path."""

    backend: Literal["s3", "http"]
    base: str  # S3 endpoint or HTTP store root URL, no trailing slash
    bucket: str  # S3 bucket; for HTTP the first path segment ("" for none)
    key: str

    @property
    def url(self) -> str:
        return "/".join(part for part in (self.base, self.bucket, self.key) if part)


def build_body(api: Api, ref: ObjectRef, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON request: the API's way of naming the object, then the request ``fields``."""
    if api == "v1":
        if ref.backend != "s3":
            raise ValueError("the v1 API reads from S3 only")
        where: dict[str, Any] = {"source": ref.base, "bucket": ref.bucket, "object": ref.key}
    else:
        where = {"interface_type": ref.backend, "url": ref.url}
    return {**where, **fields}


@dataclass(frozen=True)
class HttpExchange:
    """One request as sent and the raw answer, kept for failure messages and reproducers."""

    url: str
    body: bytes
    content_type: str | None
    auth: tuple[str, str] | None
    ca_cert: str | None
    status: int | None  # None: no HTTP answer at all (dropped connection, timeout)
    headers: Mapping[str, str]
    content: bytes
    transport_error: str | None = None
    # headers the answer carried more than once, with how often (``headers`` joins them)
    repeated_headers: Mapping[str, int] = field(default_factory=dict)

    def curl(self) -> str:
        """A ready-to-paste curl command that repeats the request, password masked."""
        parts = ["curl", "-sS", "-i", "-X", "POST", self.url]
        if self.content_type is not None:
            parts += ["-H", f"Content-Type: {self.content_type}"]
        if self.auth is not None:
            parts += ["-u", f"{self.auth[0]}:****"]
        if self.ca_cert:
            parts += ["--cacert", self.ca_cert]
        parts += ["--data-binary", self.body.decode("utf-8", errors="replace")]
        return " ".join(shlex.quote(p) for p in parts)

    def describe(self) -> str:
        """Request, reproducer and what came back, for an assertion message."""
        body_text = self.body.decode("utf-8", errors="replace")
        if self.status is None:
            answer = f"no HTTP response: {self.transport_error}"
        else:
            answer = f"HTTP {self.status} {self.headers.get('content-type', '')}"
        return (
            f"request: POST {self.url}\n  body: {body_text}\n"
            f"  reproduce: {self.curl()}\n  got: {answer}"
        )


@dataclass
class Result:
    """A parsed answer: the reduction result, or the error the server gave."""

    exchange: HttpExchange
    status: int | None
    content_type: str
    data: bytes = b""
    dtype: str | None = None
    shape: tuple[int, ...] | None = None
    count: tuple[int, ...] | None = None
    byte_order: str | None = None
    cbor_keys: tuple[str, ...] = ()
    payload: dict[str, Any] | None = None  # the decoded v2 CBOR map, as sent
    count_format: str = "none"  # how the count travelled: "none", "int" or "list"
    error_body: Any = None  # parsed JSON of an error response, or the raw text
    parse_problems: list[str] = field(default_factory=list)

    def values(self, layout: str = "C") -> np.ndarray:
        """The result bytes as an array of the answered dtype, shape and byte order."""
        assert self.dtype is not None and self.shape is not None
        dt = np.dtype(self.dtype).newbyteorder("<" if self.byte_order != "big" else ">")
        flat = np.frombuffer(self.data, dtype=dt)
        return flat.reshape(self.shape, order=layout)  # type: ignore[call-overload]


def _ints_from_bytes(blob: bytes, byte_order: str | None, signed: bool) -> tuple[int, ...]:
    order = ">" if byte_order == "big" else "<"
    dt = np.dtype(f"{order}{'i' if signed else 'u'}8")
    if len(blob) % 8:
        raise ValueError(f"{len(blob)} bytes is not a whole number of 8-byte integers")
    return tuple(int(v) for v in np.frombuffer(blob, dtype=dt))


def _is_int(value: Any) -> bool:
    """A JSON/CBOR integer: bool and float compare equal to ints in Python, but are not ones."""
    return isinstance(value, int) and not isinstance(value, bool)


def _int_list(value: Any, name: str, problems: list[str], unsigned: bool) -> tuple[int, ...] | None:
    """``value`` as a tuple when it is a list of integers (>= 0 if ``unsigned``); else a problem."""
    if isinstance(value, (list, tuple)) and all(
        _is_int(v) and (v >= 0 or not unsigned) for v in value
    ):
        return tuple(value)
    kind = "non-negative integers" if unsigned else "integers"
    problems.append(f"{name} {value!r} is not a list of {kind}")
    return None


def _header_json(headers: Mapping[str, str], name: str, problems: list[str]) -> Any:
    text = headers.get(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        problems.append(f"header {name} is not JSON: {text!r}")
        return None


# --- HTTP framing (spec section 4; RFC 9110) ------------------------------------------------------

#: Headers that must come once: singletons of RFC 9110, and the v1 result headers (one JSON value).
SINGLE_HEADERS = ("content-type", "content-length")
V1_HEADERS = (
    "x-activestorage-dtype",
    "x-activestorage-shape",
    "x-activestorage-count",
    "x-activestorage-byte-order",
)


def _length_problems(api: Api, exchange: HttpExchange) -> list[str]:
    """Content-Length: present in v1 (docs/spec.md#response-v1) and, where present, the body's
    length."""
    length = exchange.headers.get("content-length")
    if length is None:
        return ["no Content-Length header (docs/spec.md#response-v1)"] if api == "v1" else []
    if not re.fullmatch(r"[0-9]+", length):
        return [f"content-length {length!r} is not a decimal byte count"]
    if int(length) != len(exchange.content):
        return [f"content-length {length} != body length {len(exchange.content)}"]
    return []


def _header_problems(api: Api, exchange: HttpExchange) -> list[str]:
    """Repeated single-valued headers; v1 result headers on a v2 answer
    (docs/spec.md#response-v2)."""
    problems = [
        f"header {name} sent {exchange.repeated_headers[name]} times"
        for name in (*SINGLE_HEADERS, *V1_HEADERS)
        if name in exchange.repeated_headers
    ]
    if api == "v2":
        stray = [name for name in V1_HEADERS if name in exchange.headers]
        if stray:
            problems.append(
                f"v2 answer carries v1 headers {stray} (docs/spec.md#response-v2: none)"
            )
    return problems


# --- answers --------------------------------------------------------------------------------------


def parse_response(api: Api, exchange: HttpExchange) -> Result:
    """Turn a raw answer into a Result; parsing trouble is recorded, never raised."""
    content_type = exchange.headers.get("content-type", "")
    result = Result(exchange, exchange.status, content_type)
    if exchange.status != 200:
        try:
            result.error_body = json.loads(exchange.content)
        except ValueError:
            result.error_body = exchange.content.decode("utf-8", errors="replace")
        return result
    result.parse_problems += _length_problems(api, exchange) + _header_problems(api, exchange)
    if api == "v1":
        _parse_v1(result)
    else:
        _parse_v2(result)
    return result


def _parse_v1(result: Result) -> None:
    """Raw body plus x-activestorage-* headers (docs/spec.md#response-v1)."""
    headers, problems = result.exchange.headers, result.parse_problems
    result.data = result.exchange.content
    result.dtype = headers.get("x-activestorage-dtype")
    shape = _header_json(headers, "x-activestorage-shape", problems)
    if shape is not None:
        result.shape = _int_list(shape, "x-activestorage-shape", problems, unsigned=True)
    count = _header_json(headers, "x-activestorage-count", problems)
    if _is_int(count):
        result.count, result.count_format = (count,), "int"
    elif count is not None:
        result.count = _int_list(count, "x-activestorage-count", problems, unsigned=False)
        result.count_format = "list"
    result.byte_order = headers.get("x-activestorage-byte-order")


def _parse_v2(result: Result) -> None:
    """One CBOR map (docs/spec.md#response-v2): its framing first, then each value's type."""
    problems = result.parse_problems
    try:
        framing = cbor_framing(result.exchange.content)
        payload = cbor2.loads(result.exchange.content)
    except Exception as error:  # cbor2 raises several types for malformed input
        problems.append(f"body is not CBOR: {error}")
        return
    problems += framing
    if not isinstance(payload, Mapping):  # inside a tag cbor2 builds a frozendict
        problems.append(f"CBOR body is a {type(payload).__name__}, not a map")
        return
    payload = result.payload = dict(payload)
    result.cbor_keys = tuple(str(k) for k in payload)
    result.byte_order = payload.get("byte_order")
    result.dtype = payload.get("dtype")
    result.data = _byte_string(payload, "bytes", problems)
    _v2_shape_and_count(result, payload)


def _byte_string(payload: Mapping[Any, Any], key: str, problems: list[str]) -> bytes:
    """The byte string under ``key`` (b"" when absent); another CBOR type is a problem."""
    value = payload.get(key, b"")
    if isinstance(value, bytes):
        return value
    problems.append(f"CBOR {key} is a {type(value).__name__}, not a byte string")
    return b""


def _v2_shape_and_count(result: Result, payload: Mapping[Any, Any]) -> None:
    """shape/count from their lists, or from the non-empty *_as_bytes twins (0.13)."""
    problems = result.parse_problems
    shape_blob = _byte_string(payload, "shape_as_bytes", problems)
    count_blob = _byte_string(payload, "count_as_bytes", problems)
    try:
        if shape_blob:
            result.shape = _ints_from_bytes(shape_blob, result.byte_order, signed=False)
        elif "shape" in payload:
            result.shape = _int_list(payload["shape"], "CBOR shape", problems, unsigned=True)
        if count_blob:
            result.count = _ints_from_bytes(count_blob, result.byte_order, signed=True)
        elif "count" in payload:
            result.count = _int_list(payload["count"], "CBOR count", problems, unsigned=False)
    except ValueError as error:
        problems.append(str(error))
    if "count" in payload:
        result.count_format = "list"


def _timeouts() -> tuple[type[BaseException], ...]:
    """The exception types that mean "no answer in time": the suite's transport's, and those
    of requests (which the field's client uses) once something has imported it; the suite
    itself does not, so a run does not pay requests' import (0.07 s) before its first test."""
    requests = sys.modules.get("requests")
    return (TimeoutError,) if requests is None else (TimeoutError, requests.exceptions.Timeout)


class AnswerTracker:
    """One server's current run of requests without an answer, shared by everything in this
    process that posts to it (the session's client, a test's own client, the field's client)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._unanswered: list[str] = []

    def note(self, answered: bool, what: str) -> None:
        with self._lock:
            if answered:
                self._unanswered.clear()
            else:
                self._unanswered.append(what)

    def note_error(self, url: str, error: Exception, timeout: float) -> None:
        """Count a timeout or a refused connection (from the suite's transport or from
        requests, which the field's client uses); other transport errors count for nothing."""
        if isinstance(error, _timeouts()):
            self.note(False, f"{url} (no answer in {timeout:.0f} s)")
        elif isinstance(error, ConnectionRefusedError) or "Connection refused" in str(error):
            self.note(False, f"{url} (connection refused)")

    def stopped_answering(self) -> str | None:
        """Why the server counts as stopped answering, or None while it still answers."""
        with self._lock:
            if len(self._unanswered) < GIVE_UP_AFTER:
                return None
            return (
                f"{STOPPED_ANSWERING} ({len(self._unanswered)} requests in a row got no answer,"
                f" the first: {self._unanswered[0]})"
            )


_TRACKERS: dict[str, AnswerTracker] = {}
_TRACKERS_LOCK = threading.Lock()


def tracker_for(server_url: str) -> AnswerTracker:
    """The process's tracker of the server at ``server_url`` (scheme, host and port)."""
    parts = urlsplit(server_url)
    with _TRACKERS_LOCK:
        return _TRACKERS.setdefault(f"{parts.scheme}://{parts.netloc}", AnswerTracker())


class _NotSent(Exception):
    """The request was not sent: the server has stopped answering."""


def _repeated_headers(answer: RawAnswer) -> dict[str, int]:
    """Headers that came more than once, with how often."""
    lines = Counter(name.lower() for name, _ in answer.header_lines)
    return {name: times for name, times in lines.items() if times > 1}


class ServerClient:
    """Posts requests to the server under test: kept-alive connections, always a timeout.

    The timeout fits the request (``timeout_for``); after ``GIVE_UP_AFTER`` requests in a row
    without an answer (``AnswerTracker``), later ones come back at once with
    ``STOPPED_ANSWERING`` and the first unanswered request's URL, so the run finishes and its
    verdict names what happened.
    """

    def __init__(
        self,
        proxy_url: str,
        api: Api,
        timeout: float,
        ca_cert: str | None = None,
        trailing_slash: bool = False,
    ) -> None:
        self.proxy_url = proxy_url.rstrip("/")
        self.api = api
        self.timeout = timeout
        self.ca_cert = ca_cert
        self.trailing_slash = trailing_slash
        self.connections = Connections(ca_cert)
        self.answers = tracker_for(self.proxy_url)

    def url_for(self, operation: str) -> str:
        return f"{self.proxy_url}/{self.api}/{operation}" + ("/" if self.trailing_slash else "")

    def post(
        self,
        operation: str,
        body: Mapping[str, Any] | bytes,
        auth: tuple[str, str] | None,
        content_type: str | None = "application/json",
        object_bytes: int = 0,
    ) -> Result:
        """Send one request; a dropped connection or timeout comes back as status None.

        ``object_bytes`` (the stored object's size, when known) lengthens the timeout.
        """
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        url = self.url_for(operation)
        timeout = timeout_for(self.timeout, object_bytes)
        headers = {} if content_type is None else {"Content-Type": content_type}
        status: int | None = None
        answer_headers: Mapping[str, str] = {}
        content = b""
        transport_error = None
        repeated: dict[str, int] = {}
        stopped = self.answers.stopped_answering()
        try:
            if stopped:
                raise _NotSent(stopped)
            answer = self.connections.request(
                "POST", url, raw, headers, timeout=timeout, auth=auth, redirects=MAX_REDIRECTS
            )
            status, answer_headers, content = answer.status, answer.headers(), answer.content
            repeated = _repeated_headers(answer)
            self.answers.note(True, url)
        except _NotSent as error:
            transport_error = str(error)
        except ssl.SSLError as error:
            transport_error = f"TLS error: {error}"
        except TRANSPORT_ERRORS as error:
            transport_error = f"{type(error).__name__}: {error}"
            self.answers.note_error(url, error, timeout)
        exchange = HttpExchange(
            url,
            raw,
            content_type,
            auth,
            self.ca_cert,
            status,
            answer_headers,
            content,
            transport_error,
            repeated,
        )
        return parse_response(self.api, exchange)
