"""The fault proxy over real sockets: 127.0.0.1 only, in front of a stub upstream in a thread."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator

import cbor2
import pytest
import requests

from compliance.client import (
    GIVE_UP_AFTER,
    MIN_BYTES_PER_SECOND,
    STOPPED_ANSWERING,
    ServerClient,
    timeout_for,
)
from faults.catalog import CATALOG
from faults.proxy import FaultProxy, Upstream

from tests.faults_support import S3, make_answer, CONTEXT, ERROR_400


class _Stub(BaseHTTPRequestHandler):
    """Answers like a v2 server: a CBOR sum of 6, a 400 for dtype int8, no answer for 'crash',
    and for 'hold' none within a second."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("dtype") == "crash":
            self.close_connection = True
            self.connection.close()
            return
        if body.get("dtype") == "hold":
            time.sleep(1)
        if body.get("dtype") == "int8":
            response = ERROR_400
        else:
            response = make_answer("v2", 6, "int32", [3])
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy_for() -> Iterator[Callable[[str], str]]:
    servers: list[ThreadingHTTPServer] = []
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    servers.append(stub)
    threading.Thread(target=stub.serve_forever, args=(0.05,), daemon=True).start()

    def start(name: str) -> str:
        upstream = Upstream(f"http://127.0.0.1:{stub.server_address[1]}", timeout=5)
        proxy = FaultProxy(0, CATALOG[name], upstream, CONTEXT)
        servers.append(proxy)
        threading.Thread(target=proxy.serve_forever, args=(0.05,), daemon=True).start()
        return f"http://127.0.0.1:{proxy.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _post(url: str, dtype: str) -> requests.Response:
    body = json.dumps({"interface_type": "s3", "url": f"{S3}/b/k", "dtype": dtype})
    return requests.post(
        f"{url}/v2/sum", data=body, headers={"Content-Type": "application/json"}, timeout=5
    )


def test_proxy_is_transparent_without_a_fault(proxy_for: Callable[[str], str]) -> None:
    url = proxy_for("none")
    with requests.Session() as session:  # keep-alive: several requests on one connection
        for _ in range(3):
            body = json.dumps({"interface_type": "s3", "url": f"{S3}/b/k", "dtype": "int32"})
            response = session.post(
                f"{url}/v2/sum", data=body, headers={"Content-Type": "application/json"}, timeout=5
            )
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/cbor"
            assert cbor2.loads(response.content)["count"] == [3]
    refused = _post(url, "int8")
    assert refused.status_code == 400 and refused.json() == json.loads(ERROR_400.body)


def test_proxy_plays_its_fault(proxy_for: Callable[[str], str]) -> None:
    url = proxy_for("count-off-by-one")
    assert cbor2.loads(_post(url, "int32").content)["count"] == [4]


def test_proxy_drops_the_connection_when_the_fault_says_so(proxy_for: Callable[[str], str]) -> None:
    url = proxy_for("drop-connection-on-error")
    with pytest.raises(requests.ConnectionError):
        _post(url, "int8")
    assert _post(url, "int32").status_code == 200


def test_proxy_mirrors_an_upstream_that_drops_the_connection(
    proxy_for: Callable[[str], str],
) -> None:
    url = proxy_for("none")
    with pytest.raises(requests.ConnectionError):
        _post(url, "crash")


# --- a server in trouble (faults.transport) and what the suite's client makes of it ------------


def test_held_request_gets_no_answer_until_the_client_gives_up(
    proxy_for: Callable[[str], str],
) -> None:
    url = proxy_for("hold-every-request")
    with pytest.raises(requests.Timeout):
        requests.post(f"{url}/v2/sum", data=b"{}", timeout=0.3)
    assert requests.get(f"{url}/", timeout=5).status_code in (404, 405, 501)  # not a reduction


def test_truncated_answer_is_shorter_than_its_content_length(
    proxy_for: Callable[[str], str],
) -> None:
    url = proxy_for("truncate-answers")
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        _post(url, "int32")
    assert _post(url, "int8").status_code == 400  # errors pass whole


def test_reset_every_request_closes_every_reduction(proxy_for: Callable[[str], str]) -> None:
    url = proxy_for("reset-every-request")
    for dtype in ("int32", "int8"):
        with pytest.raises(requests.ConnectionError):
            _post(url, dtype)


def _sum_body(dtype: str = "int32") -> dict[str, str]:
    return {"interface_type": "s3", "url": f"{S3}/b/k", "dtype": dtype}


def test_client_stops_sending_once_the_server_stopped_answering(
    proxy_for: Callable[[str], str],
) -> None:
    url = proxy_for("hold-every-request")
    client = ServerClient(url, "v2", timeout=0.2)
    for _ in range(GIVE_UP_AFTER):
        result = client.post("sum", _sum_body(), None)
        assert "Timeout" in (result.exchange.transport_error or "")
    started = time.monotonic()
    result = ServerClient(url, "v2", timeout=0.2).post("sum", _sum_body(), None)  # a test's own
    assert time.monotonic() - started < 0.1
    assert (result.exchange.transport_error or "").startswith(STOPPED_ANSWERING)
    assert f"{url}/v2/sum (no answer in 0 s)" in (result.exchange.transport_error or "")


def test_an_answer_resets_the_count_of_unanswered_requests(
    proxy_for: Callable[[str], str],
) -> None:
    client = ServerClient(proxy_for("none"), "v2", timeout=0.2)
    for _ in range(2):
        for _ in range(GIVE_UP_AFTER - 1):
            assert client.post("sum", _sum_body("hold"), None).status is None
        assert client.post("sum", _sum_body(), None).status == 200
    assert client.answers.stopped_answering() is None


def test_request_timeout_grows_with_the_object() -> None:
    assert timeout_for(10.0, 0) == 10.0
    assert timeout_for(10.0, int(MIN_BYTES_PER_SECOND * 3)) == 13.0
