"""The oracle against hand-worked cases from the API spec (docs/spec.md#missing, #selection,
#operations).

Expected values here are written out by hand from the spec's rules, not recomputed with numpy the
way the oracle does it, so a wrong rule in the oracle shows up as a failing case.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from compliance.oracle import AXIS_ABSENT, Expected, expected_result
from compliance.profiles import BUILTIN_PROFILES, Profile

CURRENT = BUILTIN_PROFILES["reductionist-0.13"]
ERRORING = BUILTIN_PROFILES["reductionist-0.9"]  # min/max of nothing is a 400 through 0.9.0
PROTOTYPE = BUILTIN_PROFILES["prototype"]

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1
F32_MAX = 3.4028234663852886e38
F64_MAX = 1.7976931348623157e308

HUNDRED = np.arange(100, dtype=np.int32)  # element i holds i, so selected values are indices
TWO_BY_THREE = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)


def run(op: str, array: np.ndarray, profile: Profile = CURRENT, **request: Any) -> Expected:
    return expected_result(op, array, profile, **request)


def values_of(expected: Expected) -> list[Any]:
    """The expected result bytes decoded in their layout, as a flat list of Python numbers."""
    flat = np.frombuffer(expected.to_bytes(), dtype=expected.dtype)
    return [v.item() for v in flat]


# --- selection (docs/spec.md#selection) -----------------------------------------------------------

SELECTIONS_1D = [
    # [start, end, stride] on shape [100], and the indices the spec's rules select
    pytest.param([-10, -50, -4], [90, 86, 82, 78, 74, 70, 66, 62, 58, 54], id="negative-stride"),
    pytest.param([5, -101, -1], [5, 4, 3, 2, 1, 0], id="end-minus-L-minus-1-through-0"),
    pytest.param([3, -200, -1], [3, 2, 1, 0], id="end-far-below-clamped"),
    pytest.param([150, 95, -1], [99, 98, 97, 96], id="start-beyond-L-negative-stride"),
    pytest.param([-3, 1000, 1], [97, 98, 99], id="end-beyond-L-clamped"),
    pytest.param([-1000, 4, 1], [0, 1, 2, 3], id="start-below-minus-L-clamped"),
    pytest.param([90, 100, 3], [90, 93, 96, 99], id="positive-stride"),
    pytest.param([-1, 95, -2], [99, 97], id="negative-start-and-stride"),
    pytest.param([10, 10, 1], [], id="start-equals-end-empty"),
    pytest.param([20, 10, 1], [], id="start-after-end-empty"),
    pytest.param([10, 20, -1], [], id="negative-stride-upward-empty"),
    pytest.param([200, 300, 1], [], id="both-beyond-L-empty"),
]


@pytest.mark.parametrize("triple, indices", SELECTIONS_1D)
def test_select_1d_follows_numpy_slice_semantics(triple: list[int], indices: list[int]) -> None:
    expected = run("select", HUNDRED, selection=[triple])
    assert values_of(expected) == indices
    assert expected.shape == (len(indices),)
    assert expected.count == (len(indices),)
    assert expected.dtype == "int32"


@pytest.mark.parametrize("triple, indices", SELECTIONS_1D)
def test_sum_of_1d_selection(triple: list[int], indices: list[int]) -> None:
    expected = run("sum", HUNDRED, selection=[triple])
    assert values_of(expected) == [sum(indices)]
    assert expected.shape == ()
    assert expected.count == (len(indices),)


def test_select_2d_selection_from_upstream_suite() -> None:
    """[[0,19,2],[1,3,1]] on shape [20,4]: rows 0,2,..,18 and columns 1,2; element = 4*r + c."""
    array = np.arange(80, dtype=np.int64).reshape(20, 4)
    expected = run("select", array, selection=[[0, 19, 2], [1, 3, 1]])
    assert expected.shape == (10, 2)
    assert values_of(expected)[:6] == [1, 2, 9, 10, 17, 18]
    assert values_of(expected)[-2:] == [73, 74]
    total = run("sum", array, selection=[[0, 19, 2], [1, 3, 1]])
    assert values_of(total) == [750]  # sum over r of (8r + 3), r = 0, 2, ..., 18
    assert total.count == (20,)


# --- axis (docs/spec.md#axis) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "op, axis, values, shape, count",
    [
        ("sum", 0, [5, 7, 9], (3,), (2, 2, 2)),
        ("sum", 1, [6, 15], (2,), (3, 3)),
        ("sum", [0], [5, 7, 9], (3,), (2, 2, 2)),
        ("sum", [0, 1], [21], (), (6,)),
        ("sum", AXIS_ABSENT, [21], (), (6,)),
        ("sum", None, [21], (), (6,)),
        ("max", 0, [4, 5, 6], (3,), (2, 2, 2)),
        ("min", 1, [1, 4], (2,), (3, 3)),
        ("count", 1, [3, 3], (2,), (3, 3)),
        ("count", [0, 1], [6], (), (6,)),
        ("select", 0, [1, 2, 3, 4, 5, 6], (2, 3), (6,)),  # select ignores axis
    ],
)
def test_axis_reductions_on_2x3(
    op: str, axis: Any, values: list[int], shape: tuple[int, ...], count: tuple[int, ...]
) -> None:
    expected = run(op, TWO_BY_THREE, axis=axis)
    assert values_of(expected) == values
    assert expected.shape == shape
    assert expected.count == count


def test_axis_list_over_first_and_last_of_three() -> None:
    """arange(24) as [2,3,4]: cell (i,j,k) = 12i + 4j + k; summing i and k leaves 60 + 32j."""
    array = np.arange(24, dtype=np.int64).reshape(2, 3, 4)
    expected = run("sum", array, axis=[0, 2])
    assert values_of(expected) == [60, 92, 124]
    assert expected.shape == (3,)
    assert expected.count == (8, 8, 8)


@pytest.mark.parametrize("op", ["sum", "min", "max"])
def test_zero_axes_returns_values_unchanged_with_raw_missing_values(op: str) -> None:
    """axis []: the selection unchanged, counts 0/1 per element, missing positions keep raw data."""
    expected = run(op, TWO_BY_THREE, axis=[], missing={"missing_value": 5})
    assert expected.shape == (2, 3)
    assert expected.dtype == "int32"
    assert values_of(expected) == [1, 2, 3, 4, 5, 6]
    assert expected.count == (1, 1, 1, 1, 0, 1)


def test_zero_axes_count_is_the_zero_one_array() -> None:
    expected = run("count", TWO_BY_THREE, axis=[], missing={"missing_values": [1, 6]})
    assert expected.dtype == "int64"
    assert expected.shape == (2, 3)
    assert values_of(expected) == [0, 1, 1, 1, 1, 0]
    assert expected.count == (0, 1, 1, 1, 1, 0)


def test_axis_reduction_with_a_fully_missing_row_gives_per_cell_sentinels() -> None:
    missing = {"missing_values": [4, 5, 6]}
    biggest = run("max", TWO_BY_THREE, axis=1, missing=missing)
    assert values_of(biggest) == [3, I32_MIN]
    assert biggest.count == (3, 0)
    smallest = run("min", TWO_BY_THREE, axis=1, missing=missing)
    assert values_of(smallest) == [1, I32_MAX]
    total = run("sum", TWO_BY_THREE, axis=1, missing=missing)
    assert values_of(total) == [6, 0]
    assert total.count == (3, 0)


# --- dtype and count ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int32", "uint32", "float32", "float64", "uint64"])
def test_count_is_int64_whatever_the_input(dtype: str) -> None:
    expected = run("count", np.ones(7, dtype=dtype))
    assert expected.dtype == "int64"
    assert expected.to_bytes() == (7).to_bytes(8, "little" if np.little_endian else "big")
    assert expected.count == (7,)


@pytest.mark.parametrize(
    "op, values", [("sum", [4.0]), ("min", [1.5]), ("max", [2.5]), ("select", [1.5, 2.5])]
)
def test_other_operations_keep_the_request_dtype(op: str, values: list[float]) -> None:
    expected = run(op, np.array([1.5, 2.5], dtype=np.float32))
    assert expected.dtype == "float32"
    assert len(expected.to_bytes()) == 4 * len(values)
    assert values_of(expected) == values


# --- missing data (docs/spec.md#missing) ----------------------------------------------------------

ONE_TO_FIVE = np.array([1, 2, 3, 4, 5], dtype=np.int32)


@pytest.mark.parametrize(
    "missing, total, count",
    [
        ({"missing_value": 3}, 12, 4),
        ({"missing_values": [1, 5]}, 9, 3),
        ({"missing_values": []}, 15, 5),
        ({"valid_min": 2}, 14, 4),  # 2 itself is valid
        ({"valid_max": 4}, 10, 4),  # 4 itself is valid
        ({"valid_range": [2, 4]}, 9, 3),  # both bounds valid
    ],
)
def test_missing_forms_exclude_the_right_elements(
    missing: dict[str, Any], total: int, count: int
) -> None:
    expected = run("sum", ONE_TO_FIVE, missing=missing)
    assert values_of(expected) == [total]
    assert expected.count == (count,)
    assert values_of(run("count", ONE_TO_FIVE, missing=missing)) == [count]


def test_select_returns_missing_elements_but_does_not_count_them() -> None:
    expected = run("select", ONE_TO_FIVE, missing={"missing_values": [2, 4]})
    assert values_of(expected) == [1, 2, 3, 4, 5]
    assert expected.shape == (5,)
    assert expected.count == (3,)


def test_float32_missing_value_is_compared_after_rounding_to_float32() -> None:
    array = np.array([0.1, 0.2, 0.5], dtype=np.float32)
    expected = run("count", array, missing={"missing_value": 0.1})
    assert values_of(expected) == [2]


# --- empty selections and all-missing data (docs/spec.md#empty-selection) -------------------------


@pytest.mark.parametrize(
    "op, dtype, value",
    [
        ("max", "int32", I32_MIN),
        ("min", "int32", I32_MAX),
        ("max", "int64", -(2**63)),
        ("min", "int64", I64_MAX),
        ("max", "uint32", 0),
        ("min", "uint32", 2**32 - 1),
        ("max", "uint64", 0),
        ("min", "uint64", U64_MAX),
        ("max", "float32", -F32_MAX),
        ("min", "float32", F32_MAX),
        ("max", "float64", -F64_MAX),
        ("min", "float64", F64_MAX),
        ("sum", "int32", 0),
        ("sum", "float64", 0.0),
        ("count", "uint32", 0),
    ],
)
@pytest.mark.parametrize("how", ["all-missing", "empty-selection"])
def test_nothing_to_reduce_gives_sentinels_and_count_zero(
    op: str, dtype: str, value: Any, how: str
) -> None:
    array = np.array([7, 7, 7], dtype=dtype)
    request: dict[str, Any] = (
        {"missing": {"missing_value": 7}} if how == "all-missing" else {"selection": [[2, 1, 1]]}
    )
    expected = run(op, array, **request)
    assert expected.error_status is None
    assert values_of(expected) == [value]
    assert expected.shape == ()
    assert expected.count == (0,)


def test_select_of_an_empty_selection_is_empty() -> None:
    expected = run("select", TWO_BY_THREE, selection=[[0, 2, 1], [3, 0, 1]])
    assert expected.shape == (2, 0)
    assert expected.to_bytes() == b""
    assert expected.count == (0,)


def test_select_of_all_missing_data_returns_every_element_with_count_zero() -> None:
    expected = run("select", np.array([9, 9], dtype=np.uint64), missing={"valid_max": 8})
    assert values_of(expected) == [9, 9]
    assert expected.count == (0,)


@pytest.mark.parametrize("op", ["min", "max"])
@pytest.mark.parametrize("profile", [ERRORING, PROTOTYPE], ids=lambda p: p.name)
def test_profiles_whose_servers_error_on_nothing_to_reduce(op: str, profile: Profile) -> None:
    empty = run(op, ONE_TO_FIVE, profile, selection=[[3, 3, 1]])
    assert empty.error_status == 400
    if profile.missing:
        all_missing = run(op, ONE_TO_FIVE, profile, missing={"valid_min": 100})
        assert all_missing.error_status == 400


def test_erroring_profile_still_sums_nothing_to_zero() -> None:
    expected = run("sum", ONE_TO_FIVE, ERRORING, selection=[[3, 3, 1]])
    assert expected.error_status is None
    assert values_of(expected) == [0]


def test_erroring_profile_errors_when_one_axis_cell_is_empty() -> None:
    expected = run("max", TWO_BY_THREE, ERRORING, axis=1, missing={"missing_values": [4, 5, 6]})
    assert expected.error_status == 400


# --- integer sums wrap in the element type (docs/spec.md#overflow) --------------------------------


@pytest.mark.parametrize(
    "dtype, values, wrapped",
    [
        ("int32", [I32_MAX, 1], I32_MIN),
        ("int32", [I32_MIN, -1], I32_MAX),
        ("uint32", [2**32 - 1, 2], 1),
        ("int64", [I64_MAX, I64_MAX], -2),
        ("uint64", [U64_MAX, 1], 0),
    ],
)
def test_sum_wraps_around_in_the_dtype(dtype: str, values: list[int], wrapped: int) -> None:
    expected = run("sum", np.array(values, dtype=dtype))
    assert expected.dtype == dtype
    assert values_of(expected) == [wrapped]


def test_sum_with_missing_data_also_wraps() -> None:
    array = np.array([I32_MAX, 1, 7], dtype=np.int32)
    assert values_of(run("sum", array, missing={"missing_value": 7})) == [I32_MIN]


# --- F order layout ------------------------------------------------------------------------------


def test_f_order_select_emits_column_major_bytes() -> None:
    expected = run("select", TWO_BY_THREE, order="F")
    assert values_of(expected) == [1, 4, 2, 5, 3, 6]
    assert expected.shape == (2, 3)


def test_f_order_zero_axis_counts_follow_the_layout() -> None:
    expected = run("sum", TWO_BY_THREE, axis=[], order="F", missing={"missing_value": 5})
    assert values_of(expected) == [1, 4, 2, 5, 3, 6]
    assert expected.count == (1, 1, 1, 0, 1, 1)


def test_f_order_axis_reduction_emits_column_major_bytes() -> None:
    """arange(12) as [2,3,2] summed over axis 2 is [[1,5,9],[13,17,21]]; F order reads columns."""
    array = np.arange(12, dtype=np.int64).reshape(2, 3, 2)
    expected = run("sum", array, axis=2, order="F")
    assert expected.shape == (2, 3)
    assert values_of(expected) == [1, 13, 5, 17, 9, 21]
    c_order = run("sum", array, axis=2, order="C")
    assert values_of(c_order) == [1, 5, 9, 13, 17, 21]


def test_f_order_axis_reduction_counts_follow_the_layout() -> None:
    """With 0, 1 and 2 missing, the cell counts are [[0, 1, 2], [2, 2, 2]]; F reads columns."""
    array = np.arange(12, dtype=np.int64).reshape(2, 3, 2)
    missing = {"missing_values": [0, 1, 2]}
    assert run("max", array, axis=2, order="F", missing=missing).count == (0, 2, 1, 2, 2, 2)
    assert run("max", array, axis=2, order="C", missing=missing).count == (0, 1, 2, 2, 2, 2)


# --- the prototype's mean (docs/spec.md#prototype) ------------------------------------------------


@pytest.mark.parametrize(
    "dtype, values, mean",
    [
        ("int32", [1, 2, 4], 2),  # 7/3 truncated in the input dtype
        ("int64", [-1, -2, -4], -2),  # truncation toward zero
        ("float64", [1.0, 2.0, 4.0], 7 / 3),
        ("float32", [0.5, 1.0], 0.75),
    ],
)
def test_prototype_mean_is_cast_back_to_the_input_dtype(
    dtype: str, values: list[float], mean: float
) -> None:
    expected = run("mean", np.array(values, dtype=dtype), PROTOTYPE)
    assert expected.dtype == dtype
    assert values_of(expected) == [mean]


def test_prototype_mean_of_nothing_is_an_error() -> None:
    assert run("mean", ONE_TO_FIVE, PROTOTYPE, selection=[[2, 2, 1]]).error_status == 400


def test_unknown_operation_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        run("median", ONE_TO_FIVE)
