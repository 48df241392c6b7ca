"""Meta-tests of the comparison helpers: each kind of wrong answer must be reported, alone.

A helper that stopped checking (the upstream suite once had one edited into ``assert True``)
fails here. Each wrong answer differs from a correct one in exactly one way, and the test requires
exactly one difference naming that way, so a helper that reports noise fails as well."""

from __future__ import annotations

import json

import numpy as np
import pytest

from compliance.checks import assert_result, result_differences
from compliance.client import Api, parse_response
from compliance.oracle import Expected

from .answers import (
    EXPECTED,
    GOOD_BYTES,
    PROTOTYPE,
    V1,
    V1_INT_COUNT,
    V2,
    exchange,
    only_difference,
    v1_answer,
    v2_answer,
)

# --- correct answers pass -------------------------------------------------------------------------


def test_correct_v2_answer_has_no_differences() -> None:
    assert result_differences(EXPECTED, v2_answer(), V2) == []
    assert_result(EXPECTED, v2_answer(), V2)


@pytest.mark.parametrize(
    "drop",
    [pytest.param((), id="0.13.1"), pytest.param(("shape_as_bytes", "count_as_bytes"), id="0.12")],
)
def test_correct_answer_of_each_v2_version(drop: tuple[str, ...]) -> None:
    assert result_differences(EXPECTED, v2_answer(drop), V2) == []


def test_correct_v2_answer_with_shape_and_count_as_bytes() -> None:
    answer = v2_answer(
        shape=[],
        shape_as_bytes=np.array([2], "<u8").tobytes(),
        count=[],
        count_as_bytes=np.array([3, 3], "<i8").tobytes(),
    )
    assert result_differences(EXPECTED, answer, V2) == []


def test_correct_big_endian_server_answer() -> None:
    answer = v2_answer(bytes=np.array([6, 15], ">i4").tobytes(), byte_order="big")
    assert result_differences(EXPECTED, answer, V2) == []


def test_content_type_is_case_insensitive() -> None:
    """RFC 9110 section 8.3.1: type and subtype names are case-insensitive."""
    assert result_differences(EXPECTED, v2_answer(content_type="Application/CBOR"), V2) == []
    assert (
        result_differences(EXPECTED, v1_answer(content_type="Application/Octet-Stream"), V1) == []
    )


def test_correct_v1_answer_has_no_differences() -> None:
    assert result_differences(EXPECTED, v1_answer(), V1) == []


def test_correct_v1_answer_with_an_integer_count() -> None:
    """0.2-0.9 send the count of a scalar result as a bare integer."""
    expected = Expected(np.array(21, dtype=np.int32), "int32", (), (6,))
    answer = v1_answer(
        np.array([21], "<i4").tobytes(), x_activestorage_shape="[]", x_activestorage_count="6"
    )
    assert result_differences(expected, answer, V1_INT_COUNT) == []


def test_correct_prototype_answer_without_count_or_byte_order() -> None:
    answer = v1_answer(x_activestorage_count=None, x_activestorage_byte_order=None)
    assert result_differences(EXPECTED, answer, PROTOTYPE) == []


def test_correct_f_layout_answer() -> None:
    expected = Expected(np.array([[1, 2, 3], [4, 5, 6]], np.int64), "int64", (2, 3), (6,), "F")
    data = np.array([1, 4, 2, 5, 3, 6], "<i8").tobytes()
    answer = v2_answer(bytes=data, dtype="int64", shape=[2, 3], count=[6])
    assert result_differences(expected, answer, V2) == []
    c_data = np.array([1, 2, 3, 4, 5, 6], "<i8").tobytes()
    c_answer = v2_answer(bytes=c_data, dtype="int64", shape=[2, 3], count=[6])
    only_difference(result_differences(expected, c_answer, V2), "values differ")


def test_nan_equals_nan_in_float_results() -> None:
    expected = Expected(np.array([np.nan, 1.0]), "float64", (2,), (2,))
    answer = v2_answer(bytes=np.array([np.nan, 1.0], "<f8").tobytes(), dtype="float64", count=[2])
    assert result_differences(expected, answer, V2) == []


# --- wrong answers are reported -------------------------------------------------------------------


def test_wrong_value() -> None:
    answer = v2_answer(bytes=np.array([6, 16], "<i4").tobytes())
    diffs = result_differences(EXPECTED, answer, V2)
    only_difference(diffs, "values differ at 1 of 2", "(1,)", "16", "15")


def test_wrong_scalar_value() -> None:
    expected = Expected(np.array(21, dtype=np.int32), "int32", (), (6,))
    answer = v2_answer(bytes=np.array([22], "<i4").tobytes(), shape=[], count=[6])
    only_difference(result_differences(expected, answer, V2), "values differ", "22", "21")


def test_wrong_value_in_v1() -> None:
    answer = v1_answer(np.array([7, 15], "<i4").tobytes())
    only_difference(result_differences(EXPECTED, answer, V1), "values differ")


def test_wrong_dtype() -> None:
    """float32 has the same item size, so only the dtype is wrong, not the length."""
    answer = v2_answer(dtype="float32")
    only_difference(result_differences(EXPECTED, answer, V2), "dtype", "float32", "int32")


def test_wrong_shape() -> None:
    answer = v2_answer(shape=[2, 1])
    only_difference(result_differences(EXPECTED, answer, V2), "shape", "(2, 1)", "(2,)")


def test_scalar_shape_where_a_list_was_expected() -> None:
    expected = Expected(np.array([21], dtype=np.int32), "int32", (1,), (6,))
    answer = v2_answer(bytes=np.array([21], "<i4").tobytes(), shape=[], count=[6])
    only_difference(result_differences(expected, answer, V2), "shape")


def test_wrong_shape_as_bytes() -> None:
    answer = v2_answer(shape=[], shape_as_bytes=np.array([1, 2], "<u8").tobytes())
    only_difference(result_differences(EXPECTED, answer, V2), "shape")


@pytest.mark.parametrize(
    "count", [pytest.param([3, 2], id="value"), pytest.param([6], id="length"), [], [3, 3, 0]]
)
def test_wrong_count(count: list[int]) -> None:
    only_difference(result_differences(EXPECTED, v2_answer(count=count), V2), "count")


def test_wrong_count_as_bytes() -> None:
    answer = v2_answer(count=[], count_as_bytes=np.array([3, 4], "<i8").tobytes())
    only_difference(result_differences(EXPECTED, answer, V2), "count")


def test_missing_count_in_v1() -> None:
    answer = v1_answer(x_activestorage_count=None)
    only_difference(result_differences(EXPECTED, answer, V1), "count", "None")


def test_wrong_count_in_v1_header() -> None:
    answer = v1_answer(x_activestorage_count="[6, 9]")
    only_difference(result_differences(EXPECTED, answer, V1), "count")


def test_count_in_the_wrong_format_for_the_profile() -> None:
    """0.11 sends the count as a JSON list; a bare integer is the 0.2-0.9 format."""
    answer = v1_answer(x_activestorage_count="3")
    diffs = result_differences(EXPECTED, answer, V1)
    assert any("count sent as 'int'" in d for d in diffs), diffs


@pytest.mark.parametrize("byte_order", ["middle", "", "LITTLE", None])
def test_bad_byte_order_field(byte_order: str | None) -> None:
    answer = v2_answer(byte_order=byte_order)
    only_difference(result_differences(EXPECTED, answer, V2), "byte order")


def test_missing_byte_order_header_in_v1() -> None:
    answer = v1_answer(x_activestorage_byte_order=None)
    only_difference(result_differences(EXPECTED, answer, V1), "byte order")


def test_byte_order_field_that_contradicts_the_bytes() -> None:
    """Big-endian bytes labelled little: the values come out wrong."""
    answer = v2_answer(bytes=np.array([6, 15], ">i4").tobytes(), byte_order="little")
    only_difference(result_differences(EXPECTED, answer, V2), "values differ")


@pytest.mark.parametrize(
    "api, content_type",
    [("v2", "application/octet-stream"), ("v2", "application/json"), ("v1", "application/cbor")],
)
def test_wrong_content_type(api: Api, content_type: str) -> None:
    if api == "v2":
        answer, profile = v2_answer(content_type=content_type), V2
    else:
        answer, profile = v1_answer(content_type=content_type), V1
    only_difference(result_differences(EXPECTED, answer, profile), "content type", content_type)


@pytest.mark.parametrize("key", ["bytes", "dtype", "shape", "count", "byte_order"])
def test_missing_cbor_key(key: str) -> None:
    diffs = result_differences(EXPECTED, v2_answer(drop=(key,)), V2)
    assert diffs and diffs[0] == f"CBOR map lacks keys [{key!r}]", diffs


def test_missing_cbor_key_with_its_bytes_twin_present() -> None:
    """0.13 with option_count_as_bytes still sends `count` (as []); leaving it out is wrong."""
    answer = v2_answer(drop=("count",), count_as_bytes=np.array([3, 3], "<i8").tobytes())
    only_difference(result_differences(EXPECTED, answer, V2), "lacks keys", "count")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(GOOD_BYTES + b"\x00\x00\x00\x00", id="too-long"),
        pytest.param(GOOD_BYTES[:4], id="too-short"),
        pytest.param(b"", id="empty"),
    ],
)
def test_wrong_length(data: bytes) -> None:
    diffs = result_differences(EXPECTED, v2_answer(bytes=data), V2)
    only_difference(diffs, f"result has {len(data)} bytes, expected 8")


def test_v1_content_length_that_disagrees_with_the_body() -> None:
    answer = v1_answer(content_length="9")
    only_difference(result_differences(EXPECTED, answer, V1), "content-length 9")


@pytest.mark.parametrize("status", [400, 404, 500])
def test_error_status_where_a_result_was_expected(status: int) -> None:
    body = json.dumps({"error": {"message": "boom"}}).encode()
    answer = parse_response("v2", exchange(status, {"content-type": "application/json"}, body))
    only_difference(result_differences(EXPECTED, answer, V2), f"status {status} != 200", "boom")


def test_no_response_where_a_result_was_expected() -> None:
    answer = parse_response("v2", exchange(None, {}, b""))
    only_difference(result_differences(EXPECTED, answer, V2), "no HTTP response", "ReadTimeout")


def test_body_that_is_not_cbor() -> None:
    answer = parse_response("v2", exchange(200, {"content-type": "application/cbor"}, b"\xff"))
    diffs = result_differences(EXPECTED, answer, V2)
    assert any("not CBOR" in d for d in diffs), diffs


def test_several_faults_are_all_reported() -> None:
    answer = v2_answer(dtype="float32", shape=[1, 2], count=[1], byte_order="middle")
    diffs = " | ".join(result_differences(EXPECTED, answer, V2))
    for word in ("dtype", "shape", "count", "byte order"):
        assert word in diffs


def test_garbage_in_every_field_is_reported_not_raised() -> None:
    answer = v2_answer(bytes="text", dtype="no-such-type", shape="2", count=3, byte_order=7)
    diffs = " | ".join(result_differences(EXPECTED, answer, V2))
    for word in ("dtype", "shape", "count", "byte order", "result has 0 bytes"):
        assert word in diffs


def test_parse_problems_are_differences() -> None:
    answer = v2_answer(shape=[], shape_as_bytes=b"\x02\x00\x00")
    diffs = result_differences(EXPECTED, answer, V2)
    assert any("8-byte" in d for d in diffs), diffs


def test_assert_result_message_carries_differences_and_a_masked_reproducer() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_result(EXPECTED, v2_answer(count=[1, 1]), V2)
    message = str(caught.value)
    assert "count [1, 1] != [3, 3]" in message
    assert "curl" in message and "user:****" in message
    assert "secret-password" not in message
    assert '{"dtype": "int32", "axis": 1}' in message


def test_long_counts_are_shortened_in_messages() -> None:
    expected = Expected(np.zeros(20, np.int32), "int32", (20,), tuple(range(20)))
    answer = v2_answer(bytes=bytes(80), shape=[20], count=[0] * 20)
    (diff,) = result_differences(expected, answer, V2)
    assert "(20 in all)" in diff and len(diff) < 200
