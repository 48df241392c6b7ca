"""Selections: NumPy slice semantics with negative indices, negative strides and clamping.

Holds the server to docs/spec.md#selection (and #empty-selection, #result-layout).
"""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
from .profiles import ALL_DTYPES, ALL_OPERATIONS, Profile
from .spaces import SELECTIONS

pytestmark = pytest.mark.selection


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize(
    "name,shape,selection,negative", SELECTIONS, ids=[s[0] for s in SELECTIONS]
)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_selection(
    op: str,
    name: str,
    shape: tuple[int, ...],
    selection: tuple[tuple[int, int, int], ...],
    negative: bool,
    order: str,
    verify: Verify,
    profile: Profile,
) -> None:
    if negative:
        require(profile, "negative_selection")
    verify(Case(op, "int64", shape, order=order, selection=selection))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_selection_dtypes(op: str, dtype: str, verify: Verify, profile: Profile) -> None:
    verify(Case(op, dtype, (9, 7), selection=((1, 8, 3), (0, 7, 2))))


@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_selection_as_objects(op: str, verify: Verify, profile: Profile) -> None:
    """Each slice may be {"start", "end", "stride"} instead of a triple (docs/spec.md#selection)."""
    require(profile, "selection_objects")
    selection = ((1, 8, 3), (-1, 0, -2))
    objects = [{"start": a, "end": b, "stride": c} for a, b, c in selection]
    verify(Case(op, "int32", (9, 7), selection=selection, options=(("selection", objects),)))


@pytest.mark.parametrize(
    "shape,selection", [((4,), ((2, 2, 1),)), ((3, 4), ((0, 3, 1), (3, 1, 1)))]
)
def test_mean_of_an_empty_selection(
    shape: tuple[int, ...],
    selection: tuple[tuple[int, int, int], ...],
    verify: Verify,
    profile: Profile,
) -> None:
    """mean where the selection holds no element: like min and max, no number to answer
    (docs/spec.md#empty-selection; found off the grid by the fuzz area)."""
    require(profile, "operations", "mean")
    verify(Case("mean", "int64", shape, selection=selection))
