"""Raw answers for the client's unit tests (tests/test_client*.py), built by hand."""

from __future__ import annotations

from typing import Any, Mapping

import cbor2
import numpy as np

from compliance.client import (
    HttpExchange,
    ObjectRef,
    Result,
    parse_response,
)

S3_REF = ObjectRef("s3", "http://127.0.0.1:9000", "bucket", "run/abc123")
HTTP_REF = ObjectRef("http", "http://127.0.0.1:8000", "private", "run/abc123")
FIELDS = {"dtype": "int32", "shape": [2, 3], "selection": [[0, 2, 1], [0, 3, 1]]}
INT32_123 = np.array([1, 2, 3], dtype="<i4").tobytes()


def exchange(
    status: int | None = 200,
    headers: Mapping[str, str] | None = None,
    content: bytes = b"",
    auth: tuple[str, str] | None = ("user", "s3cr3t-pass"),
    body: bytes = b'{"dtype": "int32"}',
) -> HttpExchange:
    return HttpExchange(
        "http://127.0.0.1:8080/v2/sum",
        body,
        "application/json",
        auth,
        None,
        status,
        dict(headers or {}),
        content,
        None if status is not None else "ConnectionError: reset",
    )


def v1(content: bytes, **headers: str) -> Result:
    """A v1 answer; header names given with underscores, e.g. x_activestorage_dtype."""
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    named.setdefault("content-type", "application/octet-stream")
    named.setdefault("content-length", str(len(content)))
    return parse_response("v1", exchange(headers=named, content=content))


def v2(payload: Any, status: int = 200) -> Result:
    content = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    return parse_response(
        "v2", exchange(status, {"content-type": "application/cbor"}, content=content)
    )


BASE_V2 = {"bytes": INT32_123, "dtype": "int32", "shape": [3], "count": [3], "byte_order": "little"}
BASE_V2_ANY: dict[Any, Any] = dict(BASE_V2)  # for maps with keys that are not text
