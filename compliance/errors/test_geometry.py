"""The array's geometry: size, shape, selection and axis against each other
(docs/spec.md#offset-size, #selection, #axis)."""

from __future__ import annotations

import pytest

from ..case import Case
from ..gating import require
from ..params import rows
from ..profiles import Profile
from .common import BASE, CUBE, DROP, GRID, Changes, Refuse, array_case

pytestmark = pytest.mark.errors

# --- offset, size and shape ------------------------------------------------------------------

# (id, case, changes): size given without compression must match shape x itemsize (#offset-size)
SIZE_RULES: list[tuple[str, Case, Changes]] = [
    ("zero", BASE, {"size": 0}),
    ("zero-without-shape", BASE, {"size": 0, "shape": DROP}),
    ("one-element-short", BASE, {"size": 92}),
    ("one-element-long", BASE, {"size": 100}),
    ("one-byte-short", BASE, {"size": 95}),
    ("double", BASE, {"size": 192}),
    ("itemsize-only", BASE, {"size": 4}),
    ("grid-half", array_case("float64", (4, 6)), {"size": 96}),
    ("cube-int64-as-int32", array_case("int64", (2, 3, 4)), {"size": 96}),
    ("not-multiple-without-shape", BASE, {"size": 94, "shape": DROP}),
    ("less-than-itemsize-without-shape", BASE, {"size": 2, "shape": DROP}),
    ("odd-int64-without-shape", array_case("int64"), {"size": 100, "shape": DROP}),
    ("with-offset", array_case(leading=8), {"size": 88}),
]


@pytest.mark.parametrize("case,changes", rows(SIZE_RULES))
def test_size_invalid(case: Case, changes: Changes, refuse: Refuse) -> None:
    """size >= 1, and without compression = prod(shape) x itemsize (or a multiple of it)."""
    refuse(case, ("size",), changes)


SHAPE_RULES: list[tuple[str, Changes]] = [
    ("empty", {"shape": []}),
    ("empty-with-size", {"shape": [], "size": 96}),
    ("zero", {"shape": [0]}),
    ("zero-first", {"shape": [0, 24]}),
    ("zero-last", {"shape": [24, 0]}),
    ("zero-middle", {"shape": [4, 0, 6]}),
]


@pytest.mark.parametrize("changes", rows(SHAPE_RULES))
def test_shape_invalid(changes: Changes, refuse: Refuse) -> None:
    """shape has at least one entry and no zero entries (validator)."""
    refuse(BASE, ("shape",), changes)


# --- selection --------------------------------------------------------------------------------

SELECTION_RULES: list[tuple[str, Case, Changes, tuple[str, ...]]] = [
    ("without-shape", BASE, {"selection": [[0, 24, 1]], "shape": DROP}, ("selection",)),
    (
        "2d-without-shape",
        GRID,
        {"selection": [[0, 4, 1], [0, 6, 1]], "shape": DROP},
        ("selection",),
    ),
    ("longer-than-shape", BASE, {"selection": [[0, 24, 1], [0, 1, 1]]}, ("selection",)),
    ("shorter-than-shape", GRID, {"selection": [[0, 4, 1]]}, ("selection",)),
    ("cube-two-slices", CUBE, {"selection": [[0, 2, 1], [0, 3, 1]]}, ("selection",)),
    ("empty-list", BASE, {"selection": []}, ("selection",)),
    ("stride-zero", BASE, {"selection": [[0, 24, 0]]}, ("stride",)),
    ("stride-zero-second-dim", GRID, {"selection": [[0, 4, 1], [0, 6, 0]]}, ("stride",)),
    ("stride-zero-empty-range", BASE, {"selection": [[5, 5, 0]]}, ("stride",)),
    ("entry-two-ints", BASE, {"selection": [[0, 24]]}, ("selection",)),
    ("entry-four-ints", BASE, {"selection": [[0, 24, 1, 1]]}, ("selection",)),
    ("entry-empty", BASE, {"selection": [[]]}, ("selection",)),
    ("entry-float", BASE, {"selection": [[0.5, 24, 1]]}, ("selection",)),
    ("entry-strings", BASE, {"selection": [["0", "24", "1"]]}, ("selection",)),
    ("entry-null", BASE, {"selection": [None]}, ("selection",)),
    ("entry-null-start", BASE, {"selection": [[None, 24, 1]]}, ("selection",)),
    ("entry-number", BASE, {"selection": [5]}, ("selection",)),
    ("entry-object-without-stride", BASE, {"selection": [{"start": 0, "end": 24}]}, ("selection",)),
    (
        "entry-object-extra-key",
        BASE,
        {"selection": [{"start": 0, "end": 24, "stride": 1, "step": 1}]},
        ("selection",),
    ),
]


@pytest.mark.parametrize("case,changes,mentions", rows(SELECTION_RULES))
def test_selection_invalid(
    case: Case, changes: Changes, mentions: tuple[str, ...], refuse: Refuse
) -> None:
    """selection needs shape, one [start, end, stride] (three ints, stride != 0) per dimension."""
    refuse(case, mentions, changes)


def test_selection_object_stride_zero(refuse: Refuse, profile: Profile) -> None:
    """The object form of a slice is held to the same rules: stride 0 is refused (#selection)."""
    require(profile, "selection_objects")
    refuse(BASE, ("stride",), {"selection": [{"start": 0, "end": 24, "stride": 0}]})


# --- axis -------------------------------------------------------------------------------------

AXIS_MENTIONS = ("axis", "axes")
AXIS_RULES: list[tuple[str, Case, Changes]] = [
    ("int-without-shape", GRID, {"axis": 0, "shape": DROP}),
    ("list-without-shape", GRID, {"axis": [0], "shape": DROP}),
    ("int-equal-to-ndim", GRID, {"axis": 2}),
    ("int-far-out", GRID, {"axis": 99}),
    ("int-1d-out", BASE, {"axis": 1}),
    ("list-out-of-range", GRID, {"axis": [2]}),
    ("list-one-in-one-out", CUBE, {"axis": [0, 3]}),
    ("list-descending", GRID, {"axis": [1, 0]}),
    ("list-descending-3d", CUBE, {"axis": [0, 2, 1]}),
    ("list-duplicates", GRID, {"axis": [0, 0]}),
    ("list-duplicates-last", CUBE, {"axis": [1, 2, 2]}),
    ("list-longer-than-shape", GRID, {"axis": [0, 1, 2]}),
    ("list-long-with-duplicates", BASE, {"axis": [0, 0]}),
    ("negative-int", GRID, {"axis": -1}),
    ("negative-in-list", GRID, {"axis": [-1]}),
    ("negative-after-valid", GRID, {"axis": [0, -1]}),
    ("float", GRID, {"axis": 1.0}),
    ("string", GRID, {"axis": "0"}),
    ("boolean", GRID, {"axis": True}),
    ("nested-list", GRID, {"axis": [[0]]}),
    ("object", GRID, {"axis": {"axis": 0}}),
]


@pytest.mark.parametrize("case,changes", rows(AXIS_RULES))
def test_axis_invalid(case: Case, changes: Changes, refuse: Refuse, profile: Profile) -> None:
    """axis needs shape; entries are non-negative, < ndim, ascending, unique (#axis)."""
    require(profile, "axis")
    refuse(case, AXIS_MENTIONS, changes)


def test_axis_list_as_long_as_shape(refuse: Refuse, profile: Profile) -> None:
    """Releases before 0.12 need the axis list strictly shorter than the shape (#request-v1)."""
    require(profile, "axis")
    require(profile, "axis_all_listed", False)
    refuse(GRID, AXIS_MENTIONS, {"axis": [0, 1]})
