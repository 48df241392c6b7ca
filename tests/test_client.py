"""Request building and response parsing for every known response variant (docs/spec.md#responses,
#errors-body).

Responses are made by hand: v1 bodies plus ``x-activestorage-*`` headers as 0.2-0.11 and the
prototype send them, v2 CBOR maps as 0.12, 0.13.0 and 0.13.1 send them.
"""

from __future__ import annotations

import json
from typing import Any

import cbor2
import numpy as np
import pytest
import requests

from compliance.client import (
    GIVE_UP_AFTER,
    AnswerTracker,
    ObjectRef,
    build_body,
)

from .client_answers import BASE_V2, FIELDS, HTTP_REF, INT32_123, S3_REF, v1, v2

# --- request bodies -------------------------------------------------------------------------------


def test_v1_body_names_source_bucket_object() -> None:
    body = build_body("v1", S3_REF, FIELDS)
    assert body == {
        "source": "http://127.0.0.1:9000",
        "bucket": "bucket",
        "object": "run/abc123",
        **FIELDS,
    }
    assert "url" not in body and "interface_type" not in body


def test_v2_body_names_interface_type_and_url() -> None:
    body = build_body("v2", S3_REF, FIELDS)
    assert body == {
        "interface_type": "s3",
        "url": "http://127.0.0.1:9000/bucket/run/abc123",
        **FIELDS,
    }
    http = build_body("v2", HTTP_REF, {"dtype": "int64"})
    assert http == {
        "interface_type": "http",
        "url": "http://127.0.0.1:8000/private/run/abc123",
        "dtype": "int64",
    }


def test_http_object_without_bucket_has_no_empty_path_segment() -> None:
    assert ObjectRef("http", "http://h:8000", "", "k").url == "http://h:8000/k"


def test_v1_cannot_read_from_http() -> None:
    with pytest.raises(ValueError, match="S3 only"):
        build_body("v1", HTTP_REF, FIELDS)


def test_body_is_json_serialisable_and_fields_are_not_mutated() -> None:
    fields = dict(FIELDS)
    body = build_body("v2", S3_REF, fields)
    assert json.loads(json.dumps(body)) == body
    assert fields == FIELDS


# --- v1 responses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count_header, count",
    [
        pytest.param("3", (3,), id="integer-0.2-to-0.9"),
        pytest.param("[3]", (3,), id="list-0.11"),
        pytest.param("[2,0,5]", (2, 0, 5), id="list-per-cell-0.11"),
        pytest.param(None, None, id="absent-prototype"),
    ],
)
def test_v1_count_header_variants(count_header: str | None, count: tuple[int, ...] | None) -> None:
    headers = {"x_activestorage_dtype": "int32", "x_activestorage_shape": "[3]"}
    if count_header is not None:
        headers["x_activestorage_count"] = count_header
    result = v1(INT32_123, **headers)
    assert result.count == count
    assert result.parse_problems == []


@pytest.mark.parametrize("text, shape", [("[]", ()), ("[3]", (3,)), ("[2,3]", (2, 3))])
def test_v1_shape_header(text: str, shape: tuple[int, ...]) -> None:
    result = v1(b"", x_activestorage_dtype="int64", x_activestorage_shape=text)
    assert result.shape == shape


def test_v1_full_answer() -> None:
    result = v1(
        INT32_123,
        x_activestorage_dtype="int32",
        x_activestorage_shape="[3]",
        x_activestorage_count="[3]",
        x_activestorage_byte_order="little",
    )
    assert (result.status, result.dtype, result.shape, result.count) == (200, "int32", (3,), (3,))
    assert result.byte_order == "little"
    assert result.content_type == "application/octet-stream"
    assert result.data == INT32_123
    assert result.values().tolist() == [1, 2, 3]
    assert result.cbor_keys == ()


def test_v1_without_byte_order_header() -> None:
    result = v1(INT32_123, x_activestorage_dtype="int32", x_activestorage_shape="[3]")
    assert result.byte_order is None


def test_v1_malformed_header_is_a_parse_problem_not_an_exception() -> None:
    result = v1(INT32_123, x_activestorage_dtype="int32", x_activestorage_shape="(3,)")
    assert result.shape is None
    assert any("x-activestorage-shape" in p for p in result.parse_problems)


# --- v2 responses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="0.12-and-0.13.0-five-keys"),  # 0.13.0 omits empty *_as_bytes
        pytest.param({"shape_as_bytes": b"", "count_as_bytes": b""}, id="0.13.1-always-present"),
    ],
)
def test_v2_versions_parse_alike(extra: dict[str, Any]) -> None:
    result = v2({**BASE_V2, **extra})
    assert result.parse_problems == []
    assert (result.dtype, result.shape, result.count) == ("int32", (3,), (3,))
    assert result.byte_order == "little"
    assert result.values().tolist() == [1, 2, 3]
    assert set(result.cbor_keys) == set(BASE_V2) | set(extra)
    assert result.payload == {**BASE_V2, **extra}


def test_v2_keys_recorded_in_order() -> None:
    result = v2({**BASE_V2, "shape_as_bytes": b"", "count_as_bytes": b""})
    assert result.cbor_keys == (
        "bytes",
        "dtype",
        "shape",
        "count",
        "byte_order",
        "shape_as_bytes",
        "count_as_bytes",
    )


@pytest.mark.parametrize("byte_order, code", [("little", "<"), ("big", ">")])
def test_v2_shape_and_count_as_bytes(byte_order: str, code: str) -> None:
    """0.13 with option_*_as_bytes: shape/count empty, 8-byte ints in the server's order."""
    values = np.array([[1, 2, 3], [4, 5, 6]], dtype=code + "i8")
    payload = {
        "bytes": values.tobytes(),
        "dtype": "int64",
        "shape": [],
        "shape_as_bytes": np.array([2, 3], dtype=code + "u8").tobytes(),
        "count": [],
        "count_as_bytes": np.array([1, -1, 2**40, 0, 5, 6], dtype=code + "i8").tobytes(),
        "byte_order": byte_order,
    }
    result = v2(payload)
    assert result.parse_problems == []
    assert result.shape == (2, 3)
    assert result.count == (1, -1, 2**40, 0, 5, 6)
    assert result.values().tolist() == [[1, 2, 3], [4, 5, 6]]


def test_v2_shape_as_bytes_is_unsigned() -> None:
    blob = (2**63 + 1).to_bytes(8, "little")
    result = v2({**BASE_V2, "shape": [], "shape_as_bytes": blob})
    assert result.shape == (2**63 + 1,)


def test_v2_scalar_result() -> None:
    result = v2({**BASE_V2, "bytes": (6).to_bytes(4, "little"), "shape": []})
    assert result.shape == ()
    assert result.values().tolist() == 6


def test_v2_ragged_as_bytes_blob_is_a_parse_problem() -> None:
    result = v2({**BASE_V2, "count": [], "count_as_bytes": b"\x01\x02\x03"})
    assert any("8-byte" in p for p in result.parse_problems)


@pytest.mark.parametrize(
    "content, problem",
    [
        pytest.param(b"\xff\xff\x00", "not CBOR", id="malformed"),
        pytest.param(b"", "not CBOR", id="empty"),
        pytest.param(cbor2.dumps([1, 2, 3]), "not a map", id="array-not-map"),
        pytest.param(json.dumps(BASE_V2 | {"bytes": ""}).encode(), "CBOR", id="json-body"),
    ],
)
def test_v2_bad_bodies_are_parse_problems(content: bytes, problem: str) -> None:
    result = v2(content)
    assert result.status == 200
    assert any(problem in p for p in result.parse_problems), result.parse_problems
    assert result.dtype is None and result.shape is None and result.count is None


@pytest.mark.parametrize(
    "error,counts",
    [
        (TimeoutError("timed out"), True),
        (requests.exceptions.ReadTimeout("read timed out"), True),  # the field's client's
        (ConnectionRefusedError(111, "Connection refused"), True),
        (requests.exceptions.ConnectionError("Connection refused"), True),
        (ValueError("a bad answer"), False),
    ],
)
def test_a_timeout_or_refusal_counts_as_no_answer(error: Exception, counts: bool) -> None:
    """From the suite's transport and from requests alike (compliance.client._timeouts)."""
    tracker = AnswerTracker()
    for _ in range(GIVE_UP_AFTER):
        tracker.note_error("http://127.0.0.1:1/v2/sum", error, 5.0)
    assert (tracker.stopped_answering() is not None) is counts
