"""Hand-built server answers for the meta-tests of the checks (tests/test_checks*.py).

Each builder makes a correct answer, changed only where a test says, so a test can require that
exactly the one change is reported.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

import cbor2
import numpy as np

from compliance.client import HttpExchange, Result, parse_response
from compliance.oracle import Expected
from compliance.profiles import BUILTIN_PROFILES

V2 = BUILTIN_PROFILES["reductionist-0.13"]
V1 = BUILTIN_PROFILES["reductionist-0.11"]
V1_INT_COUNT = BUILTIN_PROFILES["reductionist-0.9"]
PROTOTYPE = BUILTIN_PROFILES["prototype"]

# sum over axis 1 of [[1, 2, 3], [4, 5, 6]] as int32, and its counts
EXPECTED = Expected(np.array([6, 15], dtype=np.int32), "int32", (2,), (3, 3))
GOOD_BYTES = np.array([6, 15], dtype="<i4").tobytes()


def exchange(status: int | None, headers: Mapping[str, str], content: bytes) -> HttpExchange:
    return HttpExchange(
        "http://127.0.0.1:8080/v2/sum",
        b'{"dtype": "int32", "axis": 1}',
        "application/json",
        ("user", "secret-password"),
        None,
        status,
        dict(headers),
        content,
        None if status is not None else "ReadTimeout: timed out after 30 s",
    )


def v2_answer(
    drop: tuple[str, ...] = (), content_type: str = "application/cbor", **changes: Any
) -> Result:
    payload: dict[str, Any] = {
        "bytes": GOOD_BYTES,
        "dtype": "int32",
        "shape": [2],
        "shape_as_bytes": b"",
        "count": [3, 3],
        "count_as_bytes": b"",
        "byte_order": "little",
    }
    payload.update(changes)
    for key in drop:
        del payload[key]
    return parse_response("v2", exchange(200, {"content-type": content_type}, cbor2.dumps(payload)))


def v1_answer(content: bytes = GOOD_BYTES, **changes: str | None) -> Result:
    headers: dict[str, str | None] = {
        "content-type": "application/octet-stream",
        "content-length": str(len(content)),
        "x-activestorage-dtype": "int32",
        "x-activestorage-shape": "[2]",
        "x-activestorage-count": "[3,3]",
        "x-activestorage-byte-order": "little",
    }
    headers.update({k.replace("_", "-"): v for k, v in changes.items()})
    present = {k: v for k, v in headers.items() if v is not None}
    return parse_response("v1", exchange(200, present, content))


def only_difference(diffs: list[str], *words: str) -> None:
    assert len(diffs) == 1, diffs
    for word in words:
        assert word in diffs[0], diffs


def v2_raw(content: bytes, **headers: str) -> Result:
    """A v2 answer from raw body bytes; header names with underscores for dashes."""
    named = {"content-type": "application/cbor"} | {
        k.replace("_", "-"): v for k, v in headers.items()
    }
    return parse_response("v2", exchange(200, named, content))


GOOD_PAYLOAD = cbor2.loads(cbor2.dumps(v2_answer().payload))

GOOD_ERROR = {
    "error": {
        "message": "request data is not valid",
        "caused_by": ["Failed to deserialize the JSON body", "dtype: unknown variant `int8`"],
    }
}


def error_answer(
    status: int | None = 400,
    body: Any = GOOD_ERROR,
    content_type: str = "application/json",
) -> Result:
    content = body if isinstance(body, bytes) else json.dumps(body, indent=2).encode()
    return parse_response("v2", exchange(status, {"content-type": content_type}, content))
