"""Meta-test of the one tolerant comparison: realistic float sums within a derived bound."""

from __future__ import annotations

import numpy as np
import pytest

from compliance.checks import result_differences
from compliance.client import HttpExchange, parse_response
from compliance.oracle import Expected
from compliance.profiles import BUILTIN_PROFILES

PROTOTYPE = BUILTIN_PROFILES["prototype"]


def v1_sum(value: float) -> HttpExchange:
    content = np.array(value, dtype="<f8").tobytes()
    headers = {
        "content-type": "application/octet-stream",
        "content-length": str(len(content)),
        "x-activestorage-dtype": "float64",
        "x-activestorage-shape": "[]",
    }
    return HttpExchange(
        "http://127.0.0.1:8100/v1/sum/",
        b"{}",
        "application/json",
        None,
        None,
        200,
        headers,
        content,
    )


@pytest.mark.parametrize("got,differs", [(10.0, False), (10.5, False), (9.5, False), (10.51, True)])
def test_tolerance_bounds_the_difference(got: float, differs: bool) -> None:
    expected = Expected(np.asarray(10.0), "float64", (), (1,), tolerance=0.5)
    diffs = result_differences(expected, parse_response("v1", v1_sum(got)), PROTOTYPE)
    assert bool(diffs) == differs, diffs
    if differs:
        assert "differ by more than 0.5" in diffs[0]


def test_no_tolerance_is_exact() -> None:
    expected = Expected(np.asarray(10.0), "float64", (), (1,))
    (diff,) = result_differences(expected, parse_response("v1", v1_sum(10.000000001)), PROTOTYPE)
    assert "values differ at 1 of 1" in diff
