"""Known instabilities: only a failure that is nothing but a dropped connection is excused."""

from __future__ import annotations

import dataclasses

import pytest

from compliance.profiles import BUILTIN_PROFILES, resolve_profile

UNSTABLE = dataclasses.replace(BUILTIN_PROFILES["reductionist-0.11"], unstable="a known race")
STABLE = BUILTIN_PROFILES["reductionist-0.11"]


def failure(*differences: str) -> str:
    """A failure as pytest shows an assertion of the suite's checks (lines prefixed by E)."""
    lines = ["E   AssertionError: server answer differs from the spec:"]
    lines += [f"E     - {d}" for d in differences]
    lines += ["E   request: POST http://127.0.0.1:8085/v1/sum", "E     got: no HTTP response"]
    return "\n".join(lines)


DROPPED = (
    "no HTTP response (ConnectionError: ('Connection aborted.', "
    "RemoteDisconnected('Remote end closed connection without response')))"
)


def test_a_dropped_connection_is_the_known_instability() -> None:
    assert UNSTABLE.instability(failure(DROPPED)) == "a known race"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(failure("no HTTP response (ReadTimeout: timed out)"), id="timeout"),
        pytest.param(failure("values differ at 1 of 4 positions"), id="wrong-values"),
        pytest.param(failure(DROPPED, "count [3] != [4]"), id="two-differences"),
        pytest.param("E   assert 500 == 200", id="plain-assert"),
    ],
)
def test_anything_else_is_a_failure(text: str) -> None:
    assert UNSTABLE.instability(text) is None


def test_a_stable_profile_excuses_nothing() -> None:
    assert STABLE.instability(failure(DROPPED)) is None


def test_the_cache_profiles_carry_their_race() -> None:
    assert "state.json" in resolve_profile("reductionist-0.11-cache").unstable
    assert resolve_profile("reductionist-0.11").unstable == ""
