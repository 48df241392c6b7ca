"""Selections: NumPy slice semantics with negative indices, negative strides and clamping.

Holds the server to docs/spec.md#selection (and #empty-selection, #result-layout).
"""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
from .profiles import ALL_DTYPES, ALL_OPERATIONS, Profile

pytestmark = pytest.mark.selection

# (name, shape, selection, needs negative-selection support)
SELECTIONS = [
    ("full", (20,), ((0, 20, 1),), False),
    ("stride2", (20,), ((1, 19, 2),), False),
    ("2d-upstream", (20, 4), ((0, 19, 2), (1, 3, 1)), False),
    ("3d-mixed", (6, 5, 4), ((1, 5, 2), (0, 5, 3), (2, 4, 1)), False),
    ("single-element", (5, 5), ((2, 3, 1), (4, 5, 1)), False),
    ("end-past-length", (10,), ((3, 99, 1),), False),
    ("empty-start-eq-end", (10,), ((4, 4, 1),), False),
    ("empty-start-gt-end", (10,), ((7, 2, 1),), False),
    ("negative-start-end", (100,), ((-10, -2, 3),), True),
    ("negative-stride-upstream", (100,), ((-10, -50, -4),), True),
    ("negative-stride-to-zero", (10,), ((9, -11, -1),), True),
    ("negative-stride-full-reverse", (12,), ((11, -13, -2),), True),
    ("start-below-minus-length", (10,), ((-50, 5, 1),), True),
    ("start-past-length-negative-stride", (10,), ((50, 2, -3),), True),
    ("2d-negative", (8, 6), ((-1, -9, -2), (-5, 6, 2)), True),
    ("4d", (3, 4, 2, 5), ((0, 3, 2), (-1, 0, -1), (0, 2, 1), (1, 5, 2)), True),
]


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
