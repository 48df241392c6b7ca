"""The named faults: realistic ways an active storage server gets the API wrong.

Each fault is a *player*: a function of the client's request, a ``forward`` callable that sends
a request to the real server and returns its answer, and a ``Context`` (the credentials of the
stack). It returns the answer the client gets, or None to drop the connection unanswered. All
players are pure but one: the range-blind chunk cache remembers the ranges it has served.

- **request** faults rewrite the request before forwarding, as a server that ignores or
  mishandles a feature would; the real server then computes a plausible but wrong answer.
- **response** faults alter a good answer (values, dtype, shape, count, byte order, framing).
- **error** faults alter failures (status, body shape, message) or accept what must be refused.

Faults only act on ``POST /v1/{op}`` and ``POST /v2/{op}`` (error faults also on unknown
operations); every other request passes through unchanged. ``areas`` is the pytest marker
expression of the suite's feature areas the fault concerns, which the mutation-score runner uses
to run only the relevant part of the suite.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Literal

import cbor2
import numpy as np

from .messages import (
    CONTENT_TYPES,
    Answer,
    Request,
    Response,
    error_response,
    json_response,
    pack_ints,
)

Forward = Callable[[Request], Response]
Outcome = Response | None  # None: close the connection without an answer
Side = Literal["request", "response", "error"]


@dataclass(frozen=True)
class Context:
    """What a fault may know besides the exchange: the credentials of the stack's stores."""

    s3_auth: tuple[str, str] = ("minioadmin", "minioadmin")
    http_auth: tuple[str, str] = ("admin", "admin")


Player = Callable[[Request, Forward, Context], Outcome]


@dataclass(frozen=True)
class Fault:
    name: str
    side: Side
    description: str
    areas: str  # pytest -m expression: the feature areas this fault concerns
    play: Player
    apis: tuple[str, ...] = ("v1", "v2")  # API generations the fault can occur in


def passthrough(request: Request, forward: Forward, context: Context) -> Outcome:
    return forward(request)


#: The no-fault baseline: the proxy is transparent.
NONE = Fault(
    "none", "request", "no fault: every request and answer passes through", "", passthrough
)

FAULTS: list[Fault] = []


def _register(
    name: str, side: Side, areas: str, description: str, play: Player, apis: tuple[str, ...]
) -> None:
    if any(f.name == name for f in FAULTS) or name == NONE.name:
        raise ValueError(f"fault {name!r} defined twice")
    FAULTS.append(Fault(name, side, description, areas, play, apis))


# --- player builders -----------------------------------------------------------------------------

BodyEdit = Callable[[dict[str, Any], Request], None]
AnswerEdit = Callable[[Answer, Request], "Response | None | Literal[False]"]
ErrorEdit = Callable[[Response, Request], Outcome]


def request_fault(
    name: str, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[BodyEdit], BodyEdit]:
    """Register an edit of the JSON request body, applied before forwarding.

    The request is re-serialised only when the edit changed something, so bodies the edit does
    not touch (including malformed ones) reach the server byte for byte.
    """

    def register(edit: BodyEdit) -> BodyEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            body = request.json() if request.is_reduction else None
            if body is None:
                return forward(request)
            changed = copy.deepcopy(body)
            edit(changed, request)
            return forward(request.with_json(changed) if changed != body else request)

        _register(name, "request", areas, description, play, apis)
        return edit

    return register


def answer_fault(
    name: str, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[AnswerEdit], AnswerEdit]:
    """Register a change of a successful answer's fields (decoded from its v1/v2 framing).

    The edit changes the ``Answer`` in place and returns False (nothing to do: pass the
    answer unchanged) or None (encode the changed answer), or returns a whole new Response.
    """

    def register(edit: AnswerEdit) -> AnswerEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            response = forward(request)
            api = request.api
            if not request.is_reduction or api is None or response.status != 200:
                return response
            answer = Answer.decode(api, response)
            if answer is None:
                return response
            outcome = edit(answer, request)
            if outcome is False:
                return response
            return answer.encode(response) if outcome is None else outcome

        _register(name, "response", areas, description, play, apis)
        return edit

    return register


def error_fault(
    name: str, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[ErrorEdit], ErrorEdit]:
    """Register a change of an error answer (status >= 400) to a POST /vN/{anything}."""

    def register(edit: ErrorEdit) -> ErrorEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            response = forward(request)
            if request.operation is None or response.status < 400:
                return response
            return edit(response, request)

        _register(name, "error", areas, description, play, apis)
        return edit

    return register


def fault(
    name: str, side: Side, areas: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[Player], Player]:
    """Register a player written out in full (several upstream calls, header changes, ...)."""

    def register(play: Player) -> Player:
        _register(name, side, areas, description, play, apis)
        return play

    return register


# --- helpers -------------------------------------------------------------------------------------


def _slices(body: dict[str, Any]) -> list[list[Any]]:
    """The selection's slices as mutable [start, end, stride] lists (object form converted)."""
    selection = body.get("selection")
    if not isinstance(selection, list):
        return []
    slices = []
    for item in selection:
        if isinstance(item, dict) and {"start", "end", "stride"} <= set(item):
            slices.append([item["start"], item["end"], item["stride"]])
        elif isinstance(item, list) and len(item) == 3:
            slices.append(item)
        else:
            return []
    body["selection"] = slices
    return slices


def _ints(values: list[Any]) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def selected_shape(body: dict[str, Any]) -> list[int] | None:
    """The shape after the request's selection (NumPy slice semantics), if the shape is known."""
    shape = body.get("shape")
    if not isinstance(shape, list) or not _ints(shape):
        return None
    selection = body.get("selection")
    if selection is None:
        return list(shape)
    slices = _slices(copy.deepcopy(body))
    if len(slices) != len(shape) or not all(_ints(s) and s[2] != 0 for s in slices):
        return None
    return [len(range(*slice(*s).indices(n))) for s, n in zip(slices, shape)]


def reduced_axes(body: dict[str, Any], ndim: int) -> list[int] | None:
    """The axes a reduction folds: all when absent or null, else the listed ones."""
    axis = body.get("axis")
    if axis is None:
        return list(range(ndim))
    if isinstance(axis, int) and not isinstance(axis, bool):
        return [axis]
    if isinstance(axis, list) and _ints(axis):
        return sorted(axis)
    return None


def _changed_element(value: Any) -> Any:
    """A visibly different value of the same dtype."""
    if isinstance(value, np.floating):
        if not np.isfinite(value) or value + 1 == value:
            return value.dtype.type(0 if value != 0 else 1)
        return value + value.dtype.type(1)
    info = np.iinfo(value.dtype)
    return value.dtype.type(info.min if value == info.max else value + 1)


def _swap_order(byte_order: str) -> str:
    return "big" if byte_order == "little" else "little"


SIGNED_OF = {"uint32": "int32", "uint64": "int64"}
SAME_SIZE_DTYPE = {
    "int32": "uint32",
    "uint32": "int32",
    "float32": "int32",
    "int64": "uint64",
    "uint64": "int64",
    "float64": "int64",
}
SIGNED_ALL = ("int32", "int64", "uint32", "uint64", "float32", "float64")
WIDER_DTYPE = {"int32": "int64", "uint32": "uint64", "float32": "float64"}
COMMON_FIELDS = (
    "dtype",
    "byte_order",
    "offset",
    "size",
    "shape",
    "axis",
    "order",
    "selection",
    "compression",
    "filters",
    "missing",
)
KNOWN_FIELDS = {
    "v1": {"source", "bucket", "object", *COMMON_FIELDS},
    "v2": {
        "interface_type",
        "url",
        *COMMON_FIELDS,
        "option_disable_chunk_cache",
        "option_shape_as_bytes",
        "option_count_as_bytes",
    },
}
#: Fields a lenient server drops, in this order, when the request is refused.
OPTIONAL_FIELDS = (
    "selection",
    "axis",
    "missing",
    "filters",
    "compression",
    "byte_order",
    "order",
    "offset",
    "size",
    "shape",
    "option_shape_as_bytes",
    "option_count_as_bytes",
    "option_disable_chunk_cache",
)


def _operation_path(request: Request, operation: str) -> str:
    """The request's path with another operation, keeping its API and trailing slash."""
    slash = "/" if request.path.split("?")[0].endswith("/") else ""
    return f"/{request.api}/{operation}{slash}"


def _basic(credentials: tuple[str, str]) -> str:
    token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
    return f"Basic {token}"


def _error_text(response: Response) -> str:
    body = response.error_json() or {}
    error = body.get("error")
    if isinstance(error, dict):
        causes = error.get("caused_by") or []
        return " | ".join(str(t) for t in [error.get("message", ""), *causes])
    return response.body.decode("utf-8", errors="replace")


def _edit_error(response: Response, change: Callable[[dict[str, Any]], None]) -> Response:
    """Change the ``error`` object of a Reductionist-style JSON error body."""
    body = response.error_json()
    if body is None or not isinstance(body.get("error"), dict):
        return response
    change(body["error"])
    return json_response(response.status, body).replace(
        headers={**response.headers, "content-type": "application/json"}
    )


# === request side ================================================================================


@request_fault("ignore-selection", "selection", "the selection is ignored: the whole array")
def _ignore_selection(body: dict[str, Any], request: Request) -> None:
    body.pop("selection", None)


@request_fault("ignore-stride", "selection", "selection strides are taken as 1 (or -1)")
def _ignore_stride(body: dict[str, Any], request: Request) -> None:
    for s in _slices(body):
        if _ints(s) and s[2] != 0:
            s[2] = 1 if s[2] > 0 else -1


@request_fault(
    "selection-end-inclusive", "selection", "the selection's end index is included (off by one)"
)
def _end_inclusive(body: dict[str, Any], request: Request) -> None:
    for s in _slices(body):
        if _ints(s) and s[2] != 0:
            s[1] += 1 if s[2] > 0 else -1


@request_fault("negative-index-as-zero", "selection", "negative selection indices are clamped to 0")
def _negative_as_zero(body: dict[str, Any], request: Request) -> None:
    for s in _slices(body):
        if _ints(s):
            s[0], s[1] = max(s[0], 0), max(s[1], 0)


@request_fault("drop-offset", "offset or compression or http", "the offset is ignored: read from 0")
def _drop_offset(body: dict[str, Any], request: Request) -> None:
    body.pop("offset", None)


@request_fault(
    "drop-size", "offset or compression or http", "the size is ignored: read to the object's end"
)
def _drop_size(body: dict[str, Any], request: Request) -> None:
    body.pop("size", None)


@request_fault("drop-shape", "operations or offset", "the shape is ignored: data are 1-D")
def _drop_shape(body: dict[str, Any], request: Request) -> None:
    if "selection" not in body and "axis" not in body:
        body.pop("shape", None)


@request_fault("ignore-missing", "missing", "the missing-data descriptor is ignored")
def _ignore_missing(body: dict[str, Any], request: Request) -> None:
    body.pop("missing", None)


@request_fault(
    "missing-values-first-only", "missing", "only the first of missing_values is honoured"
)
def _first_missing_value(body: dict[str, Any], request: Request) -> None:
    missing = body.get("missing")
    if isinstance(missing, dict) and isinstance(missing.get("missing_values"), list):
        values = missing["missing_values"]
        body["missing"] = {"missing_value": values[0]} if values else {"missing_values": []}


def _next_value(value: Any, dtype: str, up: bool) -> Any:
    """The next value of ``dtype`` above (or below) ``value``, as a JSON number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    kind = np.dtype(dtype).kind if dtype in SAME_SIZE_DTYPE else "f"
    if kind in "iu" and isinstance(value, int):
        return value + (1 if up else -1)
    dt = np.dtype(dtype) if kind == "f" else np.dtype("float64")
    return float(np.nextafter(dt.type(value), dt.type(np.inf if up else -np.inf)))


@request_fault(
    "valid-bounds-exclusive",
    "missing",
    "valid_min/valid_max/valid_range bounds are exclusive (boundary values count as missing)",
)
def _bounds_exclusive(body: dict[str, Any], request: Request) -> None:
    missing, dtype = body.get("missing"), str(body.get("dtype"))
    if not isinstance(missing, dict):
        return
    if "valid_min" in missing:
        missing["valid_min"] = _next_value(missing["valid_min"], dtype, up=True)
    if "valid_max" in missing:
        missing["valid_max"] = _next_value(missing["valid_max"], dtype, up=False)
    bounds = missing.get("valid_range")
    if isinstance(bounds, list) and len(bounds) == 2:
        missing["valid_range"] = [
            _next_value(bounds[0], dtype, up=True),
            _next_value(bounds[1], dtype, up=False),
        ]


@request_fault("ignore-byte-order", "byteorder", "byte_order is ignored: data read as native")
def _ignore_byte_order(body: dict[str, Any], request: Request) -> None:
    body.pop("byte_order", None)


@request_fault("byte-order-inverted", "byteorder", "byte_order is read the wrong way round")
def _byte_order_inverted(body: dict[str, Any], request: Request) -> None:
    if body.get("byte_order") in ("big", "little"):
        body["byte_order"] = _swap_order(body["byte_order"])


@request_fault(
    "force-order-c", "operations or selection or axis", "order F is ignored: always row-major"
)
def _force_c(body: dict[str, Any], request: Request) -> None:
    if "order" in body:
        body["order"] = "C"


@request_fault("drop-axis", "axis", "axis is ignored: always reduce over all axes")
def _drop_axis(body: dict[str, Any], request: Request) -> None:
    body.pop("axis", None)


@request_fault("axis-first-only", "axis", "an axis list reduces over its first axis only")
def _first_axis(body: dict[str, Any], request: Request) -> None:
    axis = body.get("axis")
    if isinstance(axis, list) and len(axis) > 1:
        body["axis"] = axis[:1]


@request_fault(
    "ignore-filters", "compression or filters", "filters are not undone (shuffle ignored)"
)
def _ignore_filters(body: dict[str, Any], request: Request) -> None:
    body.pop("filters", None)


@request_fault("ignore-compression", "compression", "compression is ignored: bytes read raw")
def _ignore_compression(body: dict[str, Any], request: Request) -> None:
    body.pop("compression", None)


@request_fault(
    "ignore-as-bytes-options",
    "options",
    "option_shape_as_bytes/option_count_as_bytes are ignored",
    apis=("v2",),
)
def _ignore_options(body: dict[str, Any], request: Request) -> None:
    body.pop("option_shape_as_bytes", None)
    body.pop("option_count_as_bytes", None)


@request_fault(
    "accept-unknown-fields", "errors", "unknown request fields are dropped instead of refused"
)
def _accept_unknown(body: dict[str, Any], request: Request) -> None:
    known = KNOWN_FIELDS.get(request.api or "", set())
    for name in [n for n in body if n not in known]:
        del body[name]


@request_fault("accept-zero-stride", "errors", "a selection stride of 0 is taken as 1")
def _accept_zero_stride(body: dict[str, Any], request: Request) -> None:
    for s in _slices(body):
        if s[2] == 0:
            s[2] = 1


@request_fault(
    "accept-unsorted-axes",
    "errors",
    "axis lists are sorted and deduplicated, negative axes wrapped, instead of refused",
)
def _accept_unsorted_axes(body: dict[str, Any], request: Request) -> None:
    axis, shape = body.get("axis"), body.get("shape")
    ndim = len(shape) if isinstance(shape, list) else None
    if isinstance(axis, int) and not isinstance(axis, bool) and axis < 0 and ndim:
        body["axis"] = axis + ndim
    elif isinstance(axis, list) and _ints(axis):
        wrapped = [a + ndim if a < 0 and ndim else a for a in axis]
        body["axis"] = sorted(set(wrapped))


@request_fault("axis-empty-as-all", "axis", "axis [] reduces over all axes instead of none")
def _axis_empty_as_all(body: dict[str, Any], request: Request) -> None:
    if body.get("axis") == []:
        del body["axis"]


@request_fault(
    "case-insensitive-enums",
    "errors",
    "dtype, order, byte_order and codec ids are accepted in any letter case",
)
def _case_insensitive(body: dict[str, Any], request: Request) -> None:
    for name, fold in (("dtype", str.lower), ("order", str.upper), ("byte_order", str.lower)):
        if isinstance(body.get(name), str):
            body[name] = fold(body[name])
    for codec in [body.get("compression"), *(body.get("filters") or [])]:
        if isinstance(codec, dict) and isinstance(codec.get("id"), str):
            codec["id"] = codec["id"].lower()


def _byteswapped(value: Any, dtype: str) -> Any:
    """``value`` with its bytes reversed in ``dtype`` (unchanged if that is not a finite number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or dtype not in SIGNED_ALL:
        return value
    try:
        swapped = np.array([value], dtype=dtype).byteswap()[0]
    except (OverflowError, ValueError):
        return value
    if np.dtype(dtype).kind == "f":
        return float(swapped) if np.isfinite(swapped) else value
    return int(swapped)


@request_fault(
    "missing-before-byte-swap",
    "byteorder or missing",
    "missing_value(s) are compared with the raw bytes before the byte-order swap",
)
def _missing_before_swap(body: dict[str, Any], request: Request) -> None:
    missing, dtype = body.get("missing"), str(body.get("dtype"))
    if body.get("byte_order") not in ("big", "little") or body["byte_order"] == sys.byteorder:
        return
    if not isinstance(missing, dict):
        return
    if "missing_value" in missing:
        missing["missing_value"] = _byteswapped(missing["missing_value"], dtype)
    if isinstance(missing.get("missing_values"), list):
        missing["missing_values"] = [_byteswapped(v, dtype) for v in missing["missing_values"]]


def _f32(value: float) -> float:
    return float(np.float32(value))


def _f32_step(value: float, up: bool) -> float:
    return float(np.nextafter(np.float32(value), np.float32(np.inf if up else -np.inf)))


@request_fault(
    "missing-float32-unrounded",
    "missing",
    "float32 missing values are compared in float64, not rounded to float32 first",
)
def _missing_unrounded(body: dict[str, Any], request: Request) -> None:
    """Emulates comparing float32 elements (widened) with the float64 JSON value.

    Equality never holds for a value float32 cannot represent; an inequality bound that
    float32 rounds down (up) then also excludes (includes) the rounded value itself.
    """
    missing = body.get("missing")
    if body.get("dtype") != "float32" or not isinstance(missing, dict):
        return

    value: Any = missing.get("missing_value")
    if _f32_number(value) and _f32(value) != value:
        body["missing"] = {"missing_values": []}
        return
    values = missing.get("missing_values")
    if isinstance(values, list) and all(_f32_number(v) for v in values):
        missing["missing_values"] = [v for v in values if _f32(v) == v]
    if "valid_min" in missing:
        missing["valid_min"] = _unrounded_bound(missing["valid_min"], low=True)
    if "valid_max" in missing:
        missing["valid_max"] = _unrounded_bound(missing["valid_max"], low=False)
    bounds = missing.get("valid_range")
    if isinstance(bounds, list) and len(bounds) == 2:
        missing["valid_range"] = [
            _unrounded_bound(bounds[0], low=True),
            _unrounded_bound(bounds[1], low=False),
        ]


def _f32_number(value: Any) -> bool:
    """A JSON number float32 can hold (finite after rounding)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return ok and abs(value) < 3.4e38


def _unrounded_bound(value: Any, low: bool) -> Any:
    """The float32 bound that acts like comparing with the unrounded ``value`` in float64.

    ``x < v`` for a float32 ``x`` and a ``v`` that float32 rounds down to ``r`` holds for
    ``x <= r``, i.e. ``x < next_up(r)``; likewise ``x > v`` with ``v`` rounded up.
    """
    if not _f32_number(value):
        return value
    rounded = _f32(value)
    if low and rounded < value:
        return _f32_step(value, up=True)
    if not low and rounded > value:
        return _f32_step(value, up=False)
    return value


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


_register(
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


_register(
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
    decoding (the raw bytes are what must be cached, spec 7.3).
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


_register(
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


_register(
    "cache-ignores-opt-out",
    "request",
    "cache",
    "answers stay cached after the object is rewritten, even with option_disable_chunk_cache",
    _StaleAnswers(),
    ("v1", "v2"),
)


@fault(
    "trailing-slash-refused",
    "request",
    "operations",
    "POST /vN/{op}/ (with a trailing slash, as Python clients send) gets a bare 404",
)
def _trailing_slash(request: Request, forward: Forward, context: Context) -> Outcome:
    if request.is_reduction and request.path.split("?")[0].endswith("/"):
        return Response(404, {}, b"")
    return forward(request)


@fault(
    "wrong-credentials-fall-back-to-anonymous",
    "request",
    "auth",
    "refused credentials are retried anonymously, so public data are served to anyone",
)
def _fall_back_anonymous(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.is_reduction and response.status == 401 and "authorization" in request.headers:
        return forward(request.with_headers(authorization=None))
    return response


@fault(
    "sum-skips-nan",
    "response",
    "edge",
    "sum ignores NaN elements (nansum) instead of propagating NaN",
)
def _sum_skips_nan(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    body = request.json() if request.operation == "sum" else None
    api = request.api
    if body is None or api is None or "axis" in body or "missing" in body:
        return response
    answer = Answer.decode(api, response)
    if answer is None or answer.numpy_dtype.kind != "f" or not np.isnan(answer.values()).any():
        return response
    data = Answer.decode(api, forward(request.with_path(_operation_path(request, "select"))))
    if data is None:
        return response
    answer.set_values(np.array([np.nansum(data.values(), dtype=data.numpy_dtype)]))
    return answer.encode(response)


@fault("min-max-swapped", "request", "operations", "max computes the minimum and vice versa")
def _min_max_swapped(request: Request, forward: Forward, context: Context) -> Outcome:
    swap = {"min": "max", "max": "min"}
    if request.operation in swap:
        return forward(request.with_path(_operation_path(request, swap[str(request.operation)])))
    return forward(request)


@fault(
    "unsigned-as-signed",
    "request",
    "operations or edge or missing or errors",
    "uint32/uint64 data are reduced as int32/int64 (the answer still says unsigned)",
)
def _unsigned_as_signed(request: Request, forward: Forward, context: Context) -> Outcome:
    body = request.json() if request.is_reduction else None
    dtype = body.get("dtype") if body else None
    if body is None or request.api is None or not isinstance(dtype, str) or dtype not in SIGNED_OF:
        return forward(request)
    response = forward(request.with_json({**body, "dtype": SIGNED_OF[str(dtype)]}))
    answer = Answer.decode(request.api, response)
    if answer is None or answer.dtype != SIGNED_OF[str(dtype)]:
        return response
    answer.dtype = str(dtype)
    return answer.encode(response)


@fault(
    "count-field-includes-missing",
    "response",
    "missing",
    "the count field of sum/min/max/select counts missing elements too",
)
def _count_includes_missing(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    body = request.json() if request.is_reduction else None
    api = request.api
    if body is None or api is None or "missing" not in body or request.operation == "count":
        return response
    answer = Answer.decode(api, response)
    if answer is None:
        return response
    totals_body = {k: v for k, v in body.items() if k != "missing" and not k.startswith("option_")}
    if request.operation == "select":
        totals_body.pop("axis", None)
    totals_request = request.with_json(totals_body).with_path(_operation_path(request, "count"))
    totals = Answer.decode(api, forward(totals_request))
    if totals is None:
        return response
    answer.count = [int(v) for v in totals.values()]
    return answer.encode(response)


@fault(
    "credentials-not-forwarded",
    "request",
    "auth or http",
    "the client's credentials are not passed on: every read is anonymous",
)
def _credentials_dropped(request: Request, forward: Forward, context: Context) -> Outcome:
    if request.is_reduction:
        return forward(request.with_headers(authorization=None))
    return forward(request)


@fault(
    "private-data-without-credentials",
    "request",
    "auth or http",
    "requests without credentials are served with the server's own (private data leak)",
)
def _private_without_credentials(request: Request, forward: Forward, context: Context) -> Outcome:
    if not request.is_reduction or "authorization" in request.headers:
        return forward(request)
    body = request.json() or {}
    http = str(body.get("interface_type", "")).startswith("http")
    credentials = context.http_auth if http else context.s3_auth
    return forward(request.with_headers(authorization=_basic(credentials)))


@fault(
    "anonymous-refused",
    "request",
    "auth or http",
    "requests without credentials are refused with 401 even for public data",
)
def _anonymous_refused(request: Request, forward: Forward, context: Context) -> Outcome:
    if request.is_reduction and "authorization" not in request.headers:
        return error_response(401, "missing credentials", ["Authorization header required"])
    return forward(request)


@fault(
    "lenient-validation",
    "error",
    "errors",
    "invalid input is accepted by silently dropping the offending field",
)
def _lenient(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    body = request.json() if request.is_reduction else None
    if body is None or response.status != 400:
        return response
    known = KNOWN_FIELDS.get(request.api or "", set())
    candidates = [n for n in body if n not in known] + [n for n in OPTIONAL_FIELDS if n in body]
    for name in candidates:
        retry = forward(request.with_json({k: v for k, v in body.items() if k != name}))
        if retry.status == 200:
            return retry
    return response


# === response side ===============================================================================


@answer_fault("one-wrong-element", "operations", "the last element of the result is off")
def _one_wrong(answer: Answer, request: Request) -> None | Literal[False]:
    values = answer.values()
    if values.size == 0:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        values[-1] = _changed_element(values[-1])
    answer.set_values(values)
    return None


@answer_fault(
    "reversed-elements", "operations or selection", "the result elements come in reverse order"
)
def _reversed_elements(answer: Answer, request: Request) -> None:
    answer.set_values(answer.values()[::-1])


@answer_fault("reversed-bytes", "operations", "the result bytes are reversed end to end")
def _reversed_bytes(answer: Answer, request: Request) -> None:
    answer.data = answer.data[::-1]


@answer_fault(
    "byte-swapped", "operations", "each element's bytes are swapped; byte_order field unchanged"
)
def _byte_swapped(answer: Answer, request: Request) -> None:
    answer.data = answer.values().byteswap().tobytes()


@answer_fault(
    "wrong-byte-order-field", "operations", "the byte_order field names the other byte order"
)
def _wrong_byte_order_field(answer: Answer, request: Request) -> None:
    answer.byte_order = _swap_order(answer.byte_order)


@answer_fault(
    "byte-order-follows-request",
    "byteorder",
    "the result is in the request's byte order (declared so) instead of the server's",
)
def _byte_order_follows_request(answer: Answer, request: Request) -> None | Literal[False]:
    wanted = (request.json() or {}).get("byte_order")
    if wanted not in ("big", "little") or wanted == answer.byte_order:
        return False
    values = answer.values()
    answer.byte_order = str(wanted)
    answer.set_values(values)
    return None


@answer_fault("wrong-dtype", "operations", "the dtype field names another dtype of the same size")
def _wrong_dtype(answer: Answer, request: Request) -> None | Literal[False]:
    if answer.dtype not in SAME_SIZE_DTYPE:
        return False
    answer.dtype = SAME_SIZE_DTYPE[answer.dtype]
    return None


@answer_fault(
    "widened-sum",
    "operations or edge",
    "32-bit sums are returned widened to int64/uint64/float64",
)
def _widened_sum(answer: Answer, request: Request) -> None | Literal[False]:
    if request.operation != "sum" or answer.dtype not in WIDER_DTYPE:
        return False
    answer.set_values(answer.values().astype(WIDER_DTYPE[answer.dtype]), WIDER_DTYPE[answer.dtype])
    return None


@answer_fault("count-as-int32", "operations", "the count operation answers int32, not int64")
def _count_int32(answer: Answer, request: Request) -> None | Literal[False]:
    if request.operation != "count":
        return False
    answer.set_values(answer.values().astype(np.int32), "int32")
    return None


@answer_fault("wrong-shape", "operations", "the shape is wrong: [] as [1], 1-D as [n, 1], n-D flat")
def _wrong_shape(answer: Answer, request: Request) -> None:
    if not answer.shape:
        answer.shape = [1]
    elif len(answer.shape) == 1:
        answer.shape = answer.shape + [1]
    else:
        answer.shape = [int(np.prod(answer.shape))]


@answer_fault("keepdims-shape", "axis", "reduced axes are kept as length-1 dimensions")
def _keepdims(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json() or {}
    selected = selected_shape(body)
    axes = reduced_axes(body, len(selected)) if selected is not None else None
    if request.operation == "select" or selected is None or axes is None:
        return False
    if answer.shape != [n for i, n in enumerate(selected) if i not in axes]:
        return False
    answer.shape = [1 if i in axes else n for i, n in enumerate(selected)]
    return None


@answer_fault(
    "f-order-shape-reversed", "operations or selection", "order F answers report the shape reversed"
)
def _f_shape_reversed(answer: Answer, request: Request) -> None | Literal[False]:
    if (request.json() or {}).get("order") != "F" or len(set(answer.shape)) < 2:
        return False
    answer.shape = answer.shape[::-1]
    return None


@answer_fault("count-off-by-one", "operations", "every count is one too many")
def _count_off_by_one(answer: Answer, request: Request) -> None:
    answer.count = [c + 1 for c in answer.count]


@answer_fault(
    "count-total-for-axis", "axis", "an axis reduction's count is one total, not one per cell"
)
def _count_total(answer: Answer, request: Request) -> None | Literal[False]:
    if len(answer.count) < 2 or request.operation == "select":
        return False
    answer.count = [sum(answer.count)]
    return None


@answer_fault("missing-count", "operations", "the count is left out (v1 header, v2 CBOR key)")
def _missing_count(answer: Answer, request: Request) -> None:
    answer.omit |= {"count", "count_as_bytes"}


@answer_fault("missing-shape", "operations", "the shape is left out (v1 header, v2 CBOR key)")
def _missing_shape(answer: Answer, request: Request) -> None:
    answer.omit |= {"shape", "shape_as_bytes"}


@answer_fault(
    "missing-byte-order", "operations", "the byte order is left out (v1 header, v2 CBOR key)"
)
def _missing_byte_order(answer: Answer, request: Request) -> None:
    answer.omit.add("byte_order")


@answer_fault("truncated-bytes", "operations", "the result loses its last byte")
def _truncated(answer: Answer, request: Request) -> None | Literal[False]:
    if not answer.data:
        return False
    answer.data = answer.data[:-1]
    return None


@answer_fault("extra-bytes", "operations", "the result carries one extra zero element")
def _extra_bytes(answer: Answer, request: Request) -> None:
    answer.data += bytes(answer.numpy_dtype.itemsize)


@answer_fault(
    "select-f-order-as-c", "selection or operations", "select with order F answers in C order"
)
def _select_c_order(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json() or {}
    if request.operation != "select" or body.get("order") != "F" or len(answer.shape) < 2:
        return False
    values = answer.values()
    if values.size != int(np.prod(answer.shape)):
        return False
    answer.set_values(values.reshape(answer.shape, order="F").ravel(order="C"))
    return None


@answer_fault(
    "empty-sentinel-wrong",
    "missing or axis or selection",
    "min/max of an empty cell is +-inf (floats) or 0 (integers), not the dtype's extreme",
)
def _empty_sentinel(answer: Answer, request: Request) -> None | Literal[False]:
    values = answer.values()
    if request.operation not in ("min", "max") or len(answer.count) != values.size:
        return False
    empty = np.asarray(answer.count) == 0
    if not empty.any():
        return False
    if values.dtype.kind == "f":
        values[empty] = np.inf if request.operation == "min" else -np.inf
    else:
        values[empty] = 0
    answer.set_values(values)
    return None


@answer_fault(
    "empty-min-max-error",
    "missing or axis or selection",
    "min/max with no valid data answers 400 instead of the sentinel (as releases <= 0.9 did)",
)
def _empty_error(answer: Answer, request: Request) -> Response | Literal[False]:
    if request.operation not in ("min", "max") or not answer.count or any(answer.count):
        return False
    return error_response(
        400, f"cannot perform {request.operation} on empty array or selection", []
    )


@answer_fault(
    "as-bytes-wrong-endian",
    "options",
    "shape_as_bytes/count_as_bytes are encoded in the other byte order",
    apis=("v2",),
)
def _as_bytes_endian(answer: Answer, request: Request) -> None | Literal[False]:
    if not (answer.shape_as_bytes or answer.count_as_bytes):
        return False
    answer.as_bytes_order = _swap_order(answer.byte_order)
    return None


@fault(
    "as-bytes-unrequested",
    "response",
    "options",
    "shape_as_bytes/count_as_bytes are filled even when not requested",
    apis=("v2",),
)
def _as_bytes_unrequested(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.api != "v2" or not request.is_reduction or response.status != 200:
        return response
    answer = Answer.decode("v2", response)
    if answer is None or answer.shape_as_bytes or answer.count_as_bytes:
        return response
    payload = cbor2.loads(response.body)
    words = answer.byte_order
    payload["shape_as_bytes"] = pack_ints(answer.shape, words, False)
    payload["count_as_bytes"] = pack_ints(answer.count, words, True)
    return response.replace(body=cbor2.dumps(payload))


@fault(
    "wrong-content-type",
    "response",
    "operations",
    "results are labelled with the other API's content type",
)
def _wrong_content_type(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if not request.is_reduction or response.status != 200:
        return response
    other = CONTENT_TYPES["v1" if request.api == "v2" else "v2"]
    return response.replace(headers={**response.headers, "content-type": other})


@fault(
    "drop-connection-on-empty",
    "response",
    "missing or selection or axis",
    "an empty selection or all-missing data crashes the request (connection dropped)",
)
def _drop_on_empty(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    api = request.api
    if not request.is_reduction or api is None or response.status != 200:
        return response
    answer = Answer.decode(api, response)
    if answer is not None and answer.count and not any(answer.count):
        return None
    return response


@fault(
    "drop-connection-large",
    "response",
    "edge",
    "results over 1 MiB crash the request (connection dropped)",
)
def _drop_large(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    if request.is_reduction and response.status == 200 and len(response.body) > 1 << 20:
        return None
    return response


# --- response framing: what a decoding client takes on trust (spec section 4) --------------------

FramingEdit = Callable[[Response, Request], Response]


def framing_fault(
    name: str, description: str, apis: tuple[str, ...] = ("v1", "v2")
) -> Callable[[FramingEdit], FramingEdit]:
    """Register a change of a successful answer's bytes or headers, its fields left as they are."""

    def register(edit: FramingEdit) -> FramingEdit:
        def play(request: Request, forward: Forward, context: Context) -> Outcome:
            response = forward(request)
            if not request.is_reduction or request.api is None or response.status != 200:
                return response
            return edit(response, request)

        _register(name, "response", "operations", description, play, apis)
        return edit

    return register


def _cbor_head(major: int, argument: int) -> bytes:
    """A CBOR head: the unsigned-integer encoding of ``argument`` with another major type."""
    head = bytearray(cbor2.dumps(argument))
    head[0] |= major << 5
    return bytes(head)


@framing_fault(
    "trailing-newline", "a newline follows the answer body (after the CBOR map; after v1's bytes)"
)
def _trailing_newline(response: Response, request: Request) -> Response:
    return response.replace(body=response.body + b"\n")


@framing_fault(
    "cbor-self-describe-tag",
    "the CBOR map is wrapped in the self-describe tag 55799, which lenient decoders strip",
    apis=("v2",),
)
def _self_describe_tag(response: Response, request: Request) -> Response:
    return response.replace(body=_cbor_head(6, 55799) + response.body)


@framing_fault(
    "cbor-duplicate-key",
    "the CBOR map repeats its last key (same value), as a hand-rolled encoder might",
    apis=("v2",),
)
def _duplicate_key(response: Response, request: Request) -> Response:
    payload = cbor2.loads(response.body)
    if not isinstance(payload, dict) or not payload:
        return response
    pairs = [cbor2.dumps(k) + cbor2.dumps(v) for k, v in payload.items()]
    body = _cbor_head(5, len(pairs) + 1) + b"".join(pairs) + pairs[-1]
    return response.replace(body=body)


@answer_fault(
    "cbor-extra-key", "operations", "the CBOR map carries a key the spec has not", apis=("v2",)
)
def _extra_key(answer: Answer, request: Request) -> None:
    answer.extra["version"] = "0.13.1"


@framing_fault("numbers-as-floats", "shape and count numbers are sent as floats (2.0, not 2)")
def _numbers_as_floats(response: Response, request: Request) -> Response:
    if request.api == "v1":
        headers = dict(response.headers)
        for name in ("x-activestorage-shape", "x-activestorage-count"):
            value = json.loads(headers.get(name, "null"))
            if isinstance(value, (int, list)):
                headers[name] = json.dumps(np.asarray(value, dtype=float).tolist())
        return response.replace(headers=headers)
    payload = cbor2.loads(response.body)
    for key in ("shape", "count"):
        if isinstance(payload.get(key), list):
            payload[key] = [float(v) for v in payload[key]]
    return response.replace(body=cbor2.dumps(payload))


@framing_fault(
    "content-type-charset", "the content type carries a charset: 'application/cbor; charset=utf-8'"
)
def _content_type_charset(response: Response, request: Request) -> Response:
    content_type = f"{response.headers.get('content-type', '')}; charset=utf-8"
    return response.replace(headers={**response.headers, "content-type": content_type})


@framing_fault(
    "v1-headers-in-v2",
    "v2 answers also carry the v1 x-activestorage-* headers (a half-finished migration)",
    apis=("v2",),
)
def _v1_headers_in_v2(response: Response, request: Request) -> Response:
    answer = Answer.decode("v2", response)
    if answer is None:
        return response
    v1_form = dataclasses.replace(answer, api="v1").encode(Response(200, {}, b""))
    return response.replace(headers={**response.headers, **v1_form.headers})


# === error side ==================================================================================


@error_fault("error-status-500", "errors or auth", "client errors (4xx) are answered 500")
def _status_500(response: Response, request: Request) -> Outcome:
    return response.replace(status=500) if response.status < 500 else response


@error_fault("auth-error-as-403", "auth", "refused credentials are answered 403, not 401")
def _auth_403(response: Response, request: Request) -> Outcome:
    return response.replace(status=403) if response.status == 401 else response


@error_fault("not-found-as-400", "errors", "an unknown operation is answered 400, not 404")
def _not_found_400(response: Response, request: Request) -> Outcome:
    return response.replace(status=400) if response.status == 404 else response


@error_fault("bad-request-as-422", "errors", "invalid requests are answered 422, not 400")
def _bad_request_422(response: Response, request: Request) -> Outcome:
    return response.replace(status=422) if response.status == 400 else response


@error_fault(
    "http-upstream-status-leaked",
    "http",
    "HTTP-store refusals are passed on as 401/404 instead of 400 'HTTP request error'",
    apis=("v2",),
)
def _http_status_leaked(response: Response, request: Request) -> Outcome:
    if response.status == 400 and "HTTP request error" in _error_text(response):
        return response.replace(status=404 if "authorization" in request.headers else 401)
    return response


@error_fault(
    "missing-object-as-404",
    "errors",
    "a missing S3 object or bucket is answered 404, not 400",
)
def _missing_object_404(response: Response, request: Request) -> Outcome:
    text = _error_text(response)
    if response.status == 400 and ("NoSuchKey" in text or "NoSuchBucket" in text):
        return response.replace(status=404)
    return response


@error_fault(
    "error-as-empty-200", "errors or auth", "errors are answered 200 with an empty result body"
)
def _error_as_200(response: Response, request: Request) -> Outcome:
    api = request.api or "v2"
    return Response(200, {"content-type": CONTENT_TYPES[api]}, b"")


@error_fault("error-plain-text", "errors", "error bodies are plain text, not JSON")
def _error_plain_text(response: Response, request: Request) -> Outcome:
    text = _error_text(response)
    return Response(response.status, {"content-type": "text/plain; charset=utf-8"}, text.encode())


@error_fault(
    "error-json-as-text", "errors", "JSON error bodies are labelled Content-Type text/plain"
)
def _error_json_as_text(response: Response, request: Request) -> Outcome:
    return response.replace(headers={**response.headers, "content-type": "text/plain"})


@error_fault("error-empty-message", "errors", "error messages are empty strings")
def _error_empty_message(response: Response, request: Request) -> Outcome:
    return _edit_error(response, lambda error: error.update(message=""))


@error_fault("error-without-causes", "errors", "the caused_by chain is left out")
def _error_without_causes(response: Response, request: Request) -> Outcome:
    return _edit_error(response, lambda error: error.pop("caused_by", None))


@error_fault("error-generic-message", "errors", "every error message is the generic 'Bad Request'")
def _error_generic(response: Response, request: Request) -> Outcome:
    return _edit_error(response, lambda error: error.update(message="Bad Request"))


@error_fault(
    "error-fastapi-shape", "errors", "errors use the prototype's {'detail': ...} body shape"
)
def _error_fastapi(response: Response, request: Request) -> Outcome:
    if response.error_json() is None:
        return response
    return json_response(response.status, {"detail": _error_text(response)}, pretty=False)


@error_fault(
    "unknown-operation-empty-404",
    "errors",
    "an unknown operation gets a bare 404 without a JSON body (router default)",
)
def _unknown_op_bare(response: Response, request: Request) -> Outcome:
    return Response(404, {}, b"") if response.status == 404 else response


@error_fault(
    "drop-connection-on-error", "errors or auth", "errors crash the request (connection dropped)"
)
def _drop_on_error(response: Response, request: Request) -> Outcome:
    return None


# --- lookup --------------------------------------------------------------------------------------

CATALOG: dict[str, Fault] = {f.name: f for f in [NONE, *FAULTS]}


def get(name: str) -> Fault:
    try:
        return CATALOG[name]
    except KeyError:
        raise KeyError(f"unknown fault {name!r}; `--list` shows the {len(FAULTS)} faults") from None
