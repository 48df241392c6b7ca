"""Response-side faults on a good answer's values, dtype, shape, count and length; none of them
touches an error answer.
"""

from __future__ import annotations

import json
from typing import Any

import cbor2
import numpy as np
import pytest

from faults.catalog import FAULTS
from faults.messages import Request, Response

from tests.faults_support import (
    APIS,
    make_request,
    make_answer,
    FakeServer,
    CONTEXT,
    play,
    decode,
    answer_after,
    values_of,
    ERROR_400,
)


@pytest.mark.parametrize("api", APIS)
def test_sum_skips_nan(api: str) -> None:
    def reply(sent: Request) -> Response:
        if sent.operation == "select":
            return make_answer(api, [1.0, np.nan, 2.5], "float32", [3])
        return make_answer(api, np.nan, "float32", [3])

    server = FakeServer(reply)
    answer = decode(
        api, play("sum-skips-nan", make_request(api, "sum", {"dtype": "float32"}), server)
    )
    assert values_of(answer) == [3.5] and answer.count == [3] and answer.shape == []
    assert [s.operation for s in server.sent] == ["sum", "select"]
    finite = make_answer(api, 2.0, "float32", [3])
    assert play("sum-skips-nan", make_request(api, "sum"), FakeServer(finite)) == finite


@pytest.mark.parametrize("api", APIS)
def test_count_field_includes_missing_asks_for_the_totals(api: str) -> None:
    fields = {"shape": [2, 3], "axis": 1, "missing": {"missing_value": 0}}
    request = make_request(api, "sum", fields)

    def reply(sent: Request) -> Response:
        if sent.operation == "count":
            return make_answer(api, [3, 3], "int64", [3, 3])
        return make_answer(api, [5, 7], "int32", [2, 1])

    server = FakeServer(reply)
    answer = decode(api, play("count-field-includes-missing", request, server))
    assert answer.count == [3, 3] and values_of(answer) == [5, 7]
    totals = json.loads(server.sent[1].body)
    assert server.sent[1].path == f"/{api}/count" and "missing" not in totals
    assert totals["axis"] == 1
    # without missing data there is nothing to count twice
    plain = FakeServer(make_answer(api, 5, "int32", [6]))
    play("count-field-includes-missing", make_request(api, "sum", {"shape": [6]}), plain)
    assert len(plain.sent) == 1


@pytest.mark.parametrize("api", APIS)
def test_one_wrong_element(api: str) -> None:
    request = make_request(api, "select")
    assert values_of(
        answer_after("one-wrong-element", request, make_answer(api, [1, 2, 3], "int32", [3]))
    ) == [1, 2, 4]
    top = make_answer(api, [2**31 - 1], "int32", [1])
    assert values_of(answer_after("one-wrong-element", request, top)) == [-(2**31)]
    inf = make_answer(api, [1.0, np.inf], "float32", [2])
    assert values_of(answer_after("one-wrong-element", request, inf)) == [1.0, 0.0]
    nan = make_answer(api, [np.nan], "float64", [1])
    assert values_of(answer_after("one-wrong-element", request, nan)) == [0.0]
    empty = make_answer(api, np.zeros(0), "int64", [0], shape=[0])
    assert play("one-wrong-element", request, FakeServer(empty)) == empty


@pytest.mark.parametrize("byte_order", ["little", "big"])
@pytest.mark.parametrize("api", APIS)
def test_element_and_byte_order_faults(api: str, byte_order: str) -> None:
    request = make_request(api, "select")
    upstream = make_answer(api, [1, 2, 3], "int32", [3], byte_order=byte_order)
    raw = decode(api, upstream).data
    assert values_of(answer_after("reversed-elements", request, upstream)) == [3, 2, 1]
    assert answer_after("reversed-bytes", request, upstream).data == raw[::-1]
    swapped = answer_after("byte-swapped", request, upstream)
    assert swapped.byte_order == byte_order and values_of(swapped) == [2**24, 2 * 2**24, 3 * 2**24]
    flipped = answer_after("wrong-byte-order-field", request, upstream)
    assert flipped.data == raw and flipped.byte_order != byte_order


@pytest.mark.parametrize("api", APIS)
def test_byte_order_follows_request_stays_self_consistent(api: str) -> None:
    request = make_request(api, "select", {"byte_order": "big"})
    upstream = make_answer(api, [1, 2], "int64", [2], byte_order="little")
    answer = answer_after("byte-order-follows-request", request, upstream)
    assert answer.byte_order == "big" and values_of(answer) == [1, 2]
    assert answer.data == np.array([1, 2], ">i8").tobytes()
    same = make_request(api, "select", {"byte_order": "little"})
    assert play("byte-order-follows-request", same, FakeServer(upstream)) == upstream


@pytest.mark.parametrize("api", APIS)
def test_dtype_faults(api: str) -> None:
    total = make_answer(api, 7, "int32", [3])
    assert answer_after("wrong-dtype", make_request(api, "sum"), total).dtype == "uint32"
    widened = answer_after("widened-sum", make_request(api, "sum"), total)
    assert (widened.dtype, values_of(widened), len(widened.data)) == ("int64", [7], 8)
    wide = make_answer(api, 7, "float64", [3])
    assert play("widened-sum", make_request(api, "sum"), FakeServer(wide)) == wide
    assert play("widened-sum", make_request(api, "max"), FakeServer(total)) == total
    counted = make_answer(api, 3, "int64", [3])
    narrow = answer_after("count-as-int32", make_request(api, "count"), counted)
    assert (narrow.dtype, values_of(narrow)) == ("int32", [3])


@pytest.mark.parametrize("as_bytes", [False, True], ids=["plain", "as-bytes"])
@pytest.mark.parametrize("api", APIS)
def test_shape_faults(api: str, as_bytes: bool) -> None:
    if api == "v1" and as_bytes:
        pytest.skip("v1 has no *_as_bytes options")
    request = make_request(api, "select")
    for shape, wrong in (([], [1]), ([3], [3, 1]), ([2, 3], [6])):
        size = int(np.prod(shape))
        upstream = make_answer(
            api, np.arange(size).reshape(shape), "int32", [size], shape_as_bytes=as_bytes
        )
        answer = answer_after("wrong-shape", request, upstream)
        # a scalar's shape_as_bytes is empty, so the answer reads as plain either way
        assert answer.shape == wrong and answer.shape_as_bytes == (as_bytes and bool(shape))


@pytest.mark.parametrize("api", APIS)
def test_keepdims_shape(api: str) -> None:
    request = make_request(api, "sum", {"shape": [3, 4, 5], "axis": [0, 2]})
    upstream = make_answer(api, [1, 2, 3, 4], "int32", [15] * 4)
    assert answer_after("keepdims-shape", request, upstream).shape == [1, 4, 1]
    everything = make_request(api, "sum", {"shape": [3, 4]})
    assert answer_after("keepdims-shape", everything, make_answer(api, 1, "int32", [12])).shape == [
        1,
        1,
    ]
    select = make_request(api, "select", {"shape": [4]})
    upstream = make_answer(api, [1, 2, 3, 4], "int32", [4])
    assert play("keepdims-shape", select, FakeServer(upstream)) == upstream


@pytest.mark.parametrize("api", APIS)
def test_f_order_shape_reversed(api: str) -> None:
    upstream = make_answer(api, np.zeros((2, 3)), "int32", [6])
    request = make_request(api, "select", {"shape": [2, 3], "order": "F"})
    assert answer_after("f-order-shape-reversed", request, upstream).shape == [3, 2]
    c_order = make_request(api, "select", {"shape": [2, 3], "order": "C"})
    assert play("f-order-shape-reversed", c_order, FakeServer(upstream)) == upstream


@pytest.mark.parametrize("as_bytes", [False, True], ids=["plain", "as-bytes"])
@pytest.mark.parametrize("api", APIS)
def test_count_faults(api: str, as_bytes: bool) -> None:
    if api == "v1" and as_bytes:
        pytest.skip("v1 has no *_as_bytes options")
    request = make_request(api, "sum", {"shape": [2, 3], "axis": 1})
    upstream = make_answer(api, [6, 15], "int32", [3, 2], count_as_bytes=as_bytes)
    assert answer_after("count-off-by-one", request, upstream).count == [4, 3]
    total = answer_after("count-total-for-axis", request, upstream)
    assert total.count == [5] and total.count_as_bytes == as_bytes
    scalar = make_answer(api, 21, "int32", [6])
    assert play("count-total-for-axis", make_request(api, "sum"), FakeServer(scalar)) == scalar


@pytest.mark.parametrize("api", APIS)
def test_missing_field_faults(api: str) -> None:
    request = make_request(api, "sum")
    upstream = make_answer(api, 5, "int32", [2])
    names = {
        "missing-count": ("x-activestorage-count", "count"),
        "missing-shape": ("x-activestorage-shape", "shape"),
        "missing-byte-order": ("x-activestorage-byte-order", "byte_order"),
    }
    for fault, (header, key) in names.items():
        response = play(fault, request, FakeServer(upstream))
        assert response is not None
        if api == "v1":
            assert header not in response.headers and response.body == upstream.body
        else:
            payload = cbor2.loads(response.body)
            assert key not in payload and f"{key}_as_bytes" not in payload
            assert payload["bytes"] == cbor2.loads(upstream.body)["bytes"]


@pytest.mark.parametrize("api", APIS)
def test_length_faults(api: str) -> None:
    request = make_request(api, "select")
    upstream = make_answer(api, [1, 2], "int64", [2])
    assert len(answer_after("truncated-bytes", request, upstream).data) == 15
    extra = answer_after("extra-bytes", request, upstream)
    assert values_of(extra) == [1, 2, 0]
    empty = make_answer(api, np.zeros(0), "int64", [0], shape=[0])
    assert play("truncated-bytes", request, FakeServer(empty)) == empty


@pytest.mark.parametrize("api", APIS)
def test_select_f_order_as_c(api: str) -> None:
    logical = np.arange(6).reshape(2, 3)
    f_bytes = logical.ravel(order="F")  # what a correct server sends for order F
    request = make_request(api, "select", {"shape": [2, 3], "order": "F"})
    upstream = make_answer(api, f_bytes, "int32", [6], shape=[2, 3])
    assert values_of(answer_after("select-f-order-as-c", request, upstream)) == list(range(6))
    c_request = make_request(api, "select", {"shape": [2, 3], "order": "C"})
    assert play("select-f-order-as-c", c_request, FakeServer(upstream)) == upstream


@pytest.mark.parametrize("api", APIS)
def test_empty_cell_faults(api: str) -> None:
    request = make_request(api, "max", {"shape": [2, 3], "axis": 1})
    floats = make_answer(api, [5.0, -np.finfo(np.float32).max], "float32", [3, 0])
    assert values_of(answer_after("empty-sentinel-wrong", request, floats)) == [5.0, -np.inf]
    ints = make_answer(api, [5, -(2**31)], "int32", [3, 0])
    assert values_of(answer_after("empty-sentinel-wrong", request, ints)) == [5, 0]
    full = make_answer(api, [5, 6], "int32", [3, 3])
    assert play("empty-sentinel-wrong", request, FakeServer(full)) == full

    error = play(
        "empty-min-max-error", request, FakeServer(make_answer(api, [0, 0], "int32", [0, 0]))
    )
    assert error is not None and error.status == 400
    assert "empty" in json.loads(error.body)["error"]["message"]
    assert play("empty-min-max-error", request, FakeServer(ints)) == ints
    assert (
        play("drop-connection-on-empty", request, FakeServer(make_answer(api, [0], "int32", [0])))
        is None
    )
    assert play("drop-connection-on-empty", request, FakeServer(full)) == full


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.side == "response"], ids=lambda f: f.name)
@pytest.mark.parametrize("api", APIS)
def test_response_faults_leave_errors_alone(api: str, fault: Any) -> None:
    request = make_request(api, "max", {"shape": [2, 3], "axis": 1, "order": "F"})
    assert fault.play(request, FakeServer(ERROR_400), CONTEXT) == ERROR_400
