"""Reductions over chosen axes: one, several ascending, all listed, none (`[]`), absent, null.

Holds the server to docs/spec.md#axis (and #result-layout, #empty-selection).
"""

from __future__ import annotations

from typing import Any

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
from .oracle import AXIS_ABSENT
from .profiles import ALL_DTYPES, Profile

pytestmark = pytest.mark.axis

REDUCTIONS = ("count", "max", "min", "sum")
SHAPE = (3, 4, 5)

# (id, axis value)
AXES: list[tuple[str, Any]] = [
    ("absent", AXIS_ABSENT),
    ("null", None),
    ("int0", 0),
    ("int1", 1),
    ("int2", 2),
    ("list0", [0]),
    ("list01", [0, 1]),
    ("list02", [0, 2]),
    ("list12", [1, 2]),
    ("all-listed", [0, 1, 2]),
    ("none", []),
]


def _require_axis(profile: Profile, axis: Any, ndim: int) -> None:
    """Skip unless the server supports this axis field (a list of every axis is 0.12+)."""
    if axis is not AXIS_ABSENT:
        require(profile, "axis")
    if isinstance(axis, list) and len(axis) == ndim:
        require(profile, "axis_all_listed")


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name,axis", AXES, ids=[a[0] for a in AXES])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis(
    op: str,
    dtype: str,
    name: str,
    axis: Any,
    order: str,
    verify: Verify,
    profile: Profile,
) -> None:
    _require_axis(profile, axis, len(SHAPE))
    verify(Case(op, dtype, SHAPE, order=order, axis=axis))


@pytest.mark.parametrize("name,axis", AXES, ids=[a[0] for a in AXES])
def test_select_ignores_axis(name: str, axis: Any, verify: Verify, profile: Profile) -> None:
    """`select` returns the selection whatever the axis field says."""
    _require_axis(profile, axis, len(SHAPE))
    verify(Case("select", "int32", SHAPE, axis=axis))


@pytest.mark.parametrize("axis", [0, [1], [0, 1], []], ids=["0", "l1", "l01", "none"])
@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_with_selection(op: str, axis: Any, verify: Verify, profile: Profile) -> None:
    _require_axis(profile, axis, 2)
    require(profile, "negative_selection")
    verify(Case(op, "float64", (6, 7), axis=axis, selection=((-1, 0, -2), (1, 7, 3))))


@pytest.mark.parametrize("axis", [0, 1, [0, 1], []], ids=["0", "1", "l01", "none"])
@pytest.mark.parametrize("form", ["missing_value", "valid_range"])
@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_with_missing(op: str, form: str, axis: Any, verify: Verify, profile: Profile) -> None:
    _require_axis(profile, axis, 2)
    require(profile, "missing", form)
    verify(Case(op, "int32", (5, 6), axis=axis, missing=form))


@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_all_missing_cells(op: str, verify: Verify, profile: Profile) -> None:
    """Every cell empty: sentinels and per-cell counts of zero."""
    require(profile, "axis")
    require(profile, "missing", "missing_value")
    verify(Case(op, "float32", (4, 3), axis=1, missing="missing_value", all_missing=True))


@pytest.mark.parametrize("missing", [None, "valid_range"], ids=["full", "holes"])
@pytest.mark.parametrize("axis", [0, 2, [0, 2], [1, 3]], ids=["0", "2", "l02", "l13"])
@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_f_order_multidimensional_result(
    op: str, axis: Any, missing: str | None, verify: Verify, profile: Profile
) -> None:
    """F order where the result keeps two or more dimensions: element order matters.

    With holes, per-cell counts differ, so the order of `count` (and of count's values) shows.
    """
    _require_axis(profile, axis, 4)
    if missing:
        require(profile, "missing", missing)
    verify(Case(op, "int64", (3, 4, 5, 2), order="F", axis=axis, missing=missing))


@pytest.mark.parametrize("form", ["missing_value", "valid_range"])
@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_none_f_order_with_missing(
    op: str, form: str, verify: Verify, profile: Profile
) -> None:
    """`axis: []` keeps every dimension, so with order F the element order of the result and
    of `count` shows; with holes the counts differ per element (found by the fuzz area)."""
    _require_axis(profile, [], 2)
    require(profile, "missing", form)
    verify(Case(op, "int32", (3, 4), order="F", axis=[], missing=form))


@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_on_empty_selection(op: str, verify: Verify, profile: Profile) -> None:
    require(profile, "axis")
    verify(Case(op, "int64", (4, 5), axis=0, selection=((0, 4, 1), (3, 3, 1))))


@pytest.mark.parametrize("op", REDUCTIONS)
def test_axis_over_empty_dimension(op: str, verify: Verify, profile: Profile) -> None:
    """Reducing along a dimension the selection emptied: every cell has no data."""
    require(profile, "axis")
    verify(Case(op, "int32", (4, 5), axis=0, selection=((2, 2, 1), (0, 5, 1))))
