"""What the faults share: reading a request's selection and axes, dtype tables, byte swaps,
float32 rounding, and reading or editing a Reductionist-style error body.
"""

from __future__ import annotations

import base64
import copy
from typing import Any, Callable, Literal

import numpy as np

from .messages import Answer, Request, Response, json_response


def selection_slices(body: dict[str, Any]) -> list[list[Any]]:
    """The selection's slices as mutable [start, end, stride] lists (object form converted)."""
    selection = body.get("selection")
    if not isinstance(selection, list):
        return []
    slices = []
    for item in selection:
        if isinstance(item, dict) and {"start", "end", "stride"} <= set(item):
            slices.append([item["start"], item["end"], item["stride"]])
        elif isinstance(item, list) and len(item) == 3:
            slices.append(item)
        else:
            return []
    body["selection"] = slices
    return slices


def all_ints(values: list[Any]) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def selected_shape(body: dict[str, Any]) -> list[int] | None:
    """The shape after the request's selection (NumPy slice semantics), if the shape is known."""
    shape = body.get("shape")
    if not isinstance(shape, list) or not all_ints(shape):
        return None
    selection = body.get("selection")
    if selection is None:
        return list(shape)
    slices = selection_slices(copy.deepcopy(body))
    if len(slices) != len(shape) or not all(all_ints(s) and s[2] != 0 for s in slices):
        return None
    return [len(range(*slice(*s).indices(n))) for s, n in zip(slices, shape)]


def reduced_axes(body: dict[str, Any], ndim: int) -> list[int] | None:
    """The axes a reduction folds: all when absent or null, else the listed ones."""
    axis = body.get("axis")
    if axis is None:
        return list(range(ndim))
    if isinstance(axis, int) and not isinstance(axis, bool):
        return [axis]
    if isinstance(axis, list) and all_ints(axis):
        return sorted(axis)
    return None


def last_element_off(answer: Answer) -> None | Literal[False]:
    """Change the last element of the result (False: an empty result, nothing to change)."""
    values = answer.values()
    if values.size == 0:
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        values[-1] = changed_element(values[-1])
    answer.set_values(values)
    return None


def changed_element(value: Any) -> Any:
    """A visibly different value of the same dtype."""
    if isinstance(value, np.floating):
        if not np.isfinite(value) or value + 1 == value:
            return value.dtype.type(0 if value != 0 else 1)
        return value + value.dtype.type(1)
    info = np.iinfo(value.dtype)
    return value.dtype.type(info.min if value == info.max else value + 1)


def swap_order(byte_order: str) -> str:
    return "big" if byte_order == "little" else "little"


SIGNED_OF = {"uint32": "int32", "uint64": "int64"}
SAME_SIZE_DTYPE = {
    "int32": "uint32",
    "uint32": "int32",
    "float32": "int32",
    "int64": "uint64",
    "uint64": "int64",
    "float64": "int64",
}
SIGNED_ALL = ("int32", "int64", "uint32", "uint64", "float32", "float64")
WIDER_DTYPE = {"int32": "int64", "uint32": "uint64", "float32": "float64"}
COMMON_FIELDS = (
    "dtype",
    "byte_order",
    "offset",
    "size",
    "shape",
    "axis",
    "order",
    "selection",
    "compression",
    "filters",
    "missing",
)
KNOWN_FIELDS = {
    "v1": {"source", "bucket", "object", *COMMON_FIELDS},
    "v2": {
        "interface_type",
        "url",
        *COMMON_FIELDS,
        "option_disable_chunk_cache",
        "option_shape_as_bytes",
        "option_count_as_bytes",
    },
}
#: Fields a lenient server drops, in this order, when the request is refused.
OPTIONAL_FIELDS = (
    "selection",
    "axis",
    "missing",
    "filters",
    "compression",
    "byte_order",
    "order",
    "offset",
    "size",
    "shape",
    "option_shape_as_bytes",
    "option_count_as_bytes",
    "option_disable_chunk_cache",
)


def operation_path(request: Request, operation: str) -> str:
    """The request's path with another operation, keeping its API and trailing slash."""
    slash = "/" if request.path.split("?")[0].endswith("/") else ""
    return f"/{request.api}/{operation}{slash}"


def basic_auth(credentials: tuple[str, str]) -> str:
    token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode()
    return f"Basic {token}"


def error_text(response: Response) -> str:
    body = response.error_json() or {}
    error = body.get("error")
    if isinstance(error, dict):
        causes = error.get("caused_by") or []
        return " | ".join(str(t) for t in [error.get("message", ""), *causes])
    return response.body.decode("utf-8", errors="replace")


def edit_error(response: Response, change: Callable[[dict[str, Any]], None]) -> Response:
    """Change the ``error`` object of a Reductionist-style JSON error body."""
    body = response.error_json()
    if body is None or not isinstance(body.get("error"), dict):
        return response
    change(body["error"])
    return json_response(response.status, body).replace(
        headers={**response.headers, "content-type": "application/json"}
    )


def next_value(value: Any, dtype: str, up: bool) -> Any:
    """The next value of ``dtype`` above (or below) ``value``, as a JSON number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    kind = np.dtype(dtype).kind if dtype in SAME_SIZE_DTYPE else "f"
    if kind in "iu" and isinstance(value, int):
        return value + (1 if up else -1)
    dt = np.dtype(dtype) if kind == "f" else np.dtype("float64")
    return float(np.nextafter(dt.type(value), dt.type(np.inf if up else -np.inf)))


def byteswapped(value: Any, dtype: str) -> Any:
    """``value`` with its bytes reversed in ``dtype`` (unchanged if that is not a finite number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or dtype not in SIGNED_ALL:
        return value
    try:
        swapped = np.array([value], dtype=dtype).byteswap()[0]
    except (OverflowError, ValueError):
        return value
    if np.dtype(dtype).kind == "f":
        return float(swapped) if np.isfinite(swapped) else value
    return int(swapped)


def f32(value: float) -> float:
    return float(np.float32(value))


def f32_step(value: float, up: bool) -> float:
    return float(np.nextafter(np.float32(value), np.float32(np.inf if up else -np.inf)))


def f32_number(value: Any) -> bool:
    """A JSON number float32 can hold (finite after rounding)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return ok and abs(value) < 3.4e38


def unrounded_bound(value: Any, low: bool) -> Any:
    """The float32 bound that acts like comparing with the unrounded ``value`` in float64.

    ``x < v`` for a float32 ``x`` and a ``v`` that float32 rounds down to ``r`` holds for
    ``x <= r``, i.e. ``x < next_up(r)``; likewise ``x > v`` with ``v`` rounded up.
    """
    if not f32_number(value):
        return value
    rounded = f32(value)
    if low and rounded < value:
        return f32_step(value, up=True)
    if not low and rounded > value:
        return f32_step(value, up=False)
    return value
