"""The catalogue as a whole: every fault is named, documented and aimed at real feature areas,
leaves non-operations alone, survives odd bodies, and alters some exchange in each API it claims.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator

import numpy as np
import pytest

from compliance.report import FEATURE_AREAS
from faults.catalog import FAULTS, NONE
from faults.messages import Request, Response, error_response
from faults.proxy import list_faults

from tests.faults_support import (
    APIS,
    make_request,
    make_answer,
    FakeServer,
    CONTEXT,
    ERROR_400,
)


def test_catalogue_has_at_least_thirty_distinct_faults_on_every_side() -> None:
    names = [f.name for f in FAULTS]
    assert len(names) >= 30
    assert len(set(names)) == len(names)
    assert NONE.name not in names
    for side in ("request", "response", "error"):
        assert sum(f.side == side for f in FAULTS) >= 8, side


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_is_documented_and_targets_real_feature_areas(fault: Any) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fault.name)
    assert fault.description and "\n" not in fault.description and len(fault.description) < 100
    words = set(re.findall(r"[a-z]+", fault.areas)) - {"or", "and", "not"}
    assert words and words <= set(FEATURE_AREAS), fault.areas
    assert set(fault.apis) <= {"v1", "v2"} and fault.apis


def test_list_names_every_fault_once() -> None:
    text = list_faults()
    for item in FAULTS:
        assert len(re.findall(rf"\s{re.escape(item.name)}\s", text)) == 1, item.name
    assert "(v2 only)" in text


@pytest.mark.parametrize("fault", [NONE, *FAULTS], ids=[f.name for f in [NONE, *FAULTS]])
@pytest.mark.parametrize(
    "request_",
    [
        Request("GET", "/", {}, b""),
        Request("GET", "/.well-known/reductionist-schema", {}, b""),
        Request("POST", "/v2/sum/extra", {"content-type": "application/json"}, b"{}"),
        Request("POST", "/metrics", {}, b""),
    ],
    ids=["root", "well-known", "unrouted", "metrics"],
)
def test_requests_that_are_not_operations_pass_through(fault: Any, request_: Request) -> None:
    upstream = Response(404, {}, b"")
    server = FakeServer(upstream)
    assert fault.play(request_, server, CONTEXT) == upstream
    assert server.sent == [request_]


@pytest.mark.parametrize("api", APIS)
def test_no_fault_is_transparent(api: str) -> None:
    request = make_request(api, "sum", {"shape": [2, 2], "selection": [[0, 2, 1], [1, 2, 1]]})
    upstream = make_answer(api, [3, 4], "int32", [2])
    server = FakeServer(upstream)
    assert NONE.play(request, server, CONTEXT) == upstream
    assert server.sent == [request]


ODD_FIELDS: list[dict[str, Any]] = [
    {"dtype": ["uint32"]},
    {"dtype": None, "shape": None, "order": 0, "byte_order": 1},
    {"selection": "0:4:1", "axis": {"a": 1}, "missing": [1]},
    {"selection": [[0, 4]], "axis": [0.5, "x"], "missing": {"missing_values": "x"}},
    {"selection": [{"start": 0}], "shape": [-4], "missing": {"valid_range": 5}},
    {"missing": {"valid_min": "1", "valid_max": None, "missing_value": [1]}},
    {"missing": {"missing_value": 1e300}, "dtype": "float32"},
    {"compression": "gzip", "filters": {"id": "shuffle"}, "offset": -1, "size": "9"},
    {"filters": ["shuffle"], "compression": [{"id": "GZIP"}], "axis": True},
    {"byte_order": "big", "missing": {"missing_values": [1, None, 2**70]}, "dtype": "int32"},
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("api", APIS)
def test_faults_survive_the_error_tests_odd_bodies(api: str, fault: Any) -> None:
    """The error tests send every kind of wrong JSON: a fault must pass it on, not crash."""
    for fields in ODD_FIELDS:
        for op in ("sum", "select", "count", "max"):
            for reply in (ERROR_400, make_answer(api, [1, 2], "uint32", [2])):
                fault.play(make_request(api, op, fields), FakeServer(reply), CONTEXT)


def _scenarios(api: str) -> Iterator[tuple[Request, Callable[[Request], Response]]]:
    """Requests and server behaviours that between them trigger every fault."""
    fields = {
        "shape": [4, 3],
        "order": "F",
        "offset": 9,
        "size": 48,
        "selection": [[-4, 4, 2], [2, -4, -1]],
        "axis": [1, 0],
        "byte_order": "big",
        "compression": {"id": "zlib"},
        "filters": [{"id": "shuffle", "element_size": 4}],
        "missing": {"missing_values": [7, 9]},
        "frobnicate": True,
    }
    if api == "v2":
        fields.update(option_shape_as_bytes=True, option_count_as_bytes=True)

    def answer(sent: Request) -> Response:
        return make_answer(
            api, [[1, 2, 3], [4, 5, 6]], "uint32", [3, 2], shape_as_bytes=api == "v2"
        )

    def per_row(sent: Request) -> Response:
        return make_answer(api, [6, 15], "int32", [3, 3])

    def empty(sent: Request) -> Response:
        return make_answer(api, [0.0], "float32", [0])

    def big(sent: Request) -> Response:
        return make_answer(api, np.zeros(300_000), "float32", [300_000])

    def nan_sum(sent: Request) -> Response:
        if sent.operation == "select":
            return make_answer(api, [1.0, np.nan, 2.0], "float64", [3])
        return make_answer(api, np.nan, "float64", [3])

    def http_refusal(sent: Request) -> Response:
        return error_response(400, "HTTP request error")

    def refuse(sent: Request) -> Response:
        if "frobnicate" in json.loads(sent.body):
            return error_response(400, "request data is not valid", ["NoSuchKey"])
        return answer(sent)

    def unauthorised(sent: Request) -> Response:
        return error_response(404 if sent.operation == "foo" else 401, "refused")

    for op in ("sum", "max", "select", "count"):
        yield make_request(api, op, fields), answer
        yield make_request(api, op, {"dtype": "uint32", "valid_min": 1, **fields}), answer
        yield make_request(api, op, {**fields, "dtype": "int32"}, auth=False), answer
        yield make_request(api, op, {**fields, "missing": {"valid_range": [1, 9]}}), empty
        yield make_request(api, op, {"shape": [3]}), big
        yield make_request(api, op, fields), refuse
        yield make_request(api, op, {"shape": [2, 3], "axis": 1}), per_row
        yield make_request(api, op, {"shape": [2, 3], "selection": [[0, 2, 0], [0, 3, 1]]}), answer
    yield make_request(api, "foo"), unauthorised
    yield make_request(api, "sum"), unauthorised
    yield make_request(api, "sum", {"shape": [2, 3], "axis": []}), answer
    yield make_request(api, "sum", {"dtype": "Int32", "order": "f"}), answer
    yield make_request(api, "sum", {"dtype": "float32", "missing": {"missing_value": 0.1}}), answer
    yield make_request(api, "sum", {"offset": 0, "size": 8}), answer
    yield make_request(api, "sum", {"offset": 8, "size": 8}), answer
    yield make_request(api, "sum", slash=True), answer
    yield make_request(api, "sum", {"dtype": "float64"}), nan_sum
    # off-grid: int64 with missing data and a stride; a reversed slice starting past its end
    yield make_request(api, "sum", {**fields, "dtype": "int64"}), answer
    yield make_request(api, "max", {**fields, "selection": [[0, 4, 1], [5, 0, -1]]}), answer
    if api == "v2":
        yield make_request(api, "sum", interface="http"), http_refusal


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize("api", APIS)
def test_every_fault_alters_some_exchange_in_each_api_it_claims(api: str, fault: Any) -> None:
    if api not in fault.apis:
        pytest.skip(f"{fault.name} is {fault.apis[0]} only")
    for request, behaviour in _scenarios(api):
        server = FakeServer(behaviour)
        outcome = fault.play(request, server, CONTEXT)
        if server.sent != [request] or outcome != behaviour(request):
            return
    pytest.fail(f"{fault.name} altered none of the {api} scenarios")
