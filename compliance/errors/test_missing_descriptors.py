"""Missing-data descriptors: values each dtype cannot hold, values that are not numbers, ranges
(docs/spec.md#missing)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from ..case import CaseRunner
from ..checks import WHOLE_BODY, assert_error
from ..gating import require
from ..params import rows
from ..profiles import ALL_DTYPES, ALL_MISSING_FORMS, Profile
from .common import (
    BASE,
    INT_DTYPES,
    INVALID,
    UNSIGNED_DTYPES,
    Refuse,
    array_case,
    invalid_status,
    post_raw,
)

pytestmark = pytest.mark.errors

# --- missing-data descriptors (#missing) ---------------------------------------------------------


def descriptor(form: str, value: float, other: float) -> dict[str, Any]:
    """A descriptor of ``form`` carrying the bad ``value`` beside a valid ``other``.

    missing_values lists both; valid_range orders them so that min < max holds and only the
    value itself can be wrong.
    """
    if form == "missing_values":
        return {form: [other, value]}
    if form == "valid_range":
        return {form: [value, other] if value < other else [other, value]}
    return {form: value}


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_float_literal_for_integer_dtype(
    form: str, dtype: str, refuse: Refuse, profile: Profile
) -> None:
    """Integer dtypes need integer literals: 7.0 is refused even though it is whole."""
    require(profile, "missing", form)
    refuse(array_case(dtype), ("missing",), {"missing": descriptor(form, 7.0, 100)})


@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_fraction_for_integer_dtype(form: str, refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", form)
    refuse(array_case("int64"), ("missing",), {"missing": descriptor(form, 2.5, 100)})


@pytest.mark.parametrize("dtype", UNSIGNED_DTYPES)
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_negative_for_unsigned_dtype(
    form: str, dtype: str, refuse: Refuse, profile: Profile
) -> None:
    require(profile, "missing", form)
    refuse(array_case(dtype), ("missing",), {"missing": descriptor(form, -1, 100)})


OUT_OF_RANGE = [
    ("int32", 2**31),
    ("int32", -(2**31) - 1),
    ("uint32", 2**32),
    ("int64", 2**63),
    ("int64", -(2**63) - 1),
    ("uint64", 2**64),
]


@pytest.mark.parametrize("form", ["missing_value", "missing_values", "valid_range"])
@pytest.mark.parametrize(
    "dtype,value", rows((f"{d}-{'over' if v > 0 else 'under'}", d, v) for d, v in OUT_OF_RANGE)
)
def test_missing_out_of_integer_range(
    dtype: str, value: int, form: str, refuse: Refuse, profile: Profile
) -> None:
    """A value the dtype cannot hold (i32 range for int32, >= 0 for unsigned, ...)."""
    require(profile, "missing", form)
    refuse(array_case(dtype), ("missing",), {"missing": descriptor(form, value, 100)})


@pytest.mark.parametrize("value", rows([("1e39", 1e39), ("-1e39", -1e39), ("3.5e38", 3.5e38)]))
@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
def test_missing_beyond_float32(form: str, value: float, refuse: Refuse, profile: Profile) -> None:
    """float32 values must stay finite after conversion to f32 (|v| <= f32::MAX)."""
    require(profile, "missing", form)
    refuse(array_case("float32"), ("missing",), {"missing": descriptor(form, value, 1.0)})


NOT_NUMBERS = [
    ("string", "1"),
    ("null", None),
    ("boolean", True),
    ("object", {"value": 1}),
    ("list", [1]),
]


@pytest.mark.parametrize("value", rows(NOT_NUMBERS))
@pytest.mark.parametrize("form", ["missing_value", "valid_min", "missing_values"])
def test_missing_not_a_number(form: str, value: Any, refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", form)
    missing = {form: [1, value]} if form == "missing_values" else {form: value}
    refuse(array_case("float64"), ("missing",), {"missing": missing})


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_missing_nan_or_infinity(
    dtype: str, literal: str, runner: CaseRunner, profile: Profile
) -> None:
    """JSON has no NaN/Infinity, so they cannot be declared missing: the body is not JSON."""
    require(profile, "missing", "missing_value")
    case = array_case(dtype)
    text = json.dumps({**runner.prepare(case).body, "missing": {"missing_value": 0}})
    raw = text.replace('"missing_value": 0', f'"missing_value": {literal}').encode()
    result = post_raw(runner, case, raw)
    assert_error(result, invalid_status(profile), profile, (WHOLE_BODY,), message=INVALID)


@pytest.mark.parametrize("relation", ["min-above-max", "min-equals-max"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_valid_range_not_increasing(
    dtype: str, relation: str, refuse: Refuse, profile: Profile
) -> None:
    """valid_range needs min < max strictly."""
    require(profile, "missing", "valid_range")
    pair: list[float | int] = [9, 2] if relation == "min-above-max" else [5, 5]
    if np.dtype(dtype).kind == "f":
        pair = [v + 0.5 for v in pair]
    refuse(array_case(dtype), ("range",), {"missing": {"valid_range": pair}})


def test_valid_range_equal_after_float32_rounding(refuse: Refuse, profile: Profile) -> None:
    """Bounds are rounded to f32 before the min < max check: 1.00000001 == 1.00000002."""
    require(profile, "missing", "valid_range")
    refuse(
        array_case("float32"), ("range",), {"missing": {"valid_range": [1.00000001, 1.00000002]}}
    )


VALID_RANGE_LENGTHS = [("empty", []), ("one", [5]), ("three", [1, 5, 9]), ("scalar", 5)]


@pytest.mark.parametrize("value", rows(VALID_RANGE_LENGTHS))
def test_valid_range_not_two_values(value: Any, refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", "valid_range")
    refuse(BASE, ("valid_range",), {"missing": {"valid_range": value}})


def test_missing_values_not_a_list(refuse: Refuse, profile: Profile) -> None:
    require(profile, "missing", "missing_values")
    refuse(BASE, ("missing_values",), {"missing": {"missing_values": 5}})
