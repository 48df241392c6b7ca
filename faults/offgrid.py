"""Faults that only requests off the grid trigger: combinations no grid test sends.

They show what the fuzz area (compliance/test_fuzz.py) adds: the grid passes through them, the
fuzz area fails with a shrunk request. Their area is therefore ``fuzz``.
"""

from __future__ import annotations

from typing import Any, Literal


from .edits import last_element_off
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
