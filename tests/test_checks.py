"""Meta-tests of the comparison helpers: each kind of wrong answer must be reported, alone.

A helper that stopped checking (the upstream suite once had one edited into ``assert True``)
fails here. Each wrong answer differs from a correct one in exactly one way, and the test requires
exactly one difference naming that way, so a helper that reports noise fails as well.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

import cbor2
import numpy as np
import pytest

from compliance.checks import assert_error, assert_result, error_differences, result_differences
from compliance.client import Api, HttpExchange, Result, parse_response
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


# --- framing: one CBOR item, the spec's keys and types, exact headers (spec 4) -------------------


def v2_raw(content: bytes, **headers: str) -> Result:
    """A v2 answer from raw body bytes; header names with underscores for dashes."""
    named = {"content-type": "application/cbor"} | {
        k.replace("_", "-"): v for k, v in headers.items()
    }
    return parse_response("v2", exchange(200, named, content))


GOOD_PAYLOAD = cbor2.loads(cbor2.dumps(v2_answer().payload))


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
    """Spec 4.1 promises it; v2 (spec 4.2) does not, so a chunked v2 answer is fine."""
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


# --- error answers --------------------------------------------------------------------------------

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


def test_correct_error_has_no_differences() -> None:
    assert error_differences(error_answer(), 400, V2, ("dtype",)) == []
    assert error_differences(error_answer(), 400, V2) == []
    assert_error(error_answer(), 400, V2, ("int8", "dtype"))


def test_correct_error_without_caused_by() -> None:
    body = {"error": {"message": "unsupported operation foo"}}
    assert error_differences(error_answer(404, body), 404, V2, ("foo",)) == []


def test_correct_prototype_error() -> None:
    body = {"detail": [{"loc": ["body", "dtype"], "msg": "bad", "type": "value_error"}]}
    assert error_differences(error_answer(422, body), 422, PROTOTYPE, ("dtype",)) == []


def test_wrong_error_status() -> None:
    only_difference(error_differences(error_answer(500), 400, V2), "status 500 != 400")


def test_success_where_an_error_was_expected() -> None:
    only_difference(error_differences(v2_answer(), 400, V2), "status 200 != 400")


def test_no_response_where_an_error_was_expected() -> None:
    only_difference(error_differences(error_answer(None), 400, V2), "no HTTP response")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"Internal Server Error", id="text"),
        pytest.param(b"", id="empty"),
        pytest.param({"message": "no error wrapper"}, id="unwrapped"),
        pytest.param(["request data is not valid"], id="list"),
        pytest.param({"error": "flat string"}, id="error-not-object"),
    ],
)
def test_error_body_of_the_wrong_shape(body: Any) -> None:
    only_difference(error_differences(error_answer(body=body), 400, V2), "error body is not")


def test_prototype_body_from_a_reductionist_profile_and_back() -> None:
    fastapi = {"detail": "Bad Request"}
    only_difference(error_differences(error_answer(body=fastapi), 400, V2), "error body is not")
    only_difference(
        error_differences(error_answer(body=GOOD_ERROR), 400, PROTOTYPE), "error body is not"
    )


def test_wrong_error_content_type() -> None:
    answer = error_answer(content_type="text/plain")
    only_difference(error_differences(answer, 400, V2), "content type", "text/plain")


@pytest.mark.parametrize(
    "error",
    [
        pytest.param({"message": ""}, id="empty"),
        pytest.param({"caused_by": ["x"]}, id="absent"),
        pytest.param({"message": None}, id="null"),
        pytest.param({"message": 42}, id="number"),
    ],
)
def test_missing_or_empty_message(error: dict[str, Any]) -> None:
    answer = error_answer(body={"error": error})
    only_difference(error_differences(answer, 400, V2), "message missing or empty")


@pytest.mark.parametrize("causes", ["not a list", [1, 2], [None]])
def test_caused_by_not_a_list_of_strings(causes: Any) -> None:
    answer = error_answer(
        body={"error": {"message": "request data is not valid", "caused_by": causes}}
    )
    only_difference(error_differences(answer, 400, V2), "caused_by")


def test_message_that_does_not_name_the_field() -> None:
    diffs = error_differences(error_answer(), 400, V2, ("selection", "stride"))
    only_difference(diffs, "names none of", "selection", "stride")


def test_field_named_in_a_cause_counts_case_insensitively() -> None:
    assert error_differences(error_answer(), 400, V2, ("DTYPE",)) == []


def test_assert_error_message_carries_the_reproducer() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_error(error_answer(500), 400, V2)
    message = str(caught.value)
    assert "status 500 != 400" in message and "reproduce: curl" in message
    assert "secret-password" not in message
