"""Where the array sits in the object: offset, size, leading and trailing bytes."""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
from .profiles import ALL_DTYPES, Profile

pytestmark = pytest.mark.offset

# (id, leading bytes, trailing bytes, send size)
LAYOUTS = [
    ("leading", 64, 0, True),
    ("trailing", 0, 48, True),
    ("both", 32, 40, True),
    ("leading-size-omitted", 24, 0, False),
]


@pytest.mark.parametrize("name,leading,trailing,send_size", LAYOUTS, ids=[x[0] for x in LAYOUTS])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ["sum", "select"])
def test_offset_and_size(
    op: str, dtype: str, name: str, leading: int, trailing: int, send_size: bool, verify: Verify
) -> None:
    verify(Case(op, dtype, (5, 6), leading=leading, trailing=trailing, send_size=send_size))


@pytest.mark.parametrize("leading", [1, 3, 5, 7, 13])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_unaligned_offset(leading: int, dtype: str, verify: Verify, profile: Profile) -> None:
    """An offset that is not a multiple of the item size."""
    require(profile, "unaligned_offset")
    verify(Case("sum", dtype, (11,), leading=leading, trailing=3))


@pytest.mark.parametrize("op", ["count", "max", "min", "select", "sum"])
def test_size_without_shape(op: str, verify: Verify) -> None:
    """`size` but no `shape`: the fetched bytes are one 1-D array."""
    verify(Case(op, "float64", (16,), send_shape=False, leading=16, trailing=24))


@pytest.mark.parametrize("op", ["sum", "select"])
def test_offset_with_selection_and_f_order(op: str, verify: Verify) -> None:
    verify(
        Case(
            op, "int32", (4, 6), order="F", leading=12, trailing=8, selection=((1, 4, 2), (0, 6, 2))
        )
    )
