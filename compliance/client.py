"""Request building and response parsing for the v1 and v2 APIs; one Result type out.

v1 (Reductionist <= 0.11, the prototype): ``POST /v1/{op}`` with ``source/bucket/object``; the
result is the raw body plus ``x-activestorage-*`` headers. v2 (Reductionist >= 0.12):
``POST /v2/{op}`` with ``interface_type/url``; the result is a CBOR map. Errors are JSON in both.
"""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

import cbor2
import numpy as np
import requests

Api = Literal["v1", "v2"]


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


def _header_json(headers: Mapping[str, str], name: str, problems: list[str]) -> Any:
    text = headers.get(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        problems.append(f"header {name} is not JSON: {text!r}")
        return None


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
    problems = result.parse_problems
    if api == "v1":
        result.data = exchange.content
        result.dtype = exchange.headers.get("x-activestorage-dtype")
        shape = _header_json(exchange.headers, "x-activestorage-shape", problems)
        result.shape = tuple(shape) if isinstance(shape, list) else None
        count = _header_json(exchange.headers, "x-activestorage-count", problems)
        if isinstance(count, int):
            result.count, result.count_format = (count,), "int"
        elif isinstance(count, list):
            result.count, result.count_format = tuple(count), "list"
        result.byte_order = exchange.headers.get("x-activestorage-byte-order")
        return result
    try:
        payload = cbor2.loads(exchange.content)
    except Exception as error:  # cbor2 raises several types for malformed input
        problems.append(f"body is not CBOR: {error}")
        return result
    if not isinstance(payload, dict):
        problems.append(f"CBOR body is a {type(payload).__name__}, not a map")
        return result
    result.payload = payload
    result.cbor_keys = tuple(str(k) for k in payload)
    result.byte_order = payload.get("byte_order")
    data = payload.get("bytes")
    result.data = bytes(data) if isinstance(data, (bytes, bytearray)) else b""
    result.dtype = payload.get("dtype")
    try:
        shape_blob = payload.get("shape_as_bytes") or b""
        if shape_blob:
            result.shape = _ints_from_bytes(shape_blob, result.byte_order, signed=False)
        elif isinstance(payload.get("shape"), list):
            result.shape = tuple(payload["shape"])
        count_blob = payload.get("count_as_bytes") or b""
        if count_blob:
            result.count = _ints_from_bytes(count_blob, result.byte_order, signed=True)
        elif isinstance(payload.get("count"), list):
            result.count = tuple(payload["count"])
        if "count" in payload:
            result.count_format = "list"
    except ValueError as error:
        problems.append(str(error))
    return result


class ServerClient:
    """Posts requests to the server under test: one HTTP session per process, always a timeout."""

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
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def url_for(self, operation: str) -> str:
        return f"{self.proxy_url}/{self.api}/{operation}" + ("/" if self.trailing_slash else "")

    def post(
        self,
        operation: str,
        body: Mapping[str, Any] | bytes,
        auth: tuple[str, str] | None,
        content_type: str | None = "application/json",
    ) -> Result:
        """Send one request; a dropped connection or timeout comes back as status None."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        url = self.url_for(operation)
        headers = {} if content_type is None else {"Content-Type": content_type}
        status: int | None = None
        answer_headers: Mapping[str, str] = {}
        content = b""
        transport_error = None
        try:
            # verify per request: a Session.verify would lose to REQUESTS_CA_BUNDLE in the env.
            response = self.session.post(
                url,
                data=raw,
                headers=headers,
                auth=auth,
                timeout=self.timeout,
                verify=self.ca_cert or True,
            )
            status, answer_headers, content = (
                response.status_code,
                {k.lower(): v for k, v in response.headers.items()},
                response.content,
            )
        except requests.exceptions.SSLError as error:
            transport_error = f"TLS error: {error}"
        except requests.exceptions.RequestException as error:
            transport_error = f"{type(error).__name__}: {error}"
            self._local.session = None  # a broken connection must not poison the next request
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
        )
        return parse_response(self.api, exchange)
