"""Edge cases: wrap-around, infinities, NaN, realistic floats, and arrays of 8 MiB and more.

Holds the server to docs/spec.md#overflow, docs/spec.md#infinities and docs/spec.md#nan.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from .case import Case, CaseRunner
from .checks import assert_result
from .conftest import Verify
from .profiles import Profile

pytestmark = pytest.mark.edge

INTS = ["int32", "int64", "uint32", "uint64"]
FLOATS = ["float32", "float64"]


@pytest.mark.parametrize("dtype", INTS)
def test_sum_wraps_around(dtype: str, verify: Verify) -> None:
    """Sums are not widened: they wrap modulo 2**bits in the element type."""
    verify(Case("sum", dtype, (64,), kind="overflow"))


@pytest.mark.parametrize("dtype", INTS)
def test_sum_wraps_exactly_once(dtype: str, verify: Verify) -> None:
    top = int(np.iinfo(dtype).max)
    verify(Case("sum", dtype, (2,), values=(top, 1)))


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("op", ["max", "min"])
def test_integer_extremes(op: str, dtype: str, verify: Verify) -> None:
    info = np.iinfo(dtype)
    verify(Case(op, dtype, (4,), values=(int(info.min), int(info.max), 0, 1)))


INFINITIES = [
    ("plus-inf", (1.0, math.inf, -2.0)),
    ("minus-inf", (1.0, -math.inf, 5.0)),
    ("both-inf", (math.inf, -math.inf, 3.0)),
    ("all-minus-inf", (-math.inf, -math.inf)),
    ("all-plus-inf", (math.inf, math.inf)),
]


@pytest.mark.parametrize("name,values", INFINITIES, ids=[i[0] for i in INFINITIES])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["sum", "max", "min", "count", "select"])
def test_infinities(
    op: str, dtype: str, name: str, values: tuple[float, ...], verify: Verify
) -> None:
    verify(Case(op, dtype, (len(values),), values=values))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["sum", "max", "min", "count", "select"])
def test_nan(op: str, dtype: str, verify: Verify) -> None:
    """NaN propagates through sum, max and min (as in NumPy); count and select keep it.

    The server must answer: a dropped connection is reported as a failure.
    """
    verify(Case(op, dtype, (4,), values=(1.0, math.nan, 3.0, -2.0)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_realistic_floats_sum_within_rounding(
    dtype: str, runner: CaseRunner, profile: Profile
) -> None:
    """Random normal data: the sum may round differently from NumPy's pairwise summation.

    Tolerance: summing n terms in any order errs by at most (n - 1) * eps * sum(|x|)
    (the classical bound for recursive summation, eps = the dtype's machine epsilon), with the
    reference itself computed in float64 from the same float values. Every other field of the
    answer is checked exactly, as the profile has it.
    """
    case = Case("sum", dtype, (50_000,), kind="random")
    prepared, result = runner.send(case)
    data = prepared.array.astype(np.float64)
    eps = float(np.finfo(dtype).eps)
    exact = runner.expect(case, prepared)
    expected = dataclasses.replace(
        exact,
        values=np.asarray(data.sum(), dtype=dtype),
        tolerance=(data.size - 1) * eps * float(np.abs(data).sum()),
    )
    assert_result(expected, result, profile)


LARGE = [("float64", (1 << 20,)), ("int32", (1 << 22,)), ("uint64", (1 << 10, 1 << 10))]


@pytest.mark.parametrize(
    "dtype,shape", LARGE, ids=[f"{d}-{'x'.join(map(str, s))}" for d, s in LARGE]
)
@pytest.mark.parametrize("op", ["sum", "max", "count"])
def test_large_arrays(op: str, dtype: str, shape: tuple[int, ...], verify: Verify) -> None:
    """Arrays of 8 MiB and more (16 MiB for int32)."""
    verify(Case(op, dtype, shape))


def test_large_select(verify: Verify) -> None:
    verify(Case("select", "float32", (1 << 21,), selection=((0, 1 << 21, 1),)))
