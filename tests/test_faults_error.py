"""Error-side faults: status, body shape and message of failures, and invalid requests accepted
by retrying without the offending field; none of them touches a good answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from faults.catalog import FAULTS
from faults.messages import Request, Response, error_response

from tests.faults_support import (
    APIS,
    make_request,
    make_answer,
    FakeServer,
    CONTEXT,
    play,
    ERROR_400,
    _error,
)


@pytest.mark.parametrize("api", APIS)
def test_lenient_validation_drops_fields_until_the_server_accepts(api: str) -> None:
    request = make_request(api, "sum", {"shape": [4], "axis": [3], "frobnicate": 1})
    good = make_answer(api, 1, "int32", [4])

    def reply(sent: Request) -> Response:
        body = json.loads(sent.body)
        return good if "axis" not in body and "frobnicate" in body else ERROR_400

    server = FakeServer(reply)
    assert play("lenient-validation", request, server) == good
    tried = [set(json.loads(request.body)) - set(json.loads(s.body)) for s in server.sent]
    assert tried == [set(), {"frobnicate"}, {"axis"}]
    hopeless = FakeServer(ERROR_400)
    assert play("lenient-validation", request, hopeless) == ERROR_400


@pytest.mark.parametrize("api", APIS)
def test_status_faults(api: str) -> None:
    request = make_request(api, "sum")
    cases = [
        ("error-status-500", 400, 500),
        ("error-status-500", 401, 500),
        ("error-status-500", 500, 500),
        ("auth-error-as-403", 401, 403),
        ("auth-error-as-403", 400, 400),
        ("not-found-as-400", 404, 400),
        ("bad-request-as-422", 400, 422),
        ("bad-request-as-422", 401, 401),
    ]
    for name, status, want in cases:
        upstream = _error(status)
        response = play(name, request, FakeServer(upstream))
        assert response is not None and response.status == want, (name, status)
        assert response.body == upstream.body


@pytest.mark.parametrize("api", APIS)
def test_missing_object_as_404(api: str) -> None:
    request = make_request(api, "sum")
    missing = error_response(
        400, "error retrieving object from S3 storage", ["service error", "NoSuchKey"]
    )
    response = play("missing-object-as-404", request, FakeServer(missing))
    assert response is not None and response.status == 404
    other = _error(400, ["size must be greater than 0"])
    assert play("missing-object-as-404", request, FakeServer(other)) == other


def test_http_upstream_status_leaked() -> None:
    refusal = error_response(400, "HTTP request error")
    with_auth = make_request("v2", "sum", interface="http")
    leaked = play("http-upstream-status-leaked", with_auth, FakeServer(refusal))
    assert leaked is not None and leaked.status == 404
    anonymous = make_request("v2", "sum", interface="http", auth=False)
    leaked = play("http-upstream-status-leaked", anonymous, FakeServer(refusal))
    assert leaked is not None and leaked.status == 401
    assert play("http-upstream-status-leaked", with_auth, FakeServer(ERROR_400)) == ERROR_400


@pytest.mark.parametrize("api", APIS)
def test_error_body_faults(api: str) -> None:
    request = make_request(api, "sum")
    upstream = _error(400, ["dtype: unknown variant `int8`"])

    def after(name: str) -> Response:
        response = play(name, request, FakeServer(upstream))
        assert response is not None
        return response

    empty_200 = after("error-as-empty-200")
    assert (empty_200.status, empty_200.body) == (200, b"")
    assert empty_200.headers["content-type"] == (
        "application/octet-stream" if api == "v1" else "application/cbor"
    )
    text = after("error-plain-text")
    assert text.media_type == "text/plain" and b"int8" in text.body
    with pytest.raises(ValueError):
        json.loads(text.body)
    labelled = after("error-json-as-text")
    assert labelled.media_type == "text/plain" and labelled.body == upstream.body
    assert json.loads(after("error-empty-message").body)["error"]["message"] == ""
    assert json.loads(after("error-without-causes").body) == {
        "error": {"message": "request data is not valid"}
    }
    assert json.loads(after("error-generic-message").body)["error"]["message"] == "Bad Request"
    detail = json.loads(after("error-fastapi-shape").body)
    assert set(detail) == {"detail"} and "int8" in detail["detail"]
    assert play("drop-connection-on-error", request, FakeServer(upstream)) is None


def test_unknown_operation_faults_act_on_unknown_operations() -> None:
    request = make_request("v2", "foo")
    not_found = error_response(404, "unsupported operation foo")
    bare = play("unknown-operation-empty-404", request, FakeServer(not_found))
    assert bare == Response(404, {}, b"")
    as_400 = play("not-found-as-400", request, FakeServer(not_found))
    assert as_400 is not None and as_400.status == 400


@pytest.mark.parametrize("fault", [f for f in FAULTS if f.side == "error"], ids=lambda f: f.name)
@pytest.mark.parametrize("api", APIS)
def test_error_faults_leave_good_answers_alone(api: str, fault: Any) -> None:
    upstream = make_answer(api, 1, "int32", [1])
    request = make_request(api, "sum", {"shape": [1]})
    assert fault.play(request, FakeServer(upstream), CONTEXT) == upstream
