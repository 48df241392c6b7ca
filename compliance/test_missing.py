"""Missing data: every descriptor form x dtype x operation, with selection and all-missing.

Holds the server to docs/spec.md#missing (and #empty-selection).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from .case import Case, CaseRunner
from .checks import assert_result
from .conftest import Verify
from .gating import require
from .oracle import expected_result
from .profiles import ALL_DTYPES, ALL_MISSING_FORMS, ALL_OPERATIONS, Profile

pytestmark = pytest.mark.missing


@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_missing(op: str, dtype: str, form: str, verify: Verify, profile: Profile) -> None:
    require(profile, "missing", form)
    verify(Case(op, dtype, (6, 7), missing=form))


@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_missing_with_selection(op: str, form: str, verify: Verify, profile: Profile) -> None:
    require(profile, "missing", form)
    verify(Case(op, "float64", (9, 8), missing=form, selection=((0, 9, 2), (1, 8, 3))))


@pytest.mark.parametrize("form", ALL_MISSING_FORMS)
@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_all_missing(op: str, dtype: str, form: str, verify: Verify, profile: Profile) -> None:
    """Nothing valid: count 0, sum 0, max/min the dtype sentinels (or an error, by profile)."""
    require(profile, "missing", form)
    verify(Case(op, dtype, (12,), missing=form, all_missing=True))


@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_empty_selection(op: str, verify: Verify) -> None:
    """A selection with no elements behaves as all-missing data."""
    verify(Case(op, "int32", (10,), selection=((5, 5, 1),)))


@pytest.mark.parametrize("op", ALL_OPERATIONS)
def test_missing_values_empty_list(op: str, verify: Verify, profile: Profile) -> None:
    """`missing_values: []` declares nothing missing."""
    require(profile, "missing", "missing_values")
    verify(Case(op, "int64", (8,), options=(("missing", {"missing_values": []}),)))


# float32 values that are not exactly representable; the spec rounds the JSON value to float32
_F32 = [float(np.float32(v)) for v in (0.1, 0.7, 1.1)]
ROUNDING_VALUES = (_F32[0], _F32[1], _F32[2], 0.5, 2.0, 0.875, _F32[0], 3.0, _F32[1], -1.5)
ROUNDING_MISSING = [
    ("missing-value-rounds-up", {"missing_value": 0.1}),
    ("missing-values", {"missing_values": [0.1, 0.7]}),
    ("valid-min-rounds-down", {"valid_min": 0.7}),
    ("valid-max-rounds-up", {"valid_max": 1.1}),
    ("valid-range", {"valid_range": [0.7, 1.1]}),
]


@pytest.mark.parametrize(
    "missing", [m[1] for m in ROUNDING_MISSING], ids=[m[0] for m in ROUNDING_MISSING]
)
@pytest.mark.parametrize("op", ["count", "max", "min", "select"])
def test_float32_missing_values_are_rounded_to_float32(
    op: str, missing: dict[str, Any], runner: CaseRunner, profile: Profile
) -> None:
    """Spec 2.3: a float32 request's missing value is rounded to float32 before comparing.

    The data hold float32(0.1), float32(0.7) and float32(1.1) exactly, so equality and the
    inclusive bounds only work out when the server rounds the JSON value as the spec says. A
    gap the fault harness found: a server comparing in float64 masks different elements.
    """
    form = next(iter(missing))
    require(profile, "missing", form)
    case = Case(op, "float32", (len(ROUNDING_VALUES),), values=ROUNDING_VALUES)
    prepared = runner.prepare(case)
    prepared.body["missing"] = missing
    _, result = runner.send(case, prepared)
    expected = expected_result(op, prepared.array, profile, missing=missing)
    assert_result(expected, result, profile)
