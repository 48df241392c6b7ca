"""The load mix (bench.loadmix), offline: which cases it draws, how it picks, how it judges."""

from __future__ import annotations

import dataclasses
import itertools

import cbor2
import numpy as np
import pytest

from bench.loadmix import (
    AREAS,
    MixCase,
    MixRequest,
    case_space,
    draw_cases,
    judge,
    picks,
)
from compliance.case import Case
from compliance.client import HttpExchange, Result, parse_response
from compliance.deviations import Deviation
from compliance.oracle import Expected
from compliance.profiles import resolve_profile

V2 = resolve_profile("reductionist-0.13")
V1 = resolve_profile("reductionist-0.11")


def test_every_area_has_cases_for_the_v2_server() -> None:
    space = case_space(V2)
    assert tuple(space) == AREAS
    assert all(space[area] for area in AREAS)


def test_gating_leaves_out_what_the_profile_lacks() -> None:
    space = case_space(V1)
    assert space["http"] == []  # 0.11 has no HTTP backend
    compressions = {m.case.compression for m in space["compression"]}
    assert compressions == {"gzip", "zlib"}  # no blosc2 before 0.12
    prototype = case_space(resolve_profile("prototype"))
    assert prototype["missing"] == [] and prototype["compression"] == []
    assert not any(m.test_id.find("negative") >= 0 for m in prototype["selection"])


def test_known_deviations_are_left_out() -> None:
    """A case whose suite test is a known deviation of the profile is not sent."""
    wanted = "test_operations.py::test_operation[sum-int32-10-C]"
    plain = {m.test_id for m in case_space(V2)["operations"]}
    deviant = dataclasses.replace(
        V2, deviations=(Deviation(r"test_operation\[sum-int32-10-C\]", "reason"),)
    )
    assert wanted in plain
    assert {m.test_id for m in case_space(deviant)["operations"]} == plain - {wanted}


def test_the_draw_is_fixed_by_the_seed() -> None:
    space = case_space(V2)
    first = draw_cases(space, 5, seed=13)
    assert first == draw_cases(space, 5, seed=13)
    assert first != draw_cases(space, 5, seed=14)
    assert len(first) == 5 * len(AREAS)
    assert [m.area for m in first] == [a for a in AREAS for _ in range(5)]


def test_a_small_area_gives_all_it_has() -> None:
    space = {"operations": [MixCase("operations", "t", Case("sum", "int32", (3,)))]}
    assert len(draw_cases(space, 4, seed=1)) == 1
    with pytest.raises(ValueError):
        draw_cases(space, 0, seed=1)


def test_picks_are_fixed_by_seed_and_stream() -> None:
    one = list(itertools.islice(picks(13, "client-0", 50), 200))
    assert one == list(itertools.islice(picks(13, "client-0", 50), 200))
    assert one != list(itertools.islice(picks(13, "client-1", 50), 200))
    assert set(one) <= set(range(50)) and len(set(one)) > 40
    with pytest.raises(ValueError):
        next(picks(13, "x", 0))


def _request(expected: Expected) -> MixRequest:
    case = MixCase("operations", "test_operations.py::x", Case("sum", "int64", (2,)))
    return MixRequest(case, b"{}", None, 16, expected)


def _result(status: int | None, content: bytes = b"", content_type: str = "") -> Result:
    headers = {"content-type": content_type} if content_type else {}
    exchange = HttpExchange("http://x/v2/sum", b"{}", None, None, None, status, headers, content)
    return Result(exchange, status, content_type)


def _v2_answer(values: np.ndarray, count: list[int]) -> Result:
    payload = {
        "bytes": values.tobytes(),
        "dtype": "int64",
        "shape": [],
        "count": count,
        "byte_order": "little",
    }
    exchange = HttpExchange(
        "http://x/v2/sum",
        b"{}",
        None,
        None,
        None,
        200,
        {"content-type": "application/cbor"},
        cbor2.dumps(payload),
    )
    return parse_response("v2", exchange)


SUM = Expected(np.asarray(np.int64(7)), "int64", (), (2,))


def test_judge_a_right_answer() -> None:
    outcome = judge(_request(SUM), _v2_answer(np.asarray(np.int64(7)), [2]), V2)
    assert (outcome.kind, outcome.status, outcome.differences) == ("ok", "200", ())


def test_judge_a_wrong_count_is_a_wrong_answer() -> None:
    outcome = judge(_request(SUM), _v2_answer(np.asarray(np.int64(7)), [3]), V2)
    assert outcome.kind == "wrong" and outcome.differences == ("count [3] != [2]",)


def test_judge_a_wrong_status_or_no_answer_is_an_error() -> None:
    assert judge(_request(SUM), _result(500), V2).kind == "error"
    assert judge(_request(SUM), _result(500), V2).status == "500"
    assert judge(_request(SUM), _result(None), V2).status == "no answer"
