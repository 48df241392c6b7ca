"""Known instabilities: only a failure that is nothing but a dropped connection is excused."""

from __future__ import annotations

import dataclasses

import pytest

from compliance.deviations import Instability, is_truncated_read
from compliance.profiles import BUILTIN_PROFILES, resolve_profile

RACE = Instability("a known race", truncated_reads=True)
UNSTABLE = dataclasses.replace(BUILTIN_PROFILES["reductionist-0.11"], unstable=RACE)
STABLE = BUILTIN_PROFILES["reductionist-0.11"]
DROPPED = (
    "ConnectionError: ('Connection aborted.', "
    "RemoteDisconnected('Remote end closed connection without response'))"
)


def test_a_dropped_connection_is_the_known_instability() -> None:
    assert UNSTABLE.instability([f"no HTTP response ({DROPPED})"], DROPPED) == "a known race"


@pytest.mark.parametrize(
    "differences,transport_error",
    [
        pytest.param(["no HTTP response (ReadTimeout)"], "ReadTimeout: timed out", id="timeout"),
        pytest.param(["values differ at 1 of 4 positions"], None, id="wrong-values"),
        pytest.param([f"no HTTP response ({DROPPED})", "count [3] != [4]"], DROPPED, id="two"),
        pytest.param(["status 500 != 200"], None, id="server-error"),
    ],
)
def test_anything_else_is_a_failure(differences: list[str], transport_error: str | None) -> None:
    assert UNSTABLE.instability(differences, transport_error) is None


def test_a_stable_profile_excuses_nothing() -> None:
    assert STABLE.instability([f"no HTTP response ({DROPPED})"], DROPPED) is None


def test_the_cache_profiles_carry_their_race() -> None:
    assert "state.json" in str(resolve_profile("reductionist-0.11-cache").unstable)
    assert "uvicorn" in str(resolve_profile("prototype").unstable)
    assert resolve_profile("reductionist-0.11").unstable is None


def test_an_answer_only_the_race_gives_is_the_known_instability() -> None:
    raced = 'status 400 != 200; body: {... "raw size": Number(0), "dtype size": Number(8)}'
    assert UNSTABLE.instability([raced], None) == "a known race"
    other = 'status 400 != 200; body: {... "raw size": Number(96), "dtype size": Number(8)}'
    assert UNSTABLE.instability([other], None) is None
    assert UNSTABLE.instability([raced, "count [3] != [4]"], None) is None


SIZES = '[{"dtype size": Number(8), "expected size": Number(%d), "raw size": Number(%d)}]'


@pytest.mark.parametrize(
    "difference,truncated",
    [
        pytest.param("status 400 != 200; body: " + SIZES % (8388608, 6291456), True, id="short"),
        pytest.param("status 400 != 200; body: " + SIZES % (96, 0), True, id="empty"),
        pytest.param("status 400 != 200; body: " + SIZES % (96, 104), False, id="long"),
        pytest.param("status 400 != 200; body: " + SIZES % (96, 96), False, id="equal"),
        pytest.param(
            "error message 'failed to decompress data | unexpected end of file' names none of "
            "['size']",
            True,
            id="stream-ends-early",
        ),
        pytest.param(
            "status 500 != 200; body: "
            "{'error': {'message': 'failed to convert from bytes to f64'}}",
            True,
            id="not-whole-items",
        ),
        pytest.param("values differ at 1 of 4 positions", False, id="wrong-values"),
    ],
)
def test_a_chunk_read_short_of_its_end_is_the_race(difference: str, truncated: bool) -> None:
    """Only an answer that less than the whole chunk gives is the cache writer's race."""
    assert is_truncated_read(difference) is truncated
    assert (UNSTABLE.instability([difference], None) is not None) is truncated
    assert STABLE.instability([difference], None) is None
