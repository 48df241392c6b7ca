"""Request building and response parsing for every known response variant (spec sections 4 and 5).

Responses are made by hand: v1 bodies plus ``x-activestorage-*`` headers as 0.2-0.11 and the
prototype send them, v2 CBOR maps as 0.12, 0.13.0 and 0.13.1 send them.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping

import cbor2
import numpy as np
import pytest
import requests

from compliance.client import (
    Api,
    HttpExchange,
    ObjectRef,
    Result,
    ServerClient,
    build_body,
    parse_response,
)

S3_REF = ObjectRef("s3", "http://127.0.0.1:9000", "bucket", "run/abc123")
HTTP_REF = ObjectRef("http", "http://127.0.0.1:8000", "private", "run/abc123")
FIELDS = {"dtype": "int32", "shape": [2, 3], "selection": [[0, 2, 1], [0, 3, 1]]}
INT32_123 = np.array([1, 2, 3], dtype="<i4").tobytes()


def exchange(
    status: int | None = 200,
    headers: Mapping[str, str] | None = None,
    content: bytes = b"",
    auth: tuple[str, str] | None = ("user", "s3cr3t-pass"),
    body: bytes = b'{"dtype": "int32"}',
) -> HttpExchange:
    return HttpExchange(
        "http://127.0.0.1:8080/v2/sum",
        body,
        "application/json",
        auth,
        None,
        status,
        dict(headers or {}),
        content,
        None if status is not None else "ConnectionError: reset",
    )


def v1(content: bytes, **headers: str) -> Result:
    """A v1 answer; header names given with underscores, e.g. x_activestorage_dtype."""
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    named.setdefault("content-type", "application/octet-stream")
    named.setdefault("content-length", str(len(content)))
    return parse_response("v1", exchange(headers=named, content=content))


def v2(payload: Any, status: int = 200) -> Result:
    content = payload if isinstance(payload, bytes) else cbor2.dumps(payload)
    return parse_response(
        "v2", exchange(status, {"content-type": "application/cbor"}, content=content)
    )


# --- request bodies -------------------------------------------------------------------------------


def test_v1_body_names_source_bucket_object() -> None:
    body = build_body("v1", S3_REF, FIELDS)
    assert body == {
        "source": "http://127.0.0.1:9000",
        "bucket": "bucket",
        "object": "run/abc123",
        **FIELDS,
    }
    assert "url" not in body and "interface_type" not in body


def test_v2_body_names_interface_type_and_url() -> None:
    body = build_body("v2", S3_REF, FIELDS)
    assert body == {
        "interface_type": "s3",
        "url": "http://127.0.0.1:9000/bucket/run/abc123",
        **FIELDS,
    }
    http = build_body("v2", HTTP_REF, {"dtype": "int64"})
    assert http == {
        "interface_type": "http",
        "url": "http://127.0.0.1:8000/private/run/abc123",
        "dtype": "int64",
    }


def test_http_object_without_bucket_has_no_empty_path_segment() -> None:
    assert ObjectRef("http", "http://h:8000", "", "k").url == "http://h:8000/k"


def test_v1_cannot_read_from_http() -> None:
    with pytest.raises(ValueError, match="S3 only"):
        build_body("v1", HTTP_REF, FIELDS)


def test_body_is_json_serialisable_and_fields_are_not_mutated() -> None:
    fields = dict(FIELDS)
    body = build_body("v2", S3_REF, fields)
    assert json.loads(json.dumps(body)) == body
    assert fields == FIELDS


# --- v1 responses -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "count_header, count",
    [
        pytest.param("3", (3,), id="integer-0.2-to-0.9"),
        pytest.param("[3]", (3,), id="list-0.11"),
        pytest.param("[2,0,5]", (2, 0, 5), id="list-per-cell-0.11"),
        pytest.param(None, None, id="absent-prototype"),
    ],
)
def test_v1_count_header_variants(count_header: str | None, count: tuple[int, ...] | None) -> None:
    headers = {"x_activestorage_dtype": "int32", "x_activestorage_shape": "[3]"}
    if count_header is not None:
        headers["x_activestorage_count"] = count_header
    result = v1(INT32_123, **headers)
    assert result.count == count
    assert result.parse_problems == []


@pytest.mark.parametrize("text, shape", [("[]", ()), ("[3]", (3,)), ("[2,3]", (2, 3))])
def test_v1_shape_header(text: str, shape: tuple[int, ...]) -> None:
    result = v1(b"", x_activestorage_dtype="int64", x_activestorage_shape=text)
    assert result.shape == shape


def test_v1_full_answer() -> None:
    result = v1(
        INT32_123,
        x_activestorage_dtype="int32",
        x_activestorage_shape="[3]",
        x_activestorage_count="[3]",
        x_activestorage_byte_order="little",
    )
    assert (result.status, result.dtype, result.shape, result.count) == (200, "int32", (3,), (3,))
    assert result.byte_order == "little"
    assert result.content_type == "application/octet-stream"
    assert result.data == INT32_123
    assert result.values().tolist() == [1, 2, 3]
    assert result.cbor_keys == ()


def test_v1_without_byte_order_header() -> None:
    result = v1(INT32_123, x_activestorage_dtype="int32", x_activestorage_shape="[3]")
    assert result.byte_order is None


def test_v1_malformed_header_is_a_parse_problem_not_an_exception() -> None:
    result = v1(INT32_123, x_activestorage_dtype="int32", x_activestorage_shape="(3,)")
    assert result.shape is None
    assert any("x-activestorage-shape" in p for p in result.parse_problems)


# --- v2 responses ---------------------------------------------------------------------------------

BASE_V2 = {"bytes": INT32_123, "dtype": "int32", "shape": [3], "count": [3], "byte_order": "little"}
BASE_V2_ANY: dict[Any, Any] = dict(BASE_V2)  # for maps with keys that are not text


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="0.12-and-0.13.0-five-keys"),  # 0.13.0 omits empty *_as_bytes
        pytest.param({"shape_as_bytes": b"", "count_as_bytes": b""}, id="0.13.1-always-present"),
    ],
)
def test_v2_versions_parse_alike(extra: dict[str, Any]) -> None:
    result = v2({**BASE_V2, **extra})
    assert result.parse_problems == []
    assert (result.dtype, result.shape, result.count) == ("int32", (3,), (3,))
    assert result.byte_order == "little"
    assert result.values().tolist() == [1, 2, 3]
    assert set(result.cbor_keys) == set(BASE_V2) | set(extra)
    assert result.payload == {**BASE_V2, **extra}


def test_v2_keys_recorded_in_order() -> None:
    result = v2({**BASE_V2, "shape_as_bytes": b"", "count_as_bytes": b""})
    assert result.cbor_keys == (
        "bytes",
        "dtype",
        "shape",
        "count",
        "byte_order",
        "shape_as_bytes",
        "count_as_bytes",
    )


@pytest.mark.parametrize("byte_order, code", [("little", "<"), ("big", ">")])
def test_v2_shape_and_count_as_bytes(byte_order: str, code: str) -> None:
    """0.13 with option_*_as_bytes: shape/count empty, 8-byte ints in the server's order."""
    values = np.array([[1, 2, 3], [4, 5, 6]], dtype=code + "i8")
    payload = {
        "bytes": values.tobytes(),
        "dtype": "int64",
        "shape": [],
        "shape_as_bytes": np.array([2, 3], dtype=code + "u8").tobytes(),
        "count": [],
        "count_as_bytes": np.array([1, -1, 2**40, 0, 5, 6], dtype=code + "i8").tobytes(),
        "byte_order": byte_order,
    }
    result = v2(payload)
    assert result.parse_problems == []
    assert result.shape == (2, 3)
    assert result.count == (1, -1, 2**40, 0, 5, 6)
    assert result.values().tolist() == [[1, 2, 3], [4, 5, 6]]


def test_v2_shape_as_bytes_is_unsigned() -> None:
    blob = (2**63 + 1).to_bytes(8, "little")
    result = v2({**BASE_V2, "shape": [], "shape_as_bytes": blob})
    assert result.shape == (2**63 + 1,)


def test_v2_scalar_result() -> None:
    result = v2({**BASE_V2, "bytes": (6).to_bytes(4, "little"), "shape": []})
    assert result.shape == ()
    assert result.values().tolist() == 6


def test_v2_ragged_as_bytes_blob_is_a_parse_problem() -> None:
    result = v2({**BASE_V2, "count": [], "count_as_bytes": b"\x01\x02\x03"})
    assert any("8-byte" in p for p in result.parse_problems)


@pytest.mark.parametrize(
    "content, problem",
    [
        pytest.param(b"\xff\xff\x00", "not CBOR", id="malformed"),
        pytest.param(b"", "not CBOR", id="empty"),
        pytest.param(cbor2.dumps([1, 2, 3]), "not a map", id="array-not-map"),
        pytest.param(json.dumps(BASE_V2 | {"bytes": ""}).encode(), "CBOR", id="json-body"),
    ],
)
def test_v2_bad_bodies_are_parse_problems(content: bytes, problem: str) -> None:
    result = v2(content)
    assert result.status == 200
    assert any(problem in p for p in result.parse_problems), result.parse_problems
    assert result.dtype is None and result.shape is None and result.count is None


@pytest.mark.parametrize(
    "content, problem",
    [
        pytest.param(cbor2.dumps(BASE_V2) + b"\n", "1 byte(s) after the one CBOR", id="newline"),
        pytest.param(cbor2.dumps(BASE_V2) * 2, "byte(s) after the one CBOR", id="two-items"),
        pytest.param(
            cbor2.dumps(cbor2.CBORTag(55799, BASE_V2)), "CBOR tag 55799 at byte 0", id="self-tag"
        ),
        pytest.param(
            cbor2.dumps({**BASE_V2, "count": [cbor2.CBORTag(2, b"\x03")]}),
            "CBOR tag 2",
            id="bignum",
        ),
        pytest.param(cbor2.dumps(BASE_V2_ANY | {1: 2}), "CBOR map key 1 is not text", id="int-key"),
        pytest.param(
            cbor2.dumps(BASE_V2_ANY | {b"k": 2}), "CBOR map key b'k' is not text", id="bytes-key"
        ),
    ],
)
def test_v2_framing_problems(content: bytes, problem: str) -> None:
    result = v2(content)
    assert [p for p in result.parse_problems if problem in p], result.parse_problems


def test_v2_duplicate_key_is_a_problem_though_cbor2_keeps_the_last() -> None:
    body = cbor2.dumps(BASE_V2)
    twice = bytes([body[0] + 1]) + body[1:] + cbor2.dumps("count") + cbor2.dumps([3])
    result = v2(twice)
    assert result.parse_problems == ["CBOR map key 'count' appears twice"]
    assert result.count == (3,)


def test_v2_self_described_map_still_parses() -> None:
    """cbor2 gives a frozendict (tuples inside) for a tagged map: the fields come out alike."""
    result = v2(cbor2.dumps(cbor2.CBORTag(55799, BASE_V2)))
    assert result.parse_problems == ["CBOR tag 55799 at byte 0"]
    assert (result.shape, result.count, result.dtype) == ((3,), (3,), "int32")


def test_v2_indefinite_lengths_are_well_formed() -> None:
    pairs = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in BASE_V2.items())
    result = v2(b"\xbf" + pairs.replace(b"\x63int32", b"\x7f\x62in\x63t32\xff") + b"\xff")
    assert result.parse_problems == []
    assert result.dtype == "int32" and result.values().tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xbf\x61a\x01", id="indefinite-map-without-break"),
        pytest.param(b"\x5f\x41a\x61b\xff", id="text-chunk-in-a-byte-string"),
        pytest.param(b"\x9f" * 3000, id="nested-too-deep"),
        pytest.param(b"\x1c", id="reserved-additional-information"),
        pytest.param(b"\x5a\x00\x00\x01\x00", id="string-past-the-end"),
        pytest.param(b"\xf8\x01", id="two-byte-simple-value-under-32"),
        pytest.param(b"\x81", id="array-without-its-item"),
    ],
)
def test_v2_malformed_cbor_is_a_problem_not_an_exception(content: bytes) -> None:
    result = v2(content)
    assert len(result.parse_problems) == 1, result.parse_problems
    assert result.parse_problems[0].startswith("body is not CBOR: ")
    assert result.payload is None


@pytest.mark.parametrize(
    "changes, problem",
    [
        pytest.param({"shape": [3.0]}, "CBOR shape [3.0] is not a list of non-negative", id="f"),
        pytest.param({"shape": [-3]}, "CBOR shape [-3] is not a list of non-negative", id="neg"),
        pytest.param({"shape": "3"}, "CBOR shape '3' is not a list", id="text-shape"),
        pytest.param({"count": [False]}, "CBOR count [False] is not a list of integers", id="b"),
        pytest.param({"count": None}, "CBOR count None is not a list of integers", id="null"),
        pytest.param({"bytes": [1, 2]}, "CBOR bytes is a list, not a byte string", id="bytes"),
        pytest.param(
            {"shape_as_bytes": [3]}, "CBOR shape_as_bytes is a list, not a byte string", id="sab"
        ),
        pytest.param(
            {"count_as_bytes": "x"}, "CBOR count_as_bytes is a str, not a byte string", id="cab"
        ),
    ],
)
def test_v2_values_of_the_wrong_cbor_type(changes: dict[str, Any], problem: str) -> None:
    result = v2({**BASE_V2, **changes})
    assert [p for p in result.parse_problems if problem in p], result.parse_problems


def test_v2_bytes_of_wrong_cbor_type_give_no_data() -> None:
    result = v2({**BASE_V2, "bytes": "text, not a byte string"})
    assert result.data == b""


@pytest.mark.parametrize(
    "header, text, problem",
    [
        ("x_activestorage_shape", "[2.0]", "x-activestorage-shape [2.0] is not a list of non-neg"),
        ("x_activestorage_shape", "[-1]", "x-activestorage-shape [-1] is not a list of non-neg"),
        ("x_activestorage_shape", "[true]", "x-activestorage-shape [True] is not a list of non-"),
        ("x_activestorage_shape", "3", "x-activestorage-shape 3 is not a list"),
        ("x_activestorage_count", "true", "x-activestorage-count True is not a list of integers"),
        ("x_activestorage_count", "[1.0]", "x-activestorage-count [1.0] is not a list of integ"),
        ("x_activestorage_count", '"3"', "x-activestorage-count '3' is not a list of integers"),
    ],
)
def test_v1_header_values_of_the_wrong_json_type(header: str, text: str, problem: str) -> None:
    """Python has 1.0 == 1 and True == 1: only a type check tells a float or bool from an int."""
    headers = {"x_activestorage_dtype": "int32", "x_activestorage_shape": "[3]", header: text}
    result = v1(INT32_123, **headers)
    assert [p for p in result.parse_problems if problem in p], result.parse_problems
    assert (result.shape if "shape" in header else result.count) is None


def test_v1_negative_counts_are_integers_still() -> None:
    """count is a list of ints (signed, like count_as_bytes): its values are the oracle's job."""
    result = v1(INT32_123, x_activestorage_shape="[3]", x_activestorage_count="[-1]")
    assert result.count == (-1,) and result.parse_problems == []


@pytest.mark.parametrize(
    "length, problem",
    [
        pytest.param(None, "no Content-Length header", id="absent"),
        pytest.param("11", "content-length 11 != body length 12", id="wrong"),
        pytest.param("+12", "content-length '+12' is not a decimal byte count", id="signed"),
        pytest.param("12, 12", "is not a decimal byte count", id="joined-repeat"),
    ],
)
def test_v1_content_length(length: str | None, problem: str) -> None:
    headers = {"content-type": "application/octet-stream", "x-activestorage-shape": "[3]"}
    if length is not None:
        headers["content-length"] = length
    result = parse_response("v1", exchange(headers=headers, content=INT32_123))
    assert [p for p in result.parse_problems if problem in p], result.parse_problems


def test_content_length_of_an_encoded_body_is_not_compared() -> None:
    """requests decodes gzip; Content-Length counts the encoded bytes."""
    headers = {"content-length": "5", "content-encoding": "gzip", "x-activestorage-shape": "[3]"}
    result = parse_response("v1", exchange(headers=headers, content=INT32_123))
    assert result.parse_problems == []


def test_v2_needs_no_content_length_but_must_match_one_it_sends() -> None:
    body = cbor2.dumps(BASE_V2)
    assert v2(body).parse_problems == []
    headers = {"content-type": "application/cbor", "content-length": str(len(body) - 1)}
    result = parse_response("v2", exchange(headers=headers, content=body))
    assert result.parse_problems == [f"content-length {len(body) - 1} != body length {len(body)}"]


def test_v2_answer_carrying_v1_headers() -> None:
    headers = {"content-type": "application/cbor", "x-activestorage-shape": "[3]"}
    result = parse_response("v2", exchange(headers=headers, content=cbor2.dumps(BASE_V2)))
    assert result.parse_problems == [
        "v2 answer carries v1 headers ['x-activestorage-shape'] (spec 4.2: none)"
    ]


def test_repeated_headers_are_problems() -> None:
    repeated = {"content-type": 2, "x-activestorage-count": 3, "set-cookie": 2}
    sent = exchange(headers={"content-type": "application/cbor"}, content=cbor2.dumps(BASE_V2))
    result = parse_response("v2", dataclasses.replace(sent, repeated_headers=repeated))
    assert result.parse_problems == [
        "header content-type sent 2 times",
        "header x-activestorage-count sent 3 times",
    ]


# --- error responses ------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_json_error_body_is_parsed(api: Api) -> None:
    body = {"error": {"message": "request data is not valid", "caused_by": ["dtype: unknown"]}}
    headers = {"content-type": "application/json"}
    result = parse_response(api, exchange(400, headers, json.dumps(body, indent=2).encode()))
    assert result.status == 400
    assert result.content_type == "application/json"
    assert result.error_body == body
    assert result.dtype is None and result.data == b""


def test_non_json_error_body_is_kept_as_text() -> None:
    result = parse_response("v2", exchange(500, {"content-type": "text/plain"}, b"panic \xff"))
    assert result.error_body == "panic \ufffd"


def test_empty_404_body_from_the_router() -> None:
    result = parse_response("v2", exchange(404, {}, b""))
    assert (result.status, result.error_body, result.content_type) == (404, "", "")


def test_no_response_at_all() -> None:
    result = parse_response("v2", exchange(None))
    assert result.status is None
    assert "no HTTP response" in result.exchange.describe()


# --- the values of a result -----------------------------------------------------------------------


def test_values_honour_a_big_endian_byte_order() -> None:
    data = np.array([1, 256, -2], dtype=">i4").tobytes()
    result = v2({**BASE_V2, "bytes": data, "byte_order": "big"})
    assert result.values().tolist() == [1, 256, -2]
    wrong = v2({**BASE_V2, "bytes": data, "byte_order": "little"})
    assert wrong.values().tolist() != [1, 256, -2]


def test_values_honour_the_layout() -> None:
    data = np.array([1, 4, 2, 5, 3, 6], dtype="<i4").tobytes()
    result = v2({**BASE_V2, "bytes": data, "shape": [2, 3], "count": [6]})
    assert result.values("F").tolist() == [[1, 2, 3], [4, 5, 6]]
    assert result.values("C").tolist() == [[1, 4, 2], [5, 3, 6]]


# --- reproducers ----------------------------------------------------------------------------------


def test_curl_masks_the_password_and_reproduces_the_body() -> None:
    body = json.dumps({"dtype": "int32", "note": 'it\'s "quoted" $HOME'}).encode()
    ex = exchange(body=body, auth=("alice", "s3cr3t-pass"))
    command = ex.curl()
    assert "s3cr3t-pass" not in command
    words = shlex.split(command)
    assert words[:2] == ["curl", "-sS"]
    assert "http://127.0.0.1:8080/v2/sum" in words
    assert words[words.index("-u") + 1] == "alice:****"
    assert words[words.index("-H") + 1] == "Content-Type: application/json"
    assert words[words.index("--data-binary") + 1].encode() == body
    assert "s3cr3t-pass" not in ex.describe()


def test_curl_without_auth_or_content_type_and_with_a_ca_cert() -> None:
    ex = HttpExchange("https://h/v2/max", b"{}", None, None, "/tmp/ca.pem", 200, {}, b"")
    words = shlex.split(ex.curl())
    assert "-u" not in words and "-H" not in words
    assert words[words.index("--cacert") + 1] == "/tmp/ca.pem"


# --- the HTTP client, with a fake session (no network) --------------------------------------------


class FakeResponse:
    status_code = 200
    headers = {"Content-Type": "application/cbor"}
    content = cbor2.dumps(BASE_V2)


class FakeSession:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append({"url": url, **kwargs})
        if self.error is not None:
            raise self.error
        return FakeResponse()


def client_with(session: FakeSession, api: Api = "v2", slash: bool = False) -> ServerClient:
    client = ServerClient("http://127.0.0.1:8080/", api, 2.5, trailing_slash=slash)
    client._local.session = session
    return client


def test_post_sends_json_with_a_timeout_and_parses_the_answer() -> None:
    session = FakeSession()
    result = client_with(session).post("sum", {"dtype": "int32"}, ("u", "p"))
    (call,) = session.calls
    assert call["url"] == "http://127.0.0.1:8080/v2/sum"
    assert call["timeout"] == 2.5
    assert call["auth"] == ("u", "p")
    assert call["headers"] == {"Content-Type": "application/json"}
    assert json.loads(call["data"]) == {"dtype": "int32"}
    assert result.status == 200 and result.values().tolist() == [1, 2, 3]
    assert result.content_type == "application/cbor"  # header names are lower-cased


def test_post_turns_a_dropped_connection_into_status_none() -> None:
    session = FakeSession(requests.ConnectionError("connection reset"))
    client = client_with(session)
    result = client.post("max", b"not json", None, content_type=None)
    assert result.status is None
    assert result.exchange.transport_error is not None
    assert "connection reset" in result.exchange.transport_error
    assert session.calls[0]["headers"] == {}
    assert client.session is not session, "a broken session is replaced"


@pytest.mark.parametrize(
    "api, slash, url",
    [
        ("v1", False, "http://127.0.0.1:8080/v1/count"),
        ("v1", True, "http://127.0.0.1:8080/v1/count/"),
        ("v2", False, "http://127.0.0.1:8080/v2/count"),
    ],
)
def test_operation_urls(api: Api, slash: bool, url: str) -> None:
    assert client_with(FakeSession(), api, slash).url_for("count") == url


@pytest.mark.parametrize("ca_cert, verify", [("/tmp/ca.pem", "/tmp/ca.pem"), (None, True)])
def test_each_request_verifies_tls_with_the_ca_cert(ca_cert: str | None, verify: object) -> None:
    """verify goes with every request: a Session.verify loses to REQUESTS_CA_BUNDLE."""
    session = FakeSession()
    client = ServerClient("https://h", "v2", 1.0, ca_cert=ca_cert)
    client._local.session = session
    client.post("sum", {"dtype": "int32"}, None)
    assert session.calls[0]["verify"] == verify


class _RepeatingHandler(BaseHTTPRequestHandler):
    """Answers a v1 result whose dtype header comes twice, over a real loopback socket."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(INT32_123)))
        self.send_header("X-Activestorage-Dtype", "int32")
        self.send_header("x-activestorage-dtype", "int32")
        self.send_header("x-activestorage-shape", "[3]")
        self.end_headers()
        self.wfile.write(INT32_123)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_repeated_headers_are_counted_from_the_real_http_stack() -> None:
    """requests would hand over 'int32, int32'; urllib3's raw headers keep both lines."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RepeatingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = ServerClient(f"http://127.0.0.1:{server.server_address[1]}", "v1", 5.0)
        result = client.post("sum", {"dtype": "int32"}, None)
    finally:
        server.shutdown()
        server.server_close()
    assert result.exchange.repeated_headers == {"x-activestorage-dtype": 2}
    assert result.dtype == "int32, int32"
    assert result.parse_problems == ["header x-activestorage-dtype sent 2 times"]
