"""The stateful faults: chunk and answer caches keyed on too little of the request.

Each cache remembers (under a lock: the proxy answers on many threads) what it has served, so
these are the only players whose outcome depends on earlier requests. The tests of these
faults use objects of their own, so no test sees another's cached state.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from .messages import Request, Response
from .registry import Context, Forward, Outcome, add_fault


class _RangeBlindCache:
    """A chunk cache keyed without offset and size (Reductionist 0.11.0's cache key).

    The first byte range successfully read from an object (per dtype, byte order and
    compression) is served again for any later range of the same object.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.first: dict[str, tuple[Any, Any]] = {}

    def __call__(self, request: Request, forward: Forward, context: Context) -> Outcome:
        body = request.json() if request.is_reduction else None
        if body is None:
            return forward(request)
        names = ("source", "bucket", "object", "url", "dtype", "byte_order", "compression")
        key = json.dumps([body.get(n) for n in names])
        wanted = (body.get("offset"), body.get("size"))
        response = forward(request)  # validation comes first; only a good read is cached
        if response.status != 200:
            return response
        with self.lock:
            cached = self.first.setdefault(key, wanted)
        if cached == wanted:
            return response
        for name, value in zip(("offset", "size"), cached):
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
        return forward(request.with_json(body))


add_fault(
    "cache-ignores-byte-range",
    "request",
    "offset or compression or http or cache",
    "a chunk cache keyed without offset/size serves one object's first range for every range",
    _RangeBlindCache(),
    ("v1", "v2"),
)

_CHUNK_FIELDS = ("source", "bucket", "object", "interface_type", "url", "offset", "size")


def _chunk_key(body: dict[str, Any]) -> str:
    """Which stored bytes a request reads: the object and the byte range."""
    return json.dumps([body.get(n) for n in _CHUNK_FIELDS], sort_keys=True)


class _CredentialBlindCache:
    """A chunk cache keyed without the credentials that trusts its hits (bypass-auth on and
    a key without ``%auth``): once a range was read, anyone gets the bytes of that read.

    Played by reading with the first successful reader's Authorization header instead.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.readers: dict[str, tuple[str | None]] = {}

    def __call__(self, request: Request, forward: Forward, context: Context) -> Outcome:
        body = request.json() if request.is_reduction else None
        if body is None:
            return forward(request)
        key, own = _chunk_key(body), request.headers.get("authorization")
        with self.lock:
            first = self.readers.get(key)
        if first is not None and first[0] != own:
            return forward(request.with_headers(authorization=first[0]))
        response = forward(request)
        if response.status == 200:
            with self.lock:
                self.readers.setdefault(key, (own,))
        return response


add_fault(
    "cache-ignores-credentials",
    "request",
    "auth or cache",
    "a chunk cache keyed without credentials serves a cached range to anonymous or wrong users",
    _CredentialBlindCache(),
    ("v1", "v2"),
)


class _DecodedCache:
    """A cache of decoded elements keyed by object and byte range only: a later read of the
    same bytes with another dtype, byte order, compression or filters gets the first read's
    decoding (the raw bytes are what must be cached, spec#chunk-cache).
    """

    DECODING = ("dtype", "byte_order", "compression", "filters")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.first: dict[str, dict[str, Any]] = {}

    def __call__(self, request: Request, forward: Forward, context: Context) -> Outcome:
        body = request.json() if request.is_reduction else None
        if body is None:
            return forward(request)
        wanted = {n: body[n] for n in self.DECODING if n in body}
        response = forward(request)  # validation comes first; only a good read is cached
        if response.status != 200:
            return response
        with self.lock:
            cached = self.first.setdefault(_chunk_key(body), wanted)
        if cached == wanted:
            return response
        replay = {k: v for k, v in body.items() if k not in self.DECODING}
        return forward(request.with_json({**replay, **cached}))


add_fault(
    "cache-ignores-encoding",
    "request",
    "cache",
    "a cache of decoded data serves the first read's dtype/byte order/compression to later reads",
    _DecodedCache(),
    ("v1", "v2"),
)


class _StaleAnswers:
    """Whole answers cached per request and never revalidated, whatever the request's
    ``option_disable_chunk_cache`` says: an object rewritten in S3 keeps its old answer.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[str, Response] = {}

    def __call__(self, request: Request, forward: Forward, context: Context) -> Outcome:
        body = request.json() if request.is_reduction else None
        if body is None:
            return forward(request)
        body.pop("option_disable_chunk_cache", None)
        auth = request.headers.get("authorization")
        key = json.dumps([request.path, auth, body], sort_keys=True)
        with self.lock:
            cached = self.answers.get(key)
        if cached is not None:
            return cached
        response = forward(request)
        if response.status == 200:
            with self.lock:
                self.answers.setdefault(key, response)
        return response


add_fault(
    "cache-ignores-opt-out",
    "request",
    "cache",
    "answers stay cached after the object is rewritten, even with option_disable_chunk_cache",
    _StaleAnswers(),
    ("v1", "v2"),
)
