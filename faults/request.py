"""Request-side faults that edit the JSON body before it is forwarded: a server that ignores or
mishandles a field (selection, offset, missing data, byte order, axis, codecs) or repairs
what it must refuse. The real server then computes a plausible but wrong answer.
"""

from __future__ import annotations

import sys
from typing import Any

from .edits import (
    KNOWN_FIELDS,
    all_ints,
    byteswapped,
    f32,
    f32_number,
    next_value,
    selection_slices,
    swap_order,
    unrounded_bound,
)
from .messages import Request
from .registry import request_fault


@request_fault("ignore-selection", "selection", "the selection is ignored: the whole array")
def _ignore_selection(body: dict[str, Any], request: Request) -> None:
    body.pop("selection", None)


@request_fault("ignore-stride", "selection", "selection strides are taken as 1 (or -1)")
def _ignore_stride(body: dict[str, Any], request: Request) -> None:
    for s in selection_slices(body):
        if all_ints(s) and s[2] != 0:
            s[2] = 1 if s[2] > 0 else -1


@request_fault(
    "selection-end-inclusive", "selection", "the selection's end index is included (off by one)"
)
def _end_inclusive(body: dict[str, Any], request: Request) -> None:
    for s in selection_slices(body):
        if all_ints(s) and s[2] != 0:
            s[1] += 1 if s[2] > 0 else -1


@request_fault("negative-index-as-zero", "selection", "negative selection indices are clamped to 0")
def _negative_as_zero(body: dict[str, Any], request: Request) -> None:
    for s in selection_slices(body):
        if all_ints(s):
            s[0], s[1] = max(s[0], 0), max(s[1], 0)


@request_fault("drop-offset", "offset or compression or http", "the offset is ignored: read from 0")
def _drop_offset(body: dict[str, Any], request: Request) -> None:
    body.pop("offset", None)


@request_fault(
    "drop-size", "offset or compression or http", "the size is ignored: read to the object's end"
)
def _drop_size(body: dict[str, Any], request: Request) -> None:
    body.pop("size", None)


@request_fault("drop-shape", "operations or offset", "the shape is ignored: data are 1-D")
def _drop_shape(body: dict[str, Any], request: Request) -> None:
    if "selection" not in body and "axis" not in body:
        body.pop("shape", None)


@request_fault("ignore-missing", "missing", "the missing-data descriptor is ignored")
def _ignore_missing(body: dict[str, Any], request: Request) -> None:
    body.pop("missing", None)


@request_fault(
    "missing-values-first-only", "missing", "only the first of missing_values is honoured"
)
def _first_missing_value(body: dict[str, Any], request: Request) -> None:
    missing = body.get("missing")
    if isinstance(missing, dict) and isinstance(missing.get("missing_values"), list):
        values = missing["missing_values"]
        body["missing"] = {"missing_value": values[0]} if values else {"missing_values": []}


@request_fault(
    "valid-bounds-exclusive",
    "missing",
    "valid_min/valid_max/valid_range bounds are exclusive (boundary values count as missing)",
)
def _bounds_exclusive(body: dict[str, Any], request: Request) -> None:
    missing, dtype = body.get("missing"), str(body.get("dtype"))
    if not isinstance(missing, dict):
        return
    if "valid_min" in missing:
        missing["valid_min"] = next_value(missing["valid_min"], dtype, up=True)
    if "valid_max" in missing:
        missing["valid_max"] = next_value(missing["valid_max"], dtype, up=False)
    bounds = missing.get("valid_range")
    if isinstance(bounds, list) and len(bounds) == 2:
        missing["valid_range"] = [
            next_value(bounds[0], dtype, up=True),
            next_value(bounds[1], dtype, up=False),
        ]


@request_fault("ignore-byte-order", "byteorder", "byte_order is ignored: data read as native")
def _ignore_byte_order(body: dict[str, Any], request: Request) -> None:
    body.pop("byte_order", None)


@request_fault("byte-order-inverted", "byteorder", "byte_order is read the wrong way round")
def _byte_order_inverted(body: dict[str, Any], request: Request) -> None:
    if body.get("byte_order") in ("big", "little"):
        body["byte_order"] = swap_order(body["byte_order"])


@request_fault(
    "force-order-c", "operations or selection or axis", "order F is ignored: always row-major"
)
def _force_c(body: dict[str, Any], request: Request) -> None:
    if "order" in body:
        body["order"] = "C"


@request_fault("drop-axis", "axis", "axis is ignored: always reduce over all axes")
def _drop_axis(body: dict[str, Any], request: Request) -> None:
    body.pop("axis", None)


@request_fault("axis-first-only", "axis", "an axis list reduces over its first axis only")
def _first_axis(body: dict[str, Any], request: Request) -> None:
    axis = body.get("axis")
    if isinstance(axis, list) and len(axis) > 1:
        body["axis"] = axis[:1]


@request_fault(
    "ignore-filters", "compression or filters", "filters are not undone (shuffle ignored)"
)
def _ignore_filters(body: dict[str, Any], request: Request) -> None:
    body.pop("filters", None)


@request_fault("ignore-compression", "compression", "compression is ignored: bytes read raw")
def _ignore_compression(body: dict[str, Any], request: Request) -> None:
    body.pop("compression", None)


@request_fault(
    "ignore-as-bytes-options",
    "options",
    "option_shape_as_bytes/option_count_as_bytes are ignored",
    apis=("v2",),
)
def _ignore_options(body: dict[str, Any], request: Request) -> None:
    body.pop("option_shape_as_bytes", None)
    body.pop("option_count_as_bytes", None)


@request_fault(
    "accept-unknown-fields", "errors", "unknown request fields are dropped instead of refused"
)
def _accept_unknown(body: dict[str, Any], request: Request) -> None:
    known = KNOWN_FIELDS.get(request.api or "", set())
    for name in [n for n in body if n not in known]:
        del body[name]


@request_fault("accept-zero-stride", "errors", "a selection stride of 0 is taken as 1")
def _accept_zero_stride(body: dict[str, Any], request: Request) -> None:
    for s in selection_slices(body):
        if s[2] == 0:
            s[2] = 1


@request_fault(
    "accept-unsorted-axes",
    "errors",
    "axis lists are sorted and deduplicated, negative axes wrapped, instead of refused",
)
def _accept_unsorted_axes(body: dict[str, Any], request: Request) -> None:
    axis, shape = body.get("axis"), body.get("shape")
    ndim = len(shape) if isinstance(shape, list) else None
    if isinstance(axis, int) and not isinstance(axis, bool) and axis < 0 and ndim:
        body["axis"] = axis + ndim
    elif isinstance(axis, list) and all_ints(axis):
        wrapped = [a + ndim if a < 0 and ndim else a for a in axis]
        body["axis"] = sorted(set(wrapped))


@request_fault("axis-empty-as-all", "axis", "axis [] reduces over all axes instead of none")
def _axis_empty_as_all(body: dict[str, Any], request: Request) -> None:
    if body.get("axis") == []:
        del body["axis"]


@request_fault(
    "case-insensitive-enums",
    "errors",
    "dtype, order, byte_order and codec ids are accepted in any letter case",
)
def _case_insensitive(body: dict[str, Any], request: Request) -> None:
    for name, fold in (("dtype", str.lower), ("order", str.upper), ("byte_order", str.lower)):
        if isinstance(body.get(name), str):
            body[name] = fold(body[name])
    for codec in [body.get("compression"), *(body.get("filters") or [])]:
        if isinstance(codec, dict) and isinstance(codec.get("id"), str):
            codec["id"] = codec["id"].lower()


@request_fault(
    "missing-before-byte-swap",
    "byteorder or missing",
    "missing_value(s) are compared with the raw bytes before the byte-order swap",
)
def _missing_before_swap(body: dict[str, Any], request: Request) -> None:
    missing, dtype = body.get("missing"), str(body.get("dtype"))
    if body.get("byte_order") not in ("big", "little") or body["byte_order"] == sys.byteorder:
        return
    if not isinstance(missing, dict):
        return
    if "missing_value" in missing:
        missing["missing_value"] = byteswapped(missing["missing_value"], dtype)
    if isinstance(missing.get("missing_values"), list):
        missing["missing_values"] = [byteswapped(v, dtype) for v in missing["missing_values"]]


@request_fault(
    "missing-float32-unrounded",
    "missing",
    "float32 missing values are compared in float64, not rounded to float32 first",
)
def _missing_unrounded(body: dict[str, Any], request: Request) -> None:
    """Emulates comparing float32 elements (widened) with the float64 JSON value.

    Equality never holds for a value float32 cannot represent; an inequality bound that
    float32 rounds down (up) then also excludes (includes) the rounded value itself.
    """
    missing = body.get("missing")
    if body.get("dtype") != "float32" or not isinstance(missing, dict):
        return

    value: Any = missing.get("missing_value")
    if f32_number(value) and f32(value) != value:
        body["missing"] = {"missing_values": []}
        return
    values = missing.get("missing_values")
    if isinstance(values, list) and all(f32_number(v) for v in values):
        missing["missing_values"] = [v for v in values if f32(v) == v]
    if "valid_min" in missing:
        missing["valid_min"] = unrounded_bound(missing["valid_min"], low=True)
    if "valid_max" in missing:
        missing["valid_max"] = unrounded_bound(missing["valid_max"], low=False)
    bounds = missing.get("valid_range")
    if isinstance(bounds, list) and len(bounds) == 2:
        missing["valid_range"] = [
            unrounded_bound(bounds[0], low=True),
            unrounded_bound(bounds[1], low=False),
        ]
