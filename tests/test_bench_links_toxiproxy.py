"""The link emulation against a real Toxiproxy 2.5.0 (skipped when its binary is not installed).

A tiny HTTP server on 127.0.0.1 is the upstream; the test's own Toxiproxy runs on a private port
and is stopped at the end. About 3 s.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bench.common import BenchmarkError
from bench.linkcheck import big_bytes_for
from bench.links import Link, emulated_links, http_probe
from bench.toxiproxy import find_binary, state_dir

API_PORT, UPSTREAM_PORT, FIRST_LINK_PORT = 8740, 8741, 8742
LINK = Link("test", 20.0, 50.0)  # 10% of 50 ms leaves room for a busy machine's jitter
BIG = big_bytes_for(LINK, seconds=0.25)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as S3 and the servers answer
    disable_nagle_algorithm = True  # else headers and body wait ~40 ms for a delayed ACK

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = bytes(BIG) if self.path == "/big" else b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def upstream() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", UPSTREAM_PORT), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{UPSTREAM_PORT}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def private_api(monkeypatch: pytest.MonkeyPatch) -> None:
    if find_binary(state_dir()) is None:
        pytest.skip("toxiproxy-server-2.5.0 not installed (scripts/run-toxiproxy.sh --install)")
    monkeypatch.setenv("ACTIVESTORAGE_TOXIPROXY_PORT", str(API_PORT))


@pytest.mark.usefixtures("private_api")
def test_emulated_link_measures_as_configured(upstream: str) -> None:
    with emulated_links({"web": upstream}, first_port=FIRST_LINK_PORT, last_port=8745) as links:
        linked = links.url("web")
        assert linked == f"http://127.0.0.1:{FIRST_LINK_PORT}"
        links.apply(LINK)
        check = links.check(
            "web", http_probe("/small", "/big"), small_repeats=7, big_repeats=2, tune=False
        )
        proxies = requests.get(f"http://127.0.0.1:{API_PORT}/proxies", timeout=5).json()
        assert set(proxies) == set(links.proxies.values())
    assert check.ok, check.problems()
    assert check.big_bytes == BIG
    with pytest.raises(requests.ConnectionError):  # the proxy and its Toxiproxy are gone
        requests.get(linked + "/small", timeout=5)


def test_missing_toxiproxy_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTIVESTORAGE_TOXIPROXY_PORT", str(API_PORT))
    with pytest.raises(BenchmarkError) as error:
        with emulated_links({"web": "http://127.0.0.1:1"}, state_dir=tmp_path):
            pass
    message = str(error.value)
    assert "not installed in" in message and "run-toxiproxy.sh --install" in message
    assert "\n" not in message
