"""Hand-made exchanges for the offline fault tests (``tests/test_faults_*.py``).

Requests as the suite sends them and answers as a real server encodes them, in v1 framing (raw
bytes plus ``x-activestorage-*`` headers) and v2 framing (a CBOR map), and a fake upstream that
records what a fault forwards to it. No store, server or stack is needed.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable

import cbor2
import numpy as np

from faults.catalog import CATALOG
from faults.messages import Answer, Request, Response, error_response
from faults.registry import Context

S3 = "http://127.0.0.1:9000"


AUTH = "Basic " + base64.b64encode(b"user:secret").decode()


APIS = ["v1", "v2"]


def make_request(
    api: str,
    op: str,
    fields: dict[str, Any] | None = None,
    *,
    auth: bool = True,
    interface: str = "s3",
    slash: bool = False,
) -> Request:
    """A request as the suite sends it: the API's object location, then ``fields``."""
    if api == "v1":
        where: dict[str, Any] = {"source": S3, "bucket": "bucket", "object": "key"}
    else:
        where = {"interface_type": interface, "url": f"{S3}/bucket/key"}
    headers = {"content-type": "application/json"}
    if auth:
        headers["authorization"] = AUTH
    body = json.dumps({**where, "dtype": "int32", **(fields or {})}).encode()
    return Request("POST", f"/{api}/{op}" + ("/" if slash else ""), headers, body)


def make_answer(
    api: str,
    values: Any,
    dtype: str,
    count: list[int],
    *,
    shape: list[int] | None = None,
    byte_order: str = "little",
    shape_as_bytes: bool = False,
    count_as_bytes: bool = False,
    v1_int_count: bool = False,
) -> Response:
    """A successful answer in the API's framing, as a real server encodes it."""
    array = np.asarray(
        values, dtype=np.dtype(dtype).newbyteorder("<" if byte_order == "little" else ">")
    )
    shape = list(array.shape) if shape is None else shape
    data = array.tobytes()
    if api == "v1":
        headers = {
            "content-type": "application/octet-stream",
            "x-activestorage-dtype": dtype,
            "x-activestorage-shape": json.dumps(shape, separators=(",", ":")),
            "x-activestorage-count": json.dumps(
                count[0] if v1_int_count else count, separators=(",", ":")
            ),
            "x-activestorage-byte-order": byte_order,
        }
        return Response(200, headers, data)
    words = "<" if byte_order == "little" else ">"
    payload = {
        "bytes": data,
        "dtype": dtype,
        "shape": [] if shape_as_bytes else shape,
        "shape_as_bytes": np.asarray(shape, f"{words}u8").tobytes() if shape_as_bytes else b"",
        "count": [] if count_as_bytes else count,
        "count_as_bytes": np.asarray(count, f"{words}i8").tobytes() if count_as_bytes else b"",
        "byte_order": byte_order,
    }
    return Response(200, {"content-type": "application/cbor"}, cbor2.dumps(payload))


class FakeServer:
    """A stand-in for the real server: records each request, answers with ``reply``."""

    def __init__(self, reply: Response | Callable[[Request], Response]) -> None:
        self.reply = reply
        self.sent: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.sent.append(request)
        return self.reply(request) if callable(self.reply) else self.reply

    @property
    def body(self) -> dict[str, Any]:
        """The JSON body of the one request forwarded."""
        assert len(self.sent) == 1, self.sent
        value = json.loads(self.sent[0].body)
        assert isinstance(value, dict)
        return value


CONTEXT = Context(s3_auth=("s3user", "s3pass"), http_auth=("httpuser", "httppass"))


def play(name: str, request: Request, server: FakeServer) -> Response | None:
    """The outcome of a fault that answers or drops (every side but transport)."""
    outcome = CATALOG[name].play(request, server, CONTEXT)
    assert outcome is None or isinstance(outcome, Response), outcome
    return outcome


def forwarded(name: str, request: Request) -> dict[str, Any]:
    """The body a request fault sends upstream."""
    server = FakeServer(make_answer(request.api or "v2", 1, "int32", [1]))
    play(name, request, server)
    return server.body


def decode(api: str, response: Response | None) -> Answer:
    assert response is not None
    answer = Answer.decode(api, response)
    assert answer is not None, response
    return answer


def answer_after(name: str, request: Request, upstream: Response) -> Answer:
    api = request.api
    assert api is not None
    return decode(api, play(name, request, FakeServer(upstream)))


def values_of(answer: Answer) -> list[Any]:
    return answer.values().tolist()


ERROR_400 = error_response(400, "request data is not valid", ["dtype: unknown variant `int8`"])


def _error(status: int = 400, causes: list[str] | None = None) -> Response:
    return error_response(status, "request data is not valid", causes)


def _own_object(api: str, fields: dict[str, Any], suffix: str, auth: str | None = AUTH) -> Request:
    """A request for an object no other test of a stateful (cache) fault reads."""
    located = make_request(api, "sum", fields)
    body = json.loads(located.body)
    body["object" if api == "v1" else "url"] += suffix
    return located.with_json(body).with_headers(authorization=auth)
