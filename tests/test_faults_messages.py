"""The answer framing faults rely on: decoding and re-encoding v1 and v2 answers byte for byte,
and the selection arithmetic the shape faults use.
"""

from __future__ import annotations


import cbor2
import pytest

from faults.edits import selected_shape
from faults.messages import Response

from tests.faults_support import APIS, make_request, make_answer, FakeServer, play, decode


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("as_bytes", [False, True], ids=["plain", "as-bytes"])
def test_answer_round_trip_is_byte_exact(api: str, as_bytes: bool) -> None:
    if api == "v1" and as_bytes:
        pytest.skip("v1 has no *_as_bytes options")
    upstream = make_answer(
        api, [[1, 2], [3, 4]], "float64", [2, 2], shape_as_bytes=as_bytes, count_as_bytes=as_bytes
    )
    answer = decode(api, upstream)
    assert (answer.shape, answer.count, answer.dtype) == ([2, 2], [2, 2], "float64")
    assert answer.encode(upstream) == upstream


def test_v1_integer_count_header_keeps_its_form() -> None:
    upstream = make_answer("v1", 10, "int64", [7], v1_int_count=True)
    answer = decode("v1", upstream)
    assert answer.count == [7] and answer.count_scalar
    assert answer.encode(upstream).headers["x-activestorage-count"] == "7"


def test_v2_answer_without_as_bytes_keys_stays_without_them() -> None:
    """0.12 and 0.13.0 leave the *_as_bytes keys out; re-encoding must not add them."""
    payload = {"bytes": b"\x01\x00\x00\x00", "dtype": "int32", "shape": [], "count": [1]}
    upstream = Response(200, {"content-type": "application/cbor"}, cbor2.dumps(payload))
    again = cbor2.loads(decode("v2", upstream).encode(upstream).body)
    assert set(again) == {"bytes", "dtype", "shape", "count", "byte_order"}


def test_undecodable_answers_are_left_alone() -> None:
    request = make_request("v2", "sum")
    junk = Response(200, {"content-type": "application/cbor"}, b"\xff\x00not cbor")
    assert play("one-wrong-element", request, FakeServer(junk)) == junk
    v1_junk = Response(200, {"x-activestorage-shape": "[2"}, b"")
    assert play("wrong-shape", make_request("v1", "sum"), FakeServer(v1_junk)) == v1_junk


def test_selected_shape_follows_numpy_slicing() -> None:
    body = {"shape": [10, 6], "selection": [[-1, -11, -2], {"start": 1, "end": 99, "stride": 2}]}
    assert selected_shape(body) == [5, 3]
    assert selected_shape({"shape": [4]}) == [4]
    assert selected_shape({}) is None
