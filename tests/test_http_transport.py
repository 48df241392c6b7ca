"""The suite's HTTP calls (compliance.http_transport through ServerClient.post), against a real
HTTP server on loopback: what is sent, keep-alive, redirects, dropped connections, timeouts,
repeated headers and TLS."""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterator

import cbor2
import pytest

from compliance.client import ServerClient, tracker_for
from compliance.http_transport import Connections

from .client_answers import BASE_V2, INT32_123

Handler = Callable[["_Handler"], None]


@dataclass
class Seen:
    """One request as the server got it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


@dataclass
class Loopback:
    """A loopback HTTP/1.1 server whose answer is ``answer``; it records what it got."""

    url: str
    seen: list[Seen] = field(default_factory=list)
    answer: Handler = field(default=lambda handler: handler.cbor(BASE_V2))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    loopback: Loopback

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        seen = Seen(self.command, self.path, headers, body, self.client_address[1])
        self.server.loopback.seen.append(seen)  # type: ignore[attr-defined]
        self.server.loopback.answer(self)  # type: ignore[attr-defined]

    do_GET = do_POST = _any  # noqa: N815 (http.server naming)

    def cbor(self, payload: dict[str, Any], status: int = 200) -> None:
        body = cbor2.dumps(payload)
        self.send_response(status)
        self.send_header("Content-Type", "application/cbor")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(server: ThreadingHTTPServer, scheme: str) -> Iterator[Loopback]:
    loopback = Loopback(f"{scheme}://127.0.0.1:{server.server_address[1]}")
    server.loopback = loopback  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield loopback
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    yield from _serve(ThreadingHTTPServer(("127.0.0.1", 0), _Handler), "http")


def test_post_sends_json_with_auth_and_parses_the_answer(loopback: Loopback) -> None:
    result = ServerClient(loopback.url, "v2", 2.5).post("sum", {"dtype": "int32"}, ("u", "p"))
    (seen,) = loopback.seen
    assert (seen.method, seen.path) == ("POST", "/v2/sum")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    assert json.loads(seen.body) == {"dtype": "int32"}
    assert result.status == 200 and result.values().tolist() == [1, 2, 3]
    assert result.content_type == "application/cbor"  # header names are lower-cased


def test_requests_share_one_kept_alive_connection(loopback: Loopback) -> None:
    client = ServerClient(loopback.url, "v2", 2.5)
    for _ in range(3):
        assert client.post("sum", {"dtype": "int32"}, None).status == 200
    assert len({seen.client_port for seen in loopback.seen}) == 1
    assert "authorization" not in loopback.seen[0].headers


def _answer_then_close(handler: _Handler) -> None:
    """Answer as if the connection stays open (no Connection: close), then close it."""
    handler.cbor(BASE_V2)
    handler.close_connection = True


def test_a_connection_the_server_closed_while_idle_is_replaced(loopback: Loopback) -> None:
    """The next request must not be sent into the dead socket (it would come back as no
    answer, a failure of the server's that never happened)."""
    loopback.answer = _answer_then_close
    client = ServerClient(loopback.url, "v2", 2.5)
    assert client.post("sum", {"dtype": "int32"}, None).status == 200
    time.sleep(0.2)  # the server's FIN arrives
    second = client.post("sum", {"dtype": "int32"}, None)
    assert second.status == 200, second.exchange.transport_error
    assert loopback.seen[0].client_port != loopback.seen[1].client_port


def _drop_the_second_request_of_a_connection(handler: _Handler) -> None:
    """The race of a server closing a kept-alive connection as the next request arrives."""
    served = getattr(handler, "served", 0)
    handler.served = served + 1  # type: ignore[attr-defined]
    if served == 0:
        handler.cbor(BASE_V2)
    else:
        handler.close_connection = True


def test_a_request_met_by_a_closing_kept_alive_connection_goes_once_more(
    loopback: Loopback,
) -> None:
    loopback.answer = _drop_the_second_request_of_a_connection
    client = ServerClient(loopback.url, "v2", 2.5)
    assert client.post("sum", {"dtype": "int32"}, None).status == 200
    second = client.post("sum", {"dtype": "int32"}, None)
    assert second.status == 200, second.exchange.transport_error
    ports = [seen.client_port for seen in loopback.seen]
    assert len(ports) == 3 and ports[0] == ports[1] != ports[2]


def _drop_without_answer(handler: _Handler) -> None:
    handler.close_connection = True


def test_a_dropped_connection_is_status_none_and_the_next_request_is_answered(
    loopback: Loopback,
) -> None:
    loopback.answer = _drop_without_answer
    client = ServerClient(loopback.url, "v2", 2.5)
    result = client.post("max", b"not json", None, content_type=None)
    assert result.status is None
    assert "RemoteDisconnected" in (result.exchange.transport_error or "")
    assert "content-type" not in loopback.seen[0].headers
    loopback.answer = lambda handler: handler.cbor(BASE_V2)
    assert client.post("max", {"dtype": "int32"}, None).status == 200
    assert len(loopback.seen) == 2, "a failed request is never sent again"


def test_a_timeout_is_status_none_and_counted_as_unanswered(loopback: Loopback) -> None:
    loopback.answer = lambda handler: time.sleep(1.0)
    client = ServerClient(loopback.url, "v2", 0.2)
    began = time.monotonic()
    result = client.post("sum", {"dtype": "int32"}, None)
    assert time.monotonic() - began < 0.9
    assert result.status is None and "TimeoutError" in (result.exchange.transport_error or "")
    assert tracker_for(loopback.url)._unanswered == [f"{loopback.url}/v2/sum (no answer in 0 s)"]


def _redirect_to_slash(handler: _Handler) -> None:
    if handler.path.endswith("/"):
        handler.cbor(BASE_V2)
        return
    handler.send_response(307)
    handler.send_header("Location", handler.path + "/")
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def test_a_307_is_followed_with_the_same_body_and_credentials(loopback: Loopback) -> None:
    loopback.answer = _redirect_to_slash
    result = ServerClient(loopback.url, "v1", 2.5).post("sum", {"dtype": "int32"}, ("u", "p"))
    assert result.status == 200
    first, second = loopback.seen
    assert (first.path, second.path) == ("/v1/sum", "/v1/sum/")
    assert second.method == "POST" and second.body == first.body
    assert second.headers["authorization"] == first.headers["authorization"]


def test_without_redirects_a_307_is_the_answer(loopback: Loopback) -> None:
    loopback.answer = _redirect_to_slash
    answer = Connections().request("POST", loopback.url + "/v1/sum", b"{}", timeout=2.5)
    assert answer.status == 307 and answer.headers()["location"] == "/v1/sum/"


def _repeat_a_header(handler: _Handler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(len(INT32_123)))
    handler.send_header("X-Activestorage-Dtype", "int32")
    handler.send_header("x-activestorage-dtype", "int32")
    handler.send_header("x-activestorage-shape", "[3]")
    handler.end_headers()
    handler.wfile.write(INT32_123)


def test_repeated_headers_are_counted_and_joined(loopback: Loopback) -> None:
    loopback.answer = _repeat_a_header
    result = ServerClient(loopback.url, "v1", 5.0).post("sum", {"dtype": "int32"}, None)
    assert result.exchange.repeated_headers == {"x-activestorage-dtype": 2}
    assert result.dtype == "int32, int32"
    assert result.parse_problems == ["header x-activestorage-dtype sent 2 times"]


def test_an_anonymous_request_stays_anonymous_with_a_netrc(
    loopback: Loopback, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HTTP library that reads the environment adds the credentials a netrc file names for
    the host, and a test of anonymous access would send them."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    ServerClient(loopback.url, "v2", 5.0).post("sum", {"dtype": "int32"}, None)
    assert "authorization" not in loopback.seen[0].headers


@pytest.fixture
def tls_loopback(tmp_path: Path) -> Iterator[tuple[Loopback, Path, Path]]:
    """A TLS loopback server, the CA that signed it and a CA that did not."""
    trustme = pytest.importorskip("trustme")
    ca, stranger = trustme.CA(), trustme.CA()
    ca_file, stranger_file = tmp_path / "ca.pem", tmp_path / "stranger.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    stranger.cert_pem.write_to_path(str(stranger_file))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    for loopback in _serve(server, "https"):
        yield loopback, ca_file, stranger_file


def test_tls_is_verified_with_the_ca_given(tls_loopback: tuple[Loopback, Path, Path]) -> None:
    loopback, ca_file, stranger_file = tls_loopback
    good = ServerClient(loopback.url, "v2", 5.0, ca_cert=str(ca_file))
    assert good.post("sum", {"dtype": "int32"}, None).status == 200
    wrong = ServerClient(loopback.url, "v2", 5.0, ca_cert=str(stranger_file))
    refused = wrong.post("sum", {"dtype": "int32"}, None)
    assert refused.status is None
    assert "certificate verify failed" in (refused.exchange.transport_error or "")
    assert len(loopback.seen) == 1
