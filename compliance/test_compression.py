"""Compressed and filtered objects: every supported compression x filter, with padding.

Holds the server to docs/spec.md#compression and docs/spec.md#filters.
"""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
from .profiles import ALL_DTYPES, Profile
from .spaces import COMPRESSIONS, FILTERS

pytestmark = pytest.mark.compression


def _require_pipeline(profile: Profile, compression: str | None, filters: tuple[str, ...]) -> None:
    if compression:
        require(profile, "compression", compression)
    for name in filters:
        require(profile, "filters", name)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f) or "nofilter")
@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_compression_filters(
    dtype: str, compression: str, filters: tuple[str, ...], verify: Verify, profile: Profile
) -> None:
    _require_pipeline(profile, compression, filters)
    verify(Case("sum", dtype, (10, 12), compression=compression, filters=filters))


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f) or "nofilter")
@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("op", ["count", "max", "min", "select"])
def test_compression_operations(
    op: str, compression: str, filters: tuple[str, ...], verify: Verify, profile: Profile
) -> None:
    _require_pipeline(profile, compression, filters)
    verify(Case(op, "float32", (6, 5), compression=compression, filters=filters))


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f) or "nofilter")
@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_compression_with_offset_and_trailing(
    compression: str, filters: tuple[str, ...], verify: Verify, profile: Profile
) -> None:
    """`offset` and `size` locate the compressed payload inside a larger object."""
    _require_pipeline(profile, compression, filters)
    case = Case("sum", "int64", (9, 8), compression=compression, filters=filters)
    verify(case.replace(leading=37, trailing=29))


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_compression_with_selection_axis_missing(
    compression: str, verify: Verify, profile: Profile
) -> None:
    _require_pipeline(profile, compression, ("shuffle",))
    require(profile, "missing", "valid_max")
    require(profile, "axis")
    case = Case(
        "max",
        "uint32",
        (8, 6),
        compression=compression,
        filters=("shuffle",),
        missing="valid_max",
        axis=1,
        selection=((1, 8, 2), (0, 6, 1)),
    )
    verify(case)


@pytest.mark.filters
@pytest.mark.parametrize("name", ["shuffle", "shuffle_simd"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_filter_without_compression(
    name: str, dtype: str, verify: Verify, profile: Profile
) -> None:
    _require_pipeline(profile, None, (name,))
    verify(Case("select", dtype, (7, 3), filters=(name,)))


@pytest.mark.filters
def test_two_filters_undone_in_reverse(verify: Verify, profile: Profile) -> None:
    _require_pipeline(profile, "zlib", ("shuffle", "shuffle_simd"))
    verify(Case("select", "int64", (5, 5), compression="zlib", filters=("shuffle", "shuffle_simd")))


@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_blosc2_all_zero_data(dtype: str, verify: Verify, profile: Profile) -> None:
    """An array of zeros compresses like any other (a case the fuzz area found off the grid:
    the grid's generated data are never all zero)."""
    require(profile, "compression", "blosc2")
    verify(Case("sum", dtype, (8,), compression="blosc2", values=(0,) * 8))
