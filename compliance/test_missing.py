"""Missing data: every descriptor form x dtype x operation, with selection and all-missing."""

from __future__ import annotations

import pytest

from .case import Case
from .conftest import Verify
from .gating import require
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
