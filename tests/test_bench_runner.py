"""Offline tests of how the benchmark runner checks answers: bypass and proxy, no server needed."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np
import pytest

from bench.common import BYPASS, OPERATIONS, BenchmarkError
from bench.runner import Bench, Workload, bypass_differences, local_reduce
from compliance.client import HttpExchange, ObjectRef, Result
from compliance.oracle import expected_result
from compliance.profiles import resolve_profile


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("dtype", ["int32", "uint64", "float32", "float64"])
def test_local_reduce_agrees_with_the_oracle(operation: str, dtype: str) -> None:
    array = np.arange(1, 1001, dtype=dtype) * (1 if dtype.startswith(("int", "uint")) else 0.25)
    array = array.astype(dtype)
    expected = expected_result(operation, array, resolve_profile("reductionist-0.13"))
    assert bypass_differences(expected, local_reduce(operation, array)) == []


def test_bypass_differences_catches_a_wrong_value() -> None:
    array = np.arange(10, dtype="int64")
    expected = expected_result("sum", array, resolve_profile("reductionist-0.13"))
    assert bypass_differences(expected, np.asarray(46)) == ["value [46] != [45]"]
    select = expected_result("select", array, resolve_profile("reductionist-0.13"))
    assert bypass_differences(select, array[:9]) == ["shape (9,) != (10,)"]


def _answer(value: int, status: int = 200) -> Result:
    """A v2 answer as parse_response would give it, without a server."""
    exchange = HttpExchange(
        "http://127.0.0.1:8080/v2/sum",
        b'{"interface_type": "s3"}',
        "application/json",
        ("minioadmin", "minioadmin"),
        None,
        status,
        {"content-type": "application/cbor"},
        b"",
    )
    return Result(
        exchange,
        status,
        "application/cbor",
        data=np.int64(value).tobytes(),
        dtype="int64",
        shape=(),
        count=(10,),
        byte_order="little",
        cbor_keys=("bytes", "dtype", "shape", "count", "byte_order"),
        error_body={"error": {"message": "bad"}} if status != 200 else None,
    )


@pytest.fixture
def bench() -> Iterator[Any]:
    b = Bench(
        proxies={"r": "http://127.0.0.1:8080"},
        s3_source="http://127.0.0.1:9000",
        auth=("minioadmin", "minioadmin"),
        bucket="b",
        api="v2",
        profile=resolve_profile("reductionist-0.13"),
        operation="sum",
        dtype="int64",
        timeout=5.0,
    )
    yield b
    b.store.cleanup()  # nothing was stored: removes the local marker directory only


def test_check_proxy_accepts_a_right_answer_and_stops_on_a_wrong_one(bench: Any) -> None:
    array = np.arange(10, dtype="int64")
    ref = ObjectRef("s3", "http://127.0.0.1:9000", "b", "k")
    work = Workload(80, array, ref, expected_result("sum", array, bench.profile))
    target = bench.target("r")
    bench.check_proxy(target, work, _answer(45))
    with pytest.raises(BenchmarkError) as wrong:
        bench.check_proxy(target, work, _answer(44))
    message = str(wrong.value)
    assert "\n" not in message
    assert "WRONG ANSWER" in message and "proxy r (http://127.0.0.1:8080)" in message
    assert "curl" in message and "minioadmin:****" in message and ":minioadmin" not in message
    with pytest.raises(BenchmarkError, match=r"failed sum .*\(is --api right\?\)"):
        bench.check_proxy(target, work, _answer(45, status=404))


def test_bench_names_put_bypass_last(bench: Any) -> None:
    assert bench.names == ["r", BYPASS]
    assert bench.store.prefix.startswith("benchmark-")
