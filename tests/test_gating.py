"""Meta-tests of capability gating (compliance/gating.py).

A gate that never skips runs a test against a server without the feature (a false failure); one
that always skips hides the feature's tests. Each profile below lacks what the gate asks for in
one way and must skip, naming the capability; each one that has it must not skip.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import pytest

from compliance.gating import lacks, require, require_some, require_without
from compliance.profiles import BUILTIN_PROFILES

V2 = BUILTIN_PROFILES["reductionist-0.13"]
NO_MISSING = replace(V2, name="no-missing", missing=())
NO_BLOSC2 = replace(V2, name="no-blosc2", compression=("gzip", "zlib"))


def skip_reason(gate: Callable[..., None], *args: object) -> str | None:
    """The reason a gate skips with, or None if it lets the test run."""
    try:
        gate(*args)
    except pytest.skip.Exception as skipped:
        return str(skipped.msg)
    return None


def test_require_some_runs_with_one_value() -> None:
    assert skip_reason(require_some, V2, "missing") is None


def test_require_some_skips_an_empty_capability() -> None:
    reason = skip_reason(require_some, NO_MISSING, "missing")
    assert reason == "capability missing is empty in profile no-missing"


def test_require_without_runs_when_the_value_is_absent() -> None:
    assert skip_reason(require_without, NO_BLOSC2, "compression", "blosc2") is None


def test_require_without_skips_when_the_value_is_supported() -> None:
    reason = skip_reason(require_without, V2, "compression", "blosc2")
    assert reason is not None
    assert "compression=" in reason and "includes 'blosc2'" in reason, reason


@pytest.mark.parametrize(
    "capability,value,wanted",
    [
        ("compression", "blosc2", None),
        ("compression", "lz4", "compression"),
        ("byte_order", True, None),
        ("api", "v2", None),
        ("api", "v1", "api"),
    ],
)
def test_lacks_names_the_capability(capability: str, value: object, wanted: str | None) -> None:
    reason = lacks(V2, capability, value)
    assert (reason is None) == (wanted is None), reason
    if reason is not None:
        assert reason.startswith(f"capability {wanted}="), reason
        assert skip_reason(require, V2, capability, value) == reason
