"""Hypothesis strategies that draw valid requests (``Case`` objects) for one profile.

The fuzz area (compliance/test_fuzz.py) sends what these draw through the grid's own pipeline and
oracle, so the strategies only decide *which* cases exist: every field the grid varies (dtype,
shape up to 4-D, order, selections with negative indices, strides, clamping and empty ranges,
axes, offset/size with padding, compression and filters, missing-data forms, byte order, both
backends on v2), combined freely. What a profile lacks is never drawn, and neither is what one of
its known deviations covers (``excluded``), so a clean server passes and a fixed deviation, once
its entry is removed from the profile, is drawn again.
"""

from __future__ import annotations

import re

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from .case import Backend, Case, logical_array
from .oracle import AXIS_ABSENT, Axis, normalise_axes, select
from .profiles import Profile

#: Largest extent of one dimension, and most dimensions: small arrays, many combinations.
MAX_EXTENT = 6
MAX_NDIM = 4
#: Most padding bytes before and after the array in the object.
MAX_PADDING = 24

Exclusion = Callable[[Case], bool]


def _f_order_partial_reduction(case: Case) -> bool:
    """An F-order reduction over some but not all axes: 0.11-0.13 answer it in C element order
    (deviations._F_ORDER_AXIS_RESULTS; the count list too, which differs only with holes)."""
    if case.order != "F" or case.axis in (AXIS_ABSENT, None) or case.op == "select":
        return False
    reduced = normalise_axes(case.axis, len(case.shape))
    partial = 0 < len(reduced) < len(case.shape)
    return partial and (case.op != "count" or case.missing is not None)


def _f_order_count_keeping_every_axis(case: Case) -> bool:
    """count with missing data, ``axis: []`` and order F on two or more dimensions: 0.11-0.13
    answer the per-element counts in C order (found by this area at example 2514 of 5000)."""
    if case.op != "count" or case.order != "F" or case.missing is None or len(case.shape) < 2:
        return False
    if case.axis in (AXIS_ABSENT, None):
        return False
    return not normalise_axes(case.axis, len(case.shape))


def _selects_nothing(case: Case) -> bool:
    return case.selection is not None and select(np.zeros(case.shape), case.selection).size == 0


def _min_max_of_nothing(case: Case) -> bool:
    """max or min over a selection with no element: the prototype answers 500 (numpy's
    'zero-size array to reduction operation', uncaught)."""
    return case.op in ("min", "max") and _selects_nothing(case)


def _mean_of_nothing(case: Case) -> bool:
    """mean over a selection with no element: the prototype answers 200 (found by this area)."""
    return case.op == "mean" and _selects_nothing(case)


def _http_without_range(case: Case) -> bool:
    """A padded array on the HTTP backend without both offset and size: the server sends a Range
    header only when both are given and reads the whole object otherwise
    (deviations._HTTP_OFFSET_WITHOUT_SIZE). Besides an offset alone, this makes a size alone fail
    (500 'failed to convert from bytes to i32') when the object's length is not a multiple of the
    item size, which the grid's aligned test_http_size_only does not show."""
    padded = case.leading > 0 or case.trailing > 0
    ranged = case.leading > 0 and case.send_size
    return case.backend.startswith("http") and padded and not ranged


def _blosc2_all_zero(case: Case) -> bool:
    """blosc2 data that are all zeros: 0.13.1 answers 400 'failed to decompress blosc2 data'
    (found by this area; the frame stores a zero chunk as a special value, which the blusc
    decoder does not expand)."""
    return case.compression == "blosc2" and not logical_array(case)[0].any()


#: Each known deviation a drawn case can meet, by a grid test id its pattern matches (matched
#: against the profile's deviations), and which cases it covers. The other deviations need data
#: the strategies never draw (NaN, infinities, corrupt blosc2 frames, unanswered stores,
#: malformed JSON, cache races), so they exclude nothing. An entry whose deviation the profile
#: does not list (a fixed one, or one not yet recorded) excludes nothing either: such cases are
#: drawn.
EXCLUSIONS: tuple[tuple[str, Exclusion], ...] = (
    (
        "compliance/test_axis.py::test_axis_f_order_multidimensional_result[sum-int32-x]",
        _f_order_partial_reduction,
    ),
    (
        "compliance/test_axis.py::test_axis_none_f_order_with_missing[count-missing_value]",
        _f_order_count_keeping_every_axis,
    ),
    ("compliance/test_http_backend.py::test_http_offset_only", _http_without_range),
    ("compliance/test_selection.py::test_selection[max-empty-start-eq-end-C]", _min_max_of_nothing),
    (
        "compliance/test_selection.py::test_mean_of_an_empty_selection[shape0-selection0]",
        _mean_of_nothing,
    ),
    ("compliance/test_compression.py::test_blosc2_all_zero_data[int32]", _blosc2_all_zero),
)


def excluded(case: Case, profile: Profile) -> bool:
    """Whether one of the profile's known deviations covers ``case`` (so it is not drawn)."""
    return any(
        covers(case) and any(re.search(d.pattern, test) for d in profile.deviations)
        for test, covers in EXCLUSIONS
    )


@st.composite
def _slice(draw: st.DrawFn, extent: int, negative: bool) -> tuple[int, int, int]:
    """One (start, end, stride): past the ends (clamping), empty, and negative if supported."""
    low = -2 * extent - 2 if negative else 0
    high = 2 * extent + 2
    start = draw(st.integers(low, high))
    end = draw(st.integers(low, high))
    strides = st.integers(1, 3) | st.integers(-3, -1) if negative else st.integers(1, 3)
    return start, end, draw(strides)


@st.composite
def _axis(draw: st.DrawFn, profile: Profile, ndim: int) -> Axis:
    """Absent, null, one axis, an ascending list (every axis only if supported), or []."""
    if not profile.axis:
        return AXIS_ABSENT
    most = ndim if profile.axis_all_listed else ndim - 1
    lists = st.lists(st.integers(0, ndim - 1), unique=True, max_size=most).map(sorted)
    axis: Axis = draw(st.sampled_from([AXIS_ABSENT, None]) | st.integers(0, ndim - 1) | lists)
    return axis


@st.composite
def _layout(draw: st.DrawFn, profile: Profile, dtype: str, backend: Backend) -> dict[str, Any]:
    """Leading and trailing bytes and whether offset/size are sent."""
    itemsize = np.dtype(dtype).itemsize
    leading = draw(st.integers(0, MAX_PADDING))
    if not profile.unaligned_offset:
        leading -= leading % itemsize
    trailing = draw(st.integers(0, MAX_PADDING))
    # without size the server reads to the object's end: only when nothing trails the array
    send_size = trailing > 0 or leading == 0 or draw(st.booleans())
    return {"leading": leading, "trailing": trailing, "send_size": send_size}


@st.composite
def _encoding(draw: st.DrawFn, profile: Profile) -> dict[str, Any]:
    """Compression (or none) and a filter pipeline drawn from the profile's filters."""
    compression = (
        draw(st.none() | st.sampled_from(profile.compression)) if profile.compression else None
    )
    filters = (
        draw(st.lists(st.sampled_from(profile.filters), max_size=2)) if profile.filters else []
    )
    byte_order = draw(st.sampled_from([None, "little", "big"])) if profile.byte_order else None
    return {"compression": compression, "filters": tuple(filters), "byte_order": byte_order}


@st.composite
def _case(draw: st.DrawFn, profile: Profile) -> Case:
    op = draw(st.sampled_from(profile.operations))
    dtype = draw(st.sampled_from(profile.dtypes))
    shape = tuple(draw(st.lists(st.integers(1, MAX_EXTENT), min_size=1, max_size=MAX_NDIM)))
    negative = profile.negative_selection
    selection = draw(st.none() | st.tuples(*(_slice(n, negative) for n in shape)))
    missing = draw(st.none() | st.sampled_from(profile.missing)) if profile.missing else None
    backends: list[Backend] = ["s3", "http"] if profile.http_backend else ["s3"]
    backend = draw(st.sampled_from(backends))
    axis = draw(_axis(profile, len(shape)))
    # without `shape` the bytes are one 1-D array; `axis` and `selection` require `shape`
    shaped = len(shape) > 1 or axis != AXIS_ABSENT or selection is not None
    send_shape = shaped or draw(st.booleans())
    return Case(
        op,
        dtype,
        shape,
        order=draw(st.sampled_from(["C", "F"])),
        selection=selection,
        axis=axis,
        missing=missing,
        all_missing=missing is not None and draw(st.integers(0, 7)) == 0,
        backend=backend,
        send_shape=send_shape,
        **draw(_encoding(profile)),
        **draw(_layout(profile, dtype, backend)),
    )


def cases(profile: Profile) -> st.SearchStrategy[Case]:
    """Valid cases for ``profile``: its capabilities only, none its known deviations cover."""
    return _case(profile).filter(lambda case: not excluded(case, profile))
