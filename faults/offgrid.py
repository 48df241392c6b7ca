"""Faults that only requests off the grid trigger: combinations no grid test sends.

They show what the fuzz area (compliance/test_fuzz.py) adds: the grid passes through them, the
fuzz area fails with a shrunk request. Their area is therefore ``fuzz``.
"""

from __future__ import annotations

from typing import Any, Literal


from .edits import all_ints, last_element_off, selection_slices
from .messages import Answer, Request
from .registry import answer_fault


def _has_negative_stride(body: dict[str, Any]) -> bool:
    selection = body.get("selection")
    return isinstance(selection, list) and any(
        isinstance(s, list) and len(s) == 3 and isinstance(s[2], int) and s[2] < 0
        for s in selection
    )


@answer_fault(
    "offgrid-compressed-reversed-slice",
    "fuzz",
    "a compressed request whose selection has a negative stride: the last element is off",
)
def _compressed_reversed_slice(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json()
    if body is None or "compression" not in body or not _has_negative_stride(body):
        return False
    return last_element_off(answer)


@answer_fault(
    "offgrid-big-endian-odd-offset-f-order",
    "fuzz",
    "big-endian F-order data at an odd offset: the last element is off",
)
def _big_endian_odd_offset_f_order(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json()
    if body is None or body.get("byte_order") != "big" or body.get("order") != "F":
        return False
    offset = body.get("offset")
    if not isinstance(offset, int) or offset % 2 == 0:
        return False
    return last_element_off(answer)


def _reversed_slice_clamps(body: dict[str, Any]) -> bool:
    """A negative-stride slice whose start lies outside its dimension (it clamps), in a request
    of two or more dimensions."""
    shape = body.get("shape")
    slices = selection_slices(body)
    if not isinstance(shape, list) or len(shape) < 2 or len(slices) != len(shape):
        return False
    return any(all_ints([*s, n]) and s[2] < 0 and not -n <= s[0] < n for s, n in zip(slices, shape))


@answer_fault(
    "offgrid-clamped-reversed-slice-nd",
    "fuzz",
    "a 2-D or larger request with a negative-stride slice whose start clamps: the last element "
    "is off",
)
def _clamped_reversed_slice_nd(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json()
    if body is None or not _reversed_slice_clamps(body):
        return False
    return last_element_off(answer)


@answer_fault(
    "offgrid-int64-missing-strided",
    "fuzz",
    "int64 data with a missing descriptor and a selection striding by 2 or more: the last "
    "element is off",
)
def _int64_missing_strided(answer: Answer, request: Request) -> None | Literal[False]:
    body = request.json()
    if body is None or body.get("dtype") != "int64" or not body.get("missing"):
        return False
    strides = [s[2] for s in selection_slices(body)]
    if not all_ints(strides) or not any(abs(stride) > 1 for stride in strides):
        return False
    return last_element_off(answer)
