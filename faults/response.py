"""Response-side faults that alter a good answer: its values, dtype, shape, count or length,
or that recompute a field from a second upstream call.

Most are edits of the decoded ``Answer`` (``answer_fault``); the framing of the answer (bytes,
headers, CBOR encoding, content type) is ``faults.framing``'s.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from .edits import (
    last_element_off,
    SAME_SIZE_DTYPE,
    WIDER_DTYPE,
    operation_path,
    reduced_axes,
    selected_shape,
    swap_order,
)
from .messages import Answer, Request, Response, error_response
from .registry import Context, Forward, Outcome, answer_fault, fault


@fault(
    "sum-skips-nan",
    "response",
    "edge",
    "sum ignores NaN elements (nansum) instead of propagating NaN",
)
def _sum_skips_nan(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    body = request.json() if request.operation == "sum" else None
    api = request.api
    if body is None or api is None or "axis" in body or "missing" in body:
        return response
    answer = Answer.decode(api, response)
    if answer is None or answer.numpy_dtype.kind != "f" or not np.isnan(answer.values()).any():
        return response
    data = Answer.decode(api, forward(request.with_path(operation_path(request, "select"))))
    if data is None:
        return response
    answer.set_values(np.array([np.nansum(data.values(), dtype=data.numpy_dtype)]))
    return answer.encode(response)


@fault(
    "count-field-includes-missing",
    "response",
    "missing",
    "the count field of sum/min/max/select counts missing elements too",
)
def _count_includes_missing(request: Request, forward: Forward, context: Context) -> Outcome:
    response = forward(request)
    body = request.json() if request.is_reduction else None
    api = request.api
    if body is None or api is None or "missing" not in body or request.operation == "count":
        return response
    answer = Answer.decode(api, response)
    if answer is None:
        return response
    totals_body = {k: v for k, v in body.items() if k != "missing" and not k.startswith("option_")}
    if request.operation == "select":
        totals_body.pop("axis", None)
    totals_request = request.with_json(totals_body).with_path(operation_path(request, "count"))
    totals = Answer.decode(api, forward(totals_request))
    if totals is None:
        return response
    answer.count = [int(v) for v in totals.values()]
    return answer.encode(response)


@answer_fault("one-wrong-element", "operations", "the last element of the result is off")
def _one_wrong(answer: Answer, request: Request) -> None | Literal[False]:
    return last_element_off(answer)


@answer_fault(
    "reversed-elements", "operations or selection", "the result elements come in reverse order"
)
def _reversed_elements(answer: Answer, request: Request) -> None:
    answer.set_values(answer.values()[::-1])


@answer_fault("reversed-bytes", "operations", "the result bytes are reversed end to end")
def _reversed_bytes(answer: Answer, request: Request) -> None:
    answer.data = answer.data[::-1]


@answer_fault(
    "byte-swapped", "operations", "each element's bytes are swapped; byte_order field unchanged"
)
def _byte_swapped(answer: Answer, request: Request) -> None:
    answer.data = answer.values().byteswap().tobytes()


@answer_fault(
    "wrong-byte-order-field", "operations", "the byte_order field names the other byte order"
)
def _wrong_byte_order_field(answer: Answer, request: Request) -> None:
    answer.byte_order = swap_order(answer.byte_order)


@answer_fault(
    "byte-order-follows-request",
    "byteorder",
    "the result is in the request's byte order (declared so) instead of the server's",
)
def _byte_order_follows_request(answer: Answer, request: Request) -> None | Literal[False]:
    wanted = (request.json() or {}).get("byte_order")
    if wanted not in ("big", "little") or wanted == answer.byte_order:
        return False
    values = answer.values()
    answer.byte_order = str(wanted)
    answer.set_values(values)
    return None


@answer_fault("wrong-dtype", "operations", "the dtype field names another dtype of the same size")
def _wrong_dtype(answer: Answer, request: Request) -> None | Literal[False]:
    if answer.dtype not in SAME_SIZE_DTYPE:
        return False
    answer.dtype = SAME_SIZE_DTYPE[answer.dtype]
    return None


@answer_fault(
    "widened-sum",
    "operations or edge",
    "32-bit sums are returned widened to int64/uint64/float64",
)
def _widened_sum(answer: Answer, request: Request) -> None | Literal[False]:
    if request.operation != "sum" or answer.dtype not in WIDER_DTYPE:
        return False
    answer.set_values(answer.values().astype(WIDER_DTYPE[answer.dtype]), WIDER_DTYPE[answer.dtype])
    return None


@answer_fault("count-as-int32", "operations", "the count operation answers int32, not int64")
def _count_int32(answer: Answer, request: Request) -> None | Literal[False]:
    if request.operation != "count":
        return False
    answer.set_values(answer.values().astype(np.int32), "int32")
    return None


@answer_fault("wrong-shape", "operations", "the shape is wrong: [] as [1], 1-D as [n, 1], n-D flat")
def _wrong_shape(answer: Answer, request: Request) -> None:
    if not answer.shape:
        answer.shape = [1]
    elif len(answer.shape) == 1:
        answer.shape = answer.shape + [1]
    else:
        answer.shape = [int(np.prod(answer.shape))]


@answer_fault("keepdims-shape", "axis", "reduced axes are kept as length-1 dimensions")
def _keepdims(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json() or {}
    selected = selected_shape(body)
    axes = reduced_axes(body, len(selected)) if selected is not None else None
    if request.operation == "select" or selected is None or axes is None:
        return False
    if answer.shape != [n for i, n in enumerate(selected) if i not in axes]:
        return False
    answer.shape = [1 if i in axes else n for i, n in enumerate(selected)]
    return None


@answer_fault(
    "f-order-shape-reversed", "operations or selection", "order F answers report the shape reversed"
)
def _f_shape_reversed(answer: Answer, request: Request) -> None | Literal[False]:
    if (request.json() or {}).get("order") != "F" or len(set(answer.shape)) < 2:
        return False
    answer.shape = answer.shape[::-1]
    return None


@answer_fault("count-off-by-one", "operations", "every count is one too many")
def _count_off_by_one(answer: Answer, request: Request) -> None:
    answer.count = [c + 1 for c in answer.count]


@answer_fault(
    "count-total-for-axis", "axis", "an axis reduction's count is one total, not one per cell"
)
def _count_total(answer: Answer, request: Request) -> None | Literal[False]:
    if len(answer.count) < 2 or request.operation == "select":
        return False
    answer.count = [sum(answer.count)]
    return None


@answer_fault("missing-count", "operations", "the count is left out (v1 header, v2 CBOR key)")
def _missing_count(answer: Answer, request: Request) -> None:
    answer.omit |= {"count", "count_as_bytes"}


@answer_fault("missing-shape", "operations", "the shape is left out (v1 header, v2 CBOR key)")
def _missing_shape(answer: Answer, request: Request) -> None:
    answer.omit |= {"shape", "shape_as_bytes"}


@answer_fault(
    "missing-byte-order", "operations", "the byte order is left out (v1 header, v2 CBOR key)"
)
def _missing_byte_order(answer: Answer, request: Request) -> None:
    answer.omit.add("byte_order")


@answer_fault("truncated-bytes", "operations", "the result loses its last byte")
def _truncated(answer: Answer, request: Request) -> None | Literal[False]:
    if not answer.data:
        return False
    answer.data = answer.data[:-1]
    return None


@answer_fault("extra-bytes", "operations", "the result carries one extra zero element")
def _extra_bytes(answer: Answer, request: Request) -> None:
    answer.data += bytes(answer.numpy_dtype.itemsize)


@answer_fault(
    "select-f-order-as-c", "selection or operations", "select with order F answers in C order"
)
def _select_c_order(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json() or {}
    if request.operation != "select" or body.get("order") != "F" or len(answer.shape) < 2:
        return False
    values = answer.values()
    if values.size != int(np.prod(answer.shape)):
        return False
    answer.set_values(values.reshape(answer.shape, order="F").ravel(order="C"))
    return None


@answer_fault(
    "empty-sentinel-wrong",
    "missing or axis or selection",
    "min/max of an empty cell is +-inf (floats) or 0 (integers), not the dtype's extreme",
)
def _empty_sentinel(answer: Answer, request: Request) -> None | Literal[False]:
    values = answer.values()
    if request.operation not in ("min", "max") or len(answer.count) != values.size:
        return False
    empty = np.asarray(answer.count) == 0
    if not empty.any():
        return False
    if values.dtype.kind == "f":
        values[empty] = np.inf if request.operation == "min" else -np.inf
    else:
        values[empty] = 0
    answer.set_values(values)
    return None


@answer_fault(
    "empty-min-max-error",
    "missing or axis or selection",
    "min/max with no valid data answers 400 instead of the sentinel (as releases <= 0.9 did)",
)
def _empty_error(answer: Answer, request: Request) -> Response | Literal[False]:
    if request.operation not in ("min", "max") or not answer.count or any(answer.count):
        return False
    return error_response(
        400, f"cannot perform {request.operation} on empty array or selection", []
    )
