"""Byte order: data stored big- or little-endian, declared with `byte_order`.

Holds the server to docs/spec.md#byte-order.
"""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
from .profiles import ALL_DTYPES, ALL_MISSING_FORMS, ALL_OPERATIONS, Profile

pytestmark = pytest.mark.byteorder


@pytest.mark.parametrize("byte_order", ["big", "little"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_byte_order(op: str, dtype: str, byte_order: str, verify: Verify, profile: Profile) -> None:
    require(profile, "byte_order")
    verify(Case(op, dtype, (4, 5), byte_order=byte_order))


@pytest.mark.parametrize("byte_order", ["big", "little"])
@pytest.mark.parametrize("op", ["sum", "select"])
def test_byte_order_with_selection_missing_axis(
    op: str, byte_order: str, verify: Verify, profile: Profile
) -> None:
    """Only the selected elements are swapped; missing values compare after the swap."""
    require(profile, "byte_order")
    require(profile, "missing", "valid_min")
    require(profile, "axis")
    case = Case(
        op,
        "float64",
        (6, 4),
        byte_order=byte_order,
        missing="valid_min",
        selection=((1, 6, 2), (0, 4, 1)),
        axis=0,
    )
    verify(case)


@pytest.mark.parametrize("byte_order", ["big", "little"])
def test_byte_order_with_compression_and_shuffle(
    byte_order: str, verify: Verify, profile: Profile
) -> None:
    require(profile, "byte_order")
    require(profile, "compression", "gzip")
    require(profile, "filters", "shuffle")
    case = Case(
        "sum", "uint64", (30,), byte_order=byte_order, compression="gzip", filters=("shuffle",)
    )
    verify(case)


def test_response_byte_order_is_the_servers_not_the_requests(
    verify: Verify, profile: Profile
) -> None:
    """The response declares the server's native order, whatever order the request declared."""
    require(profile, "byte_order")
    big = verify(Case("select", "int32", (4,), byte_order="big"))
    little = verify(Case("select", "int32", (4,), byte_order="little"))
    assert big.byte_order == little.byte_order, (
        f"byte order field follows the request: {big.byte_order!r} for big-endian data, "
        f"{little.byte_order!r} for little-endian\n{big.exchange.describe()}"
    )


@pytest.mark.missing
@pytest.mark.parametrize("byte_order", ["big", "little"])
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float64"])
@pytest.mark.parametrize("op", ["count", "sum"])
def test_missing_data_on_byte_swapped_data(
    op: str, dtype: str, form: str, byte_order: str, verify: Verify, profile: Profile
) -> None:
    """Missing values compare with the elements after the byte-order swap (docs/spec.md#byte-order).

    A gap the fault harness found: a server comparing before the swap passed the rest.
    """
    require(profile, "byte_order")
    require(profile, "missing", form)
    verify(Case(op, dtype, (6, 5), byte_order=byte_order, missing=form))
