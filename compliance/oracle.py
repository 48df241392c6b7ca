"""Expected results, computed with numpy exactly as the API spec defines them
(docs/spec.md#operations).

The oracle sees the logical array (before byte order, filters and compression), the request's
selection, axis, order and missing descriptor, and returns the expected bytes, dtype, shape and
count, or the error a profile's server must give.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .data import missing_mask
from .profiles import Profile

#: ``axis`` left out of the request (reduce over all axes); distinct from ``None`` (JSON null).
AXIS_ABSENT = "absent"
Axis = Any  # AXIS_ABSENT, None, an int, or a list of ints
Selection = Sequence[Sequence[int]]


@dataclass(frozen=True)
class Expected:
    """What a correct server answers: values in result layout, or an expected error status."""

    values: np.ndarray | None  # result array with its logical shape
    dtype: str
    shape: tuple[int, ...]
    count: tuple[int, ...]
    layout: str = "C"  # element order of the result bytes
    error_status: int | None = None
    # Largest accepted |actual - expected| per value: 0 (exact) except for realistic float data,
    # whose bound the test derives from the dtype's epsilon and the element count.
    tolerance: float = 0.0

    def to_bytes(self) -> bytes:
        assert self.values is not None
        return self.values.astype(self.dtype).tobytes(order=self.layout)  # type: ignore[arg-type]


def select(array: np.ndarray, selection: Selection | None) -> np.ndarray:
    """NumPy basic slicing with (start, end, stride) triples: negative indices and clamping."""
    if selection is None:
        return array
    return array[tuple(slice(int(a), int(b), int(c)) for a, b, c in selection)]


def normalise_axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """The reduced axes: all for absent/null, one for an int, the listed ones for a list."""
    if axis == AXIS_ABSENT or axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        return (axis,)
    return tuple(axis)


def _flat_ints(array: np.ndarray, order: str) -> tuple[int, ...]:
    """The elements as Python ints, in the result's element order (a scalar gives one)."""
    flat = np.ravel(array, order=order)  # type: ignore[call-overload]
    return tuple(int(v) for v in flat)


def _extreme(
    op: str, selected: np.ndarray, mask: np.ndarray, axes: tuple[int, ...], counts: np.ndarray
) -> np.ndarray:
    """max/min of the valid elements per cell, in the dtype; cells without data get sentinels.

    Holes are filled with the operation's identity (-inf/+inf, or the integer extremes), so a
    valid infinity still wins; cells with no valid element then take the spec's sentinel.
    """
    dtype = selected.dtype
    if dtype.kind == "f":
        identity = -np.inf if op == "max" else np.inf
    else:
        info = np.iinfo(dtype)
        identity = info.min if op == "max" else info.max
    filled = np.where(mask, dtype.type(identity), selected)
    reduce = np.max if op == "max" else np.min
    reduced = reduce(filled, axis=axes, initial=dtype.type(identity))
    return np.where(counts == 0, dtype.type(empty_sentinel(op, dtype)), reduced).astype(dtype)


def empty_sentinel(op: str, dtype: np.dtype) -> Any:
    """max/min of nothing: the dtype's lowest/highest finite value (spec §3.3), not +-inf."""
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return -info.max if op == "max" else info.max
    iinfo = np.iinfo(dtype)
    return iinfo.min if op == "max" else iinfo.max


def expected_result(
    op: str,
    array: np.ndarray,
    profile: Profile,
    *,
    selection: Selection | None = None,
    axis: Axis = AXIS_ABSENT,
    order: str = "C",
    missing: dict[str, Any] | None = None,
) -> Expected:
    """The expected answer for one request.

    Layout of multi-dimensional results for ``order: "F"``: every result comes back in the
    request's element order (column-major), the layout a user who asked for F order expects
    and the one the upstream suite assumes (it reshapes every result with the request's order).
    The spec reads Reductionist as emitting C order for reductions over one or more axes; where
    a server does so, that is recorded as a known deviation in its profile.
    """
    dtype = array.dtype
    selected = select(array, selection)
    mask = missing_mask(selected, missing)
    axes = normalise_axes(axis, selected.ndim)
    # ``select`` ignores axis; a reduction over no axes keeps the shape (NumPy axis=()).
    keep_all = op == "select" or axes == ()
    valid_counts = (~mask).sum(axis=axes, dtype=np.int64) if not keep_all else None
    result_shape = (
        selected.shape
        if keep_all
        else tuple(n for i, n in enumerate(selected.shape) if i not in axes)
    )
    if op == "select":
        n_valid = int((~mask).sum())
        return Expected(selected.copy(), dtype.name, selected.shape, (n_valid,), order)
    if keep_all:
        ones = (~mask).astype(np.int64)
        kept = ones if op == "count" else selected.copy()
        kept_dtype = "int64" if op == "count" else dtype.name
        return Expected(kept, kept_dtype, result_shape, _flat_ints(ones, order), order)
    assert valid_counts is not None
    counts_arr = np.asarray(valid_counts).reshape(result_shape)
    if (
        op in ("min", "max", "mean")
        and profile.empty_reduction == "error"
        and int(counts_arr.min(initial=1)) == 0
    ):
        return Expected(None, dtype.name, (), (), order, error_status=400)
    values: np.ndarray
    if op == "count":
        values = counts_arr.astype(np.int64)
    elif op in ("sum", "mean"):
        with np.errstate(over="ignore", invalid="ignore"):  # ints wrap; inf - inf is NaN
            sums = np.sum(np.where(mask, dtype.type(0), selected), axis=axes, dtype=dtype)
        if op == "sum":
            values = np.asarray(sums)
        else:  # the prototype's mean, cast back to the input dtype
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.where(counts_arr == 0, 0, sums / np.maximum(counts_arr, 1))
            values = values.astype(dtype)
    elif op in ("max", "min"):
        values = _extreme(op, selected, mask, axes, counts_arr)
    else:
        raise ValueError(f"unknown operation {op!r}")
    values = np.asarray(values, dtype=np.int64 if op == "count" else dtype).reshape(result_shape)
    count = _flat_ints(counts_arr, order)
    return Expected(values, "int64" if op == "count" else dtype.name, result_shape, count, order)
