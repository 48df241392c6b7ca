"""Faults that only requests off the grid trigger: combinations no grid test sends.

They show what the fuzz area (compliance/test_fuzz.py) adds: the grid passes through them, the
fuzz area fails with a shrunk request. Their area is therefore ``fuzz``. Each is one condition on
the request body; when it holds, the answer's last element is off (``_last_element_off_when``).
"""

from __future__ import annotations

from typing import Any, Callable, Literal

from .edits import all_ints, last_element_off, selection_slices
from .messages import Answer, Request
from .registry import answer_fault

Condition = Callable[[dict[str, Any]], bool]


def _last_element_off_when(name: str, description: str, condition: Condition) -> None:
    """Register the fault ``name``: the last element off in answers to requests that meet
    ``condition``, every other answer passed unchanged."""

    def edit(answer: Answer, request: Request) -> None | Literal[False]:
        body = request.json()
        if body is None or not condition(body):
            return False
        return last_element_off(answer)

    answer_fault(name, "fuzz", description)(edit)


def _has_negative_stride(body: dict[str, Any]) -> bool:
    selection = body.get("selection")
    return isinstance(selection, list) and any(
        isinstance(s, list) and len(s) == 3 and isinstance(s[2], int) and s[2] < 0
        for s in selection
    )


def _compressed_reversed_slice(body: dict[str, Any]) -> bool:
    return "compression" in body and _has_negative_stride(body)


def _big_endian_odd_offset_f_order(body: dict[str, Any]) -> bool:
    offset = body.get("offset")
    return (
        body.get("byte_order") == "big"
        and body.get("order") == "F"
        and isinstance(offset, int)
        and offset % 2 == 1
    )


def _reversed_slice_clamps(body: dict[str, Any]) -> bool:
    """A negative-stride slice whose start lies outside its dimension (it clamps), in a request
    of two or more dimensions."""
    shape = body.get("shape")
    slices = selection_slices(body)
    if not isinstance(shape, list) or len(shape) < 2 or len(slices) != len(shape):
        return False
    return any(all_ints([*s, n]) and s[2] < 0 and not -n <= s[0] < n for s, n in zip(slices, shape))


def _int64_missing_strided(body: dict[str, Any]) -> bool:
    if body.get("dtype") != "int64" or not body.get("missing"):
        return False
    strides = [s[2] for s in selection_slices(body)]
    return all_ints(strides) and any(abs(stride) > 1 for stride in strides)


_last_element_off_when(
    "offgrid-compressed-reversed-slice",
    "a compressed request whose selection has a negative stride: the last element is off",
    _compressed_reversed_slice,
)
_last_element_off_when(
    "offgrid-big-endian-odd-offset-f-order",
    "big-endian F-order data at an odd offset: the last element is off",
    _big_endian_odd_offset_f_order,
)
_last_element_off_when(
    "offgrid-clamped-reversed-slice-nd",
    "a 2-D or larger request with a negative-stride slice whose start clamps: the last element "
    "is off",
    _reversed_slice_clamps,
)
_last_element_off_when(
    "offgrid-int64-missing-strided",
    "int64 data with a missing descriptor and a selection striding by 2 or more: the last "
    "element is off",
    _int64_missing_strided,
)
