"""The client's framing checks: CBOR well-formedness, value types, Content-Length, headers."""

from __future__ import annotations

import dataclasses
import gzip
from typing import Any

import cbor2
import pytest

from compliance.client import (
    parse_response,
)

from .client_answers import BASE_V2, BASE_V2_ANY, INT32_123, exchange, v1, v2


@pytest.mark.parametrize(
    "content, problem",
    [
        pytest.param(cbor2.dumps(BASE_V2) + b"\n", "1 byte(s) after the one CBOR", id="newline"),
        pytest.param(cbor2.dumps(BASE_V2) * 2, "byte(s) after the one CBOR", id="two-items"),
        pytest.param(
            cbor2.dumps(cbor2.CBORTag(55799, BASE_V2)), "CBOR tag 55799 at byte 0", id="self-tag"
        ),
        pytest.param(
            cbor2.dumps({**BASE_V2, "count": [cbor2.CBORTag(2, b"\x03")]}),
            "CBOR tag 2",
            id="bignum",
        ),
        pytest.param(cbor2.dumps(BASE_V2_ANY | {1: 2}), "CBOR map key 1 is not text", id="int-key"),
        pytest.param(
            cbor2.dumps(BASE_V2_ANY | {b"k": 2}), "CBOR map key b'k' is not text", id="bytes-key"
        ),
    ],
)
def test_v2_framing_problems(content: bytes, problem: str) -> None:
    result = v2(content)
    assert [p for p in result.parse_problems if problem in p], result.parse_problems


def test_v2_duplicate_key_is_a_problem_though_cbor2_keeps_the_last() -> None:
    body = cbor2.dumps(BASE_V2)
    twice = bytes([body[0] + 1]) + body[1:] + cbor2.dumps("count") + cbor2.dumps([3])
    result = v2(twice)
    assert result.parse_problems == ["CBOR map key 'count' appears twice"]
    assert result.count == (3,)


def test_v2_self_described_map_still_parses() -> None:
    """cbor2 gives a frozendict (tuples inside) for a tagged map: the fields come out alike."""
    result = v2(cbor2.dumps(cbor2.CBORTag(55799, BASE_V2)))
    assert result.parse_problems == ["CBOR tag 55799 at byte 0"]
    assert (result.shape, result.count, result.dtype) == ((3,), (3,), "int32")


def test_v2_indefinite_lengths_are_well_formed() -> None:
    pairs = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in BASE_V2.items())
    result = v2(b"\xbf" + pairs.replace(b"\x63int32", b"\x7f\x62in\x63t32\xff") + b"\xff")
    assert result.parse_problems == []
    assert result.dtype == "int32" and result.values().tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xbf\x61a\x01", id="indefinite-map-without-break"),
        pytest.param(b"\x5f\x41a\x61b\xff", id="text-chunk-in-a-byte-string"),
        pytest.param(b"\x9f" * 3000, id="nested-too-deep"),
        pytest.param(b"\x1c", id="reserved-additional-information"),
        pytest.param(b"\x5a\x00\x00\x01\x00", id="string-past-the-end"),
        pytest.param(b"\xf8\x01", id="two-byte-simple-value-under-32"),
        pytest.param(b"\x81", id="array-without-its-item"),
    ],
)
def test_v2_malformed_cbor_is_a_problem_not_an_exception(content: bytes) -> None:
    result = v2(content)
    assert len(result.parse_problems) == 1, result.parse_problems
    assert result.parse_problems[0].startswith("body is not CBOR: ")
    assert result.payload is None


@pytest.mark.parametrize(
    "changes, problem",
    [
        pytest.param({"shape": [3.0]}, "CBOR shape [3.0] is not a list of non-negative", id="f"),
        pytest.param({"shape": [-3]}, "CBOR shape [-3] is not a list of non-negative", id="neg"),
        pytest.param({"shape": "3"}, "CBOR shape '3' is not a list", id="text-shape"),
        pytest.param({"count": [False]}, "CBOR count [False] is not a list of integers", id="b"),
        pytest.param({"count": None}, "CBOR count None is not a list of integers", id="null"),
        pytest.param({"bytes": [1, 2]}, "CBOR bytes is a list, not a byte string", id="bytes"),
        pytest.param(
            {"shape_as_bytes": [3]}, "CBOR shape_as_bytes is a list, not a byte string", id="sab"
        ),
        pytest.param(
            {"count_as_bytes": "x"}, "CBOR count_as_bytes is a str, not a byte string", id="cab"
        ),
    ],
)
def test_v2_values_of_the_wrong_cbor_type(changes: dict[str, Any], problem: str) -> None:
    result = v2({**BASE_V2, **changes})
    assert [p for p in result.parse_problems if problem in p], result.parse_problems


def test_v2_bytes_of_wrong_cbor_type_give_no_data() -> None:
    result = v2({**BASE_V2, "bytes": "text, not a byte string"})
    assert result.data == b""


@pytest.mark.parametrize(
    "header, text, problem",
    [
        ("x_activestorage_shape", "[2.0]", "x-activestorage-shape [2.0] is not a list of non-neg"),
        ("x_activestorage_shape", "[-1]", "x-activestorage-shape [-1] is not a list of non-neg"),
        ("x_activestorage_shape", "[true]", "x-activestorage-shape [True] is not a list of non-"),
        ("x_activestorage_shape", "3", "x-activestorage-shape 3 is not a list"),
        ("x_activestorage_count", "true", "x-activestorage-count True is not a list of integers"),
        ("x_activestorage_count", "[1.0]", "x-activestorage-count [1.0] is not a list of integ"),
        ("x_activestorage_count", '"3"', "x-activestorage-count '3' is not a list of integers"),
    ],
)
def test_v1_header_values_of_the_wrong_json_type(header: str, text: str, problem: str) -> None:
    """Python has 1.0 == 1 and True == 1: only a type check tells a float or bool from an int."""
    headers = {"x_activestorage_dtype": "int32", "x_activestorage_shape": "[3]", header: text}
    result = v1(INT32_123, **headers)
    assert [p for p in result.parse_problems if problem in p], result.parse_problems
    assert (result.shape if "shape" in header else result.count) is None


def test_v1_negative_counts_are_integers_still() -> None:
    """count is a list of ints (signed, like count_as_bytes): its values are the oracle's job."""
    result = v1(INT32_123, x_activestorage_shape="[3]", x_activestorage_count="[-1]")
    assert result.count == (-1,) and result.parse_problems == []


@pytest.mark.parametrize(
    "length, problem",
    [
        pytest.param(None, "no Content-Length header", id="absent"),
        pytest.param("11", "content-length 11 != body length 12", id="wrong"),
        pytest.param("+12", "content-length '+12' is not a decimal byte count", id="signed"),
        pytest.param("12, 12", "is not a decimal byte count", id="joined-repeat"),
    ],
)
def test_v1_content_length(length: str | None, problem: str) -> None:
    headers = {"content-type": "application/octet-stream", "x-activestorage-shape": "[3]"}
    if length is not None:
        headers["content-length"] = length
    result = parse_response("v1", exchange(headers=headers, content=INT32_123))
    assert [p for p in result.parse_problems if problem in p], result.parse_problems


def test_content_length_counts_an_encoded_body_as_received() -> None:
    """The transport asks for identity and decodes nothing, so a gzip body (which a server
    should not send unasked) is measured as it came."""
    encoded = gzip.compress(INT32_123)
    headers = {"content-encoding": "gzip", "x-activestorage-shape": "[3]"}
    right = {**headers, "content-length": str(len(encoded))}
    assert parse_response("v1", exchange(headers=right, content=encoded)).parse_problems == []
    wrong = {**headers, "content-length": str(len(INT32_123))}
    problems = parse_response("v1", exchange(headers=wrong, content=encoded)).parse_problems
    assert problems == [f"content-length {len(INT32_123)} != body length {len(encoded)}"]


def test_v2_needs_no_content_length_but_must_match_one_it_sends() -> None:
    body = cbor2.dumps(BASE_V2)
    assert v2(body).parse_problems == []
    headers = {"content-type": "application/cbor", "content-length": str(len(body) - 1)}
    result = parse_response("v2", exchange(headers=headers, content=body))
    assert result.parse_problems == [f"content-length {len(body) - 1} != body length {len(body)}"]


def test_v2_answer_carrying_v1_headers() -> None:
    headers = {"content-type": "application/cbor", "x-activestorage-shape": "[3]"}
    result = parse_response("v2", exchange(headers=headers, content=cbor2.dumps(BASE_V2)))
    assert result.parse_problems == [
        "v2 answer carries v1 headers ['x-activestorage-shape'] (docs/spec.md#response-v2: none)"
    ]


def test_repeated_headers_are_problems() -> None:
    repeated = {"content-type": 2, "x-activestorage-count": 3, "set-cookie": 2}
    sent = exchange(headers={"content-type": "application/cbor"}, content=cbor2.dumps(BASE_V2))
    result = parse_response("v2", dataclasses.replace(sent, repeated_headers=repeated))
    assert result.parse_problems == [
        "header content-type sent 2 times",
        "header x-activestorage-count sent 3 times",
    ]
