"""The fuzz area's exclusions (compliance.fuzz_strategies.EXCLUSIONS): each stands for a known
deviation, and covers the cases that deviation makes fail, no more."""

from __future__ import annotations

import re

import pytest

from compliance.case import Case
from compliance.fuzz_strategies import EXCLUSIONS, excluded
from compliance.profiles import BUILTIN_PROFILES

#: The case the fuzz area found at example 2514 of 5000 (count, axis [], order F, holes).
FOUND = Case("count", "int32", (2, 2), order="F", axis=[], missing="missing_value")


@pytest.mark.parametrize("test_id", [test for test, _ in EXCLUSIONS])
def test_each_exclusion_names_a_test_some_profile_lists_as_a_deviation(test_id: str) -> None:
    profiles = BUILTIN_PROFILES.values()
    assert any(re.search(d.pattern, test_id) for p in profiles for d in p.deviations), test_id


@pytest.mark.parametrize("name", ["reductionist-0.11", "reductionist-0.12", "reductionist-0.13"])
def test_the_found_case_is_excluded_where_it_is_a_deviation(name: str) -> None:
    assert excluded(FOUND, BUILTIN_PROFILES[name])


@pytest.mark.parametrize(
    "change",
    [
        {"op": "sum"},
        {"order": "C"},
        {"missing": None},
        {"shape": (4,)},
        {"axis": None},
    ],
    ids=["sum", "C", "no-missing", "1-D", "axis-null"],
)
def test_the_cases_around_it_are_drawn(change: dict[str, object]) -> None:
    assert not excluded(FOUND.replace(**change), BUILTIN_PROFILES["reductionist-0.13"])
