"""Meta-tests of the framing checks: one CBOR item, the spec's keys and types, exact headers."""

from __future__ import annotations

import dataclasses
from typing import Any

import cbor2
import numpy as np
import pytest

from compliance.checks import result_differences
from compliance.client import parse_response
from compliance.oracle import Expected
from compliance.profiles import BUILTIN_PROFILES

from .answers import (
    EXPECTED,
    GOOD_BYTES,
    GOOD_PAYLOAD,
    V1,
    V2,
    only_difference,
    v1_answer,
    v2_answer,
    v2_raw,
)

# --- framing: one CBOR item, the spec's keys and types, exact headers (docs/spec.md#responses) ----


@pytest.mark.parametrize("tail", [b"\n", b"\x00", cbor2.dumps(GOOD_PAYLOAD)])
def test_bytes_after_the_cbor_item(tail: bytes) -> None:
    answer = v2_raw(cbor2.dumps(GOOD_PAYLOAD) + tail)
    only_difference(result_differences(EXPECTED, answer, V2), "after the one CBOR data item")


def test_byte_after_the_v1_body() -> None:
    """v1 has no framing of its own: the body must be exactly the result's bytes."""
    answer = v1_answer(GOOD_BYTES + b"\n")
    only_difference(result_differences(EXPECTED, answer, V1), "result has 9 bytes, expected 8")


def test_self_describe_tag_around_the_map() -> None:
    """cbor2 strips tag 55799 silently; the spec's body is a map, not a tagged item."""
    answer = v2_raw(cbor2.dumps(cbor2.CBORTag(55799, GOOD_PAYLOAD)))
    only_difference(result_differences(EXPECTED, answer, V2), "CBOR tag 55799")


def test_bignum_tag_in_the_shape() -> None:
    """Tag 2 (bignum) decodes to a plain int in cbor2: the value is right, the CBOR type is not."""
    answer = v2_answer(shape=[cbor2.CBORTag(2, b"\x02")])
    only_difference(result_differences(EXPECTED, answer, V2), "CBOR tag 2")


def test_duplicate_cbor_key() -> None:
    body = cbor2.dumps(GOOD_PAYLOAD)
    head = bytes([0xA0 + len(GOOD_PAYLOAD) + 1])  # the map head, one pair more
    answer = v2_raw(head + body[1:] + cbor2.dumps("dtype") + cbor2.dumps("int32"))
    only_difference(result_differences(EXPECTED, answer, V2), "'dtype' appears twice")


def test_non_text_cbor_key() -> None:
    answer = v2_raw(cbor2.dumps({**GOOD_PAYLOAD, 7: "x"}))
    diffs = result_differences(EXPECTED, answer, V2)
    assert any("key 7 is not text" in d for d in diffs), diffs


def test_indefinite_lengths_pass() -> None:
    """Valid CBOR the spec does not rule out: an indefinite map holding an indefinite string."""
    pairs = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in GOOD_PAYLOAD.items())
    chunked = b"\x5f" + cbor2.dumps(GOOD_BYTES[:3]) + cbor2.dumps(GOOD_BYTES[3:]) + b"\xff"
    pairs = pairs.replace(cbor2.dumps(GOOD_BYTES), chunked)
    answer = v2_raw(b"\xbf" + pairs + b"\xff")
    assert result_differences(EXPECTED, answer, V2) == []


def test_unknown_cbor_key() -> None:
    answer = v2_answer(version="0.13.1")
    only_difference(result_differences(EXPECTED, answer, V2), "keys ['version']", V2.name)


def test_as_bytes_keys_are_unknown_before_0_13() -> None:
    v012 = BUILTIN_PROFILES["reductionist-0.12"]
    diffs = result_differences(EXPECTED, v2_answer(), v012)
    only_difference(diffs, "['shape_as_bytes', 'count_as_bytes']", "reductionist-0.12")
    five = v2_answer(drop=("shape_as_bytes", "count_as_bytes"))
    assert result_differences(EXPECTED, five, v012) == []


@pytest.mark.parametrize(
    "content_type",
    ["application/cbor; charset=utf-8", "application/cbor;charset=binary", "application/cbor; x=1"],
)
def test_content_type_with_parameters(content_type: str) -> None:
    answer = v2_answer(content_type=content_type)
    only_difference(result_differences(EXPECTED, answer, V2), "has parameters")
    v1 = v1_answer(content_type=content_type.replace("cbor", "octet-stream"))
    only_difference(result_differences(EXPECTED, v1, V1), "has parameters")


@pytest.mark.parametrize(
    "changes, word",
    [
        pytest.param({"shape": [2.0]}, "CBOR shape [2.0]", id="float-shape"),
        pytest.param({"shape": [True, 2]}, "CBOR shape [True, 2]", id="bool-shape"),
        pytest.param({"count": [3.0, 3]}, "CBOR count [3.0, 3]", id="float-count"),
        pytest.param({"count": [3, True]}, "CBOR count [3, True]", id="bool-count"),
    ],
)
def test_v2_numbers_of_the_wrong_cbor_type(changes: dict[str, Any], word: str) -> None:
    """2.0 == 2 and True == 1 in Python, so only a type check sees these."""
    diffs = result_differences(
        Expected(EXPECTED.values, "int32", (2,), (3, 1)), v2_answer(**changes), V2
    )
    assert any(word in d for d in diffs), diffs


def test_bytes_of_the_wrong_cbor_type_in_an_empty_result() -> None:
    """An empty select: a text "" has the right length, 0, but is not a byte string."""
    expected = Expected(np.zeros(0, np.int32), "int32", (0,), (0,))
    answer = v2_answer(bytes="", shape=[0], count=[0])
    only_difference(result_differences(expected, answer, V2), "bytes is a str")


@pytest.mark.parametrize(
    "changes, word",
    [
        pytest.param({"x_activestorage_shape": "[2.0]"}, "shape [2.0]", id="float-shape"),
        pytest.param({"x_activestorage_shape": "[-2]"}, "shape [-2]", id="negative-shape"),
        pytest.param({"x_activestorage_count": "[3,3.0]"}, "count [3, 3.0]", id="float-count"),
        pytest.param({"x_activestorage_count": "true"}, "count True", id="bool-count"),
    ],
)
def test_v1_headers_of_the_wrong_json_type(changes: dict[str, str], word: str) -> None:
    diffs = result_differences(EXPECTED, v1_answer(GOOD_BYTES, **changes), V1)
    assert any(word in d and "not a list of" in d for d in diffs), diffs


def test_v1_content_length_is_required() -> None:
    """docs/spec.md#response-v1 promises it; v2 (#response-v2) does not, so a chunked v2 answer is
    fine."""
    answer = v1_answer(content_length=None)
    only_difference(result_differences(EXPECTED, answer, V1), "no Content-Length")
    assert result_differences(EXPECTED, v2_answer(), V2) == []


def test_v2_content_length_that_disagrees_with_the_body() -> None:
    answer = v2_raw(cbor2.dumps(GOOD_PAYLOAD), content_length="3")
    only_difference(result_differences(EXPECTED, answer, V2), "content-length 3 != body length")


def test_v2_answer_with_v1_headers() -> None:
    answer = v2_raw(cbor2.dumps(GOOD_PAYLOAD), x_activestorage_dtype="int32")
    only_difference(result_differences(EXPECTED, answer, V2), "x-activestorage-dtype")


def test_repeated_headers() -> None:
    """requests joins repeats with ', '; the exchange keeps how often each came."""
    sent = v1_answer()
    repeated = dataclasses.replace(sent.exchange, repeated_headers={"x-activestorage-dtype": 2})
    answer = parse_response("v1", repeated)
    only_difference(result_differences(EXPECTED, answer, V1), "x-activestorage-dtype sent 2 times")
