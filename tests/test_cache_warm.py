"""``Warm.settle``: how it reads the probe, and what a probe's answer means (compliance/cache_warm).

The runner here is a stand-in that answers the probe's reads from a script: the real waits are
exercised by the cache area against the cache servers of the local stack.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from compliance import cache_warm
from compliance.cache_warm import Warm
from compliance.client import HttpExchange, ObjectRef, Result
from compliance.profiles import Profile, resolve_profile

RACE = (
    b'{"error": {"message": "request data is not valid", "caused_by": ["Validation error: Raw '
    b"data size must be equal to the product of shape indices and dtype size in bytes "
    b'[{\\"expected size\\": Number(8), \\"raw size\\": Number(0)}]"]}}'
)


def _answer(status: int | None, value: int | None = None, content: bytes = b"") -> Result:
    exchange = HttpExchange(
        "http://127.0.0.1:1/v2/sum", b"{}", None, None, None, status, {}, content
    )
    if value is None:
        return Result(exchange, status, "application/json", content, error_body=json.loads(content))
    data = np.array([value], "<i8").tobytes()
    return Result(exchange, status, "application/cbor", data, dtype="int64", shape=(1,))


@dataclass
class ScriptedRunner:
    """Answers each probe read with the next scripted answer; None in a script means "the
    version just written" (a cache miss), an int that cached value."""

    script: list[Any]
    written: list[int] = field(default_factory=list)
    bucket: str = "bucket"
    s3_auth: tuple[str, str] = ("id", "pw")

    @property
    def store(self) -> "ScriptedRunner":
        return self

    @property
    def client(self) -> "ScriptedRunner":
        return self

    def rewrite_s3(self, bucket: str, name: str, data: bytes) -> ObjectRef:
        self.written.append(int(np.frombuffer(data, "=i8")[0]))
        return ObjectRef("s3", "http://127.0.0.1:9000", bucket, name)

    def post(self, op: str, body: dict[str, Any], auth: Any) -> Result:
        step = self.script.pop(0)
        if isinstance(step, Result):
            return step
        return _answer(200, self.written[-1] if step is None else step)


def _warm(script: list[Any], profile: Profile | None = None) -> tuple[Warm, Any]:
    runner = ScriptedRunner(script)
    chosen = profile or resolve_profile("reductionist-0.13-cache")
    return Warm(runner, chosen, "tests/x.py::t"), runner  # type: ignore[arg-type]


def test_a_cached_answer_ends_the_wait_and_the_second_read_follows_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(cache_warm.time, "sleep", slept.append)
    warm, runner = _warm([None, 0])  # a miss, then version 0 from the cache
    assert warm.settle() is True
    assert runner.written == [0, 1] and slept == []


def test_misses_after_the_second_read_wait_between_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(cache_warm.time, "sleep", slept.append)
    warm, runner = _warm([None, None, None, 2])
    assert warm.settle() is True
    assert runner.written == [0, 1, 2, 3] and slept == [cache_warm.SETTLE_POLL] * 2


def test_the_profiles_race_met_by_the_probe_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_warm.time, "sleep", lambda seconds: None)
    warm, runner = _warm([None, _answer(400, content=RACE), 1])
    assert warm.settle() is True
    assert runner.written == [0, 1, 2]


def test_any_other_refusal_of_the_probe_fails_with_what_came_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cache_warm.time, "sleep", lambda seconds: None)
    other = _answer(400, content=b'{"error": {"message": "request data is not valid"}}')
    warm, _ = _warm([None, other])
    with pytest.raises(pytest.fail.Exception, match=r"cache probe read failed: HTTP 400"):
        warm.settle()


def test_a_race_the_profile_does_not_have_is_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache server without a known race: an empty chunk's 400 is a failure like another."""
    monkeypatch.setattr(cache_warm.time, "sleep", lambda seconds: None)
    stable = dataclasses.replace(resolve_profile("reductionist-0.13-cache"), unstable=None)
    warm, _ = _warm([None, _answer(400, content=RACE)], stable)
    with pytest.raises(pytest.fail.Exception, match=r"HTTP 400"):
        warm.settle()
