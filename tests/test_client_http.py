"""The client's error answers, result values, reproducers and HTTP calls (no network but
loopback)."""

from __future__ import annotations

import json
import shlex
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cbor2
import numpy as np
import pytest
import requests

from compliance.client import (
    Api,
    HttpExchange,
    ServerClient,
    parse_response,
)

from .client_answers import BASE_V2, INT32_123, exchange, v2

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
