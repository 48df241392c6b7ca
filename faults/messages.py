"""HTTP messages as the fault proxy sees them, and a successful answer in v1 or v2 framing.

A fault works on plain values: a ``Request`` (method, path, lower-case headers, body bytes) and a
``Response`` (status, lower-case headers, body bytes). ``Answer`` decodes a successful reduction
answer of either API generation into its fields (result bytes, dtype, shape, count, byte order),
lets a fault change them, and encodes them back in the framing they arrived in: v1 raw bytes plus
``x-activestorage-*`` headers, v2 a CBOR map that keeps its key order and its ``*_as_bytes`` form.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import cbor2
import numpy as np

OPERATIONS = ("count", "max", "min", "select", "sum")
APIS = ("v1", "v2")
V1_HEADERS = {
    "dtype": "x-activestorage-dtype",
    "shape": "x-activestorage-shape",
    "count": "x-activestorage-count",
    "byte_order": "x-activestorage-byte-order",
}
CONTENT_TYPES = {"v1": "application/octet-stream", "v2": "application/cbor"}


@dataclass(frozen=True)
class Request:
    """One request as the client sent it; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def _segments(self) -> list[str]:
        return [s for s in self.path.split("?")[0].split("/") if s]

    @property
    def api(self) -> str | None:
        """``v1`` or ``v2`` for a POST to ``/v1/...`` or ``/v2/...``; None for anything else."""
        segments = self._segments()
        if self.method != "POST" or not segments or segments[0] not in APIS:
            return None
        return segments[0]

    @property
    def operation(self) -> str | None:
        """The ``{op}`` of ``POST /vN/{op}`` (any name, known or not), or None."""
        segments = self._segments()
        if self.api is None or len(segments) != 2:
            return None
        return segments[1]

    @property
    def is_reduction(self) -> bool:
        """A POST to one of the five known operations: what faults act on."""
        return self.operation in OPERATIONS

    def json(self) -> dict[str, Any] | None:
        """The body as a JSON object, or None when it is not one."""
        try:
            value = json.loads(self.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def with_json(self, body: dict[str, Any]) -> "Request":
        return dataclasses.replace(self, body=json.dumps(body).encode())

    def with_path(self, path: str) -> "Request":
        return dataclasses.replace(self, path=path)

    def with_headers(self, **changes: str | None) -> "Request":
        """Set headers (name with ``_`` for ``-``), or remove them with None."""
        headers = dict(self.headers)
        for name, value in changes.items():
            key = name.replace("_", "-").lower()
            if value is None:
                headers.pop(key, None)
            else:
                headers[key] = value
        return dataclasses.replace(self, headers=headers)


@dataclass(frozen=True)
class Response:
    """One answer; header names are lower-case; Content-Length is set by whoever sends it."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def error_json(self) -> dict[str, Any] | None:
        """The body of a JSON error answer, or None."""
        if self.status < 400:
            return None
        try:
            value = json.loads(self.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def replace(self, **changes: Any) -> "Response":
        return dataclasses.replace(self, **changes)


def json_response(status: int, value: Any, pretty: bool = True) -> Response:
    """A JSON answer in Reductionist's style (pretty-printed)."""
    text = json.dumps(value, indent=2 if pretty else None)
    return Response(status, {"content-type": "application/json"}, text.encode())


def error_response(status: int, message: str, causes: list[str] | None = None) -> Response:
    """An error answer of Reductionist's shape: ``{"error": {"message", "caused_by"?}}``."""
    error: dict[str, Any] = {"message": message}
    if causes:
        error["caused_by"] = causes
    return json_response(status, {"error": error})


def pack_ints(values: list[int], byte_order: str, signed: bool) -> bytes:
    """Integers as consecutive 8-byte words (the v2 ``*_as_bytes`` encoding)."""
    dt = np.dtype(("<" if byte_order == "little" else ">") + ("i8" if signed else "u8"))
    return np.asarray(values, dtype=dt).tobytes()


def unpack_ints(blob: bytes, byte_order: str, signed: bool) -> list[int]:
    dt = np.dtype(("<" if byte_order == "little" else ">") + ("i8" if signed else "u8"))
    return [int(v) for v in np.frombuffer(blob, dtype=dt)]


@dataclass
class Answer:
    """The fields of a successful answer, and how they were framed, for faults to change.

    ``omit`` names fields (``bytes``, ``dtype``, ``shape``, ``count``, ``byte_order``, or a v2
    key such as ``shape_as_bytes``) to leave out when encoding.
    """

    api: str
    data: bytes
    dtype: str
    shape: list[int]
    count: list[int]
    byte_order: str
    shape_as_bytes: bool = False  # v2: the shape travels in shape_as_bytes
    count_as_bytes: bool = False  # v2: the count travels in count_as_bytes
    count_scalar: bool = False  # v1: the count header was a bare integer (releases <= 0.9)
    as_bytes_order: str | None = None  # order of the *_as_bytes words; None: byte_order
    extra: dict[str, Any] = field(default_factory=dict)  # v2 map: other keys, for key order
    omit: set[str] = field(default_factory=set)

    # --- decoding and encoding -----------------------------------------------------------------

    @classmethod
    def decode(cls, api: str, response: Response) -> "Answer | None":
        """The answer in a 200 response, or None when it cannot be read (left alone then)."""
        if response.status != 200:
            return None
        if api == "v1":
            return cls._decode_v1(response)
        return cls._decode_v2(response)

    @classmethod
    def _decode_v1(cls, response: Response) -> "Answer | None":
        headers = response.headers
        try:
            dtype = headers[V1_HEADERS["dtype"]]
            shape = json.loads(headers[V1_HEADERS["shape"]])
            count_text = headers.get(V1_HEADERS["count"])
            count: Any = json.loads(count_text) if count_text is not None else []
        except (KeyError, ValueError):
            return None
        scalar = isinstance(count, int)
        if not isinstance(shape, list) or not (scalar or isinstance(count, list)):
            return None
        return cls(
            "v1",
            response.body,
            dtype,
            list(shape),
            [count] if scalar else list(count),
            headers.get(V1_HEADERS["byte_order"], "little"),
            count_scalar=scalar,
            omit=set() if count_text is not None else {"count"},
        )

    @classmethod
    def _decode_v2(cls, response: Response) -> "Answer | None":
        try:
            payload = cbor2.loads(response.body)
        except Exception:  # cbor2 raises several types for malformed input
            return None
        if not isinstance(payload, dict) or not {"bytes", "dtype"} <= set(payload):
            return None
        byte_order = str(payload.get("byte_order", "little"))
        shape_blob = payload.get("shape_as_bytes") or b""
        count_blob = payload.get("count_as_bytes") or b""
        shape = unpack_ints(shape_blob, byte_order, False) if shape_blob else payload.get("shape")
        count = unpack_ints(count_blob, byte_order, True) if count_blob else payload.get("count")
        return cls(
            "v2",
            bytes(payload["bytes"]),
            str(payload["dtype"]),
            list(shape or []),
            list(count or []),
            byte_order,
            shape_as_bytes=bool(shape_blob),
            count_as_bytes=bool(count_blob),
            extra=dict(payload),
        )

    def encode(self, response: Response) -> Response:
        """``response`` with this answer in place of the one it carried."""
        if self.api == "v1":
            return self._encode_v1(response)
        return self._encode_v2(response)

    def _encode_v1(self, response: Response) -> Response:
        headers = dict(response.headers)
        count: Any = self.count[0] if self.count_scalar and len(self.count) == 1 else self.count
        values = {
            "dtype": self.dtype,
            "shape": json.dumps(self.shape, separators=(",", ":")),
            "count": json.dumps(count, separators=(",", ":")),
            "byte_order": self.byte_order,
        }
        for name, header in V1_HEADERS.items():
            if name in self.omit:
                headers.pop(header, None)
            else:
                headers[header] = values[name]
        body = b"" if "bytes" in self.omit else self.data
        return response.replace(headers=headers, body=body)

    def _encode_v2(self, response: Response) -> Response:
        words = self.as_bytes_order or self.byte_order
        payload = dict(self.extra)
        payload["bytes"] = self.data
        payload["dtype"] = self.dtype
        payload["shape"] = [] if self.shape_as_bytes else list(self.shape)
        if self.shape_as_bytes or "shape_as_bytes" in payload:
            packed = pack_ints(self.shape, words, False)
            payload["shape_as_bytes"] = packed if self.shape_as_bytes else b""
        payload["count"] = [] if self.count_as_bytes else list(self.count)
        if self.count_as_bytes or "count_as_bytes" in payload:
            packed = pack_ints(self.count, words, True)
            payload["count_as_bytes"] = packed if self.count_as_bytes else b""
        payload["byte_order"] = self.byte_order
        for name in self.omit:
            payload.pop(name, None)
        return response.replace(body=cbor2.dumps(payload))

    # --- the result values -----------------------------------------------------------------------

    @property
    def numpy_dtype(self) -> np.dtype:
        """The declared dtype in the declared byte order."""
        return np.dtype(self.dtype).newbyteorder("<" if self.byte_order == "little" else ">")

    def values(self) -> np.ndarray:
        """The result elements in body order, as declared (a copy, safe to change)."""
        dt = self.numpy_dtype
        usable = len(self.data) - len(self.data) % dt.itemsize
        return np.frombuffer(self.data[:usable], dtype=dt).copy()

    def set_values(self, values: np.ndarray, dtype: str | None = None) -> None:
        """Replace the elements (and optionally the dtype), in the declared byte order."""
        if dtype is not None:
            self.dtype = dtype
        self.data = np.asarray(values).astype(self.numpy_dtype).tobytes()
