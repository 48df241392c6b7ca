"""How compliance.http_transport reads answers a real socket sends byte for byte: chunked and
to-the-close bodies, interim answers, folded and repeated fields, and the broken answers that
must raise (a short body, disagreeing lengths, no status line), with the connection then not
used again. tests/test_http_transport.py covers the rest against http.server."""

from __future__ import annotations

import http.client
import socket
import threading
from dataclasses import dataclass, field
from typing import Iterator

import pytest

from compliance.http_transport import Connections


@dataclass
class Canned:
    """A loopback server that answers the n-th request of all with ``answers[n]`` as given,
    then closes the connection when ``close_after`` says so; it counts connections."""

    answers: list[bytes]
    close_after: set[int] = field(default_factory=set)
    heads: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0


def _head(conn: socket.socket, buffer: bytearray) -> bytes | None:
    while b"\r\n\r\n" not in buffer:
        data = conn.recv(65536)
        if not data:
            return None
        buffer += data
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(rest) < length:
        rest += conn.recv(65536)
    buffer[:] = rest[length:]
    return head


def _serve(canned: Canned, listener: socket.socket) -> None:
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        canned.connections += 1
        buffer = bytearray()
        with conn:
            while True:
                head = _head(conn, buffer)
                if head is None or not canned.answers:
                    break
                canned.heads.append(head)
                index = len(canned.heads) - 1
                conn.sendall(canned.answers.pop(0))
                if index in canned.close_after:
                    break


@pytest.fixture
def canned() -> Iterator[Canned]:
    listener = socket.create_server(("127.0.0.1", 0))
    server = Canned([])
    server.port = listener.getsockname()[1]
    threading.Thread(target=_serve, args=(server, listener), daemon=True).start()
    yield server
    listener.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def _get(canned: Canned, connections: Connections, method: str = "GET") -> tuple[int, bytes]:
    answer = connections.request(method, f"http://127.0.0.1:{canned.port}/x", timeout=5)
    return answer.status, answer.content


def test_a_chunked_body_with_extensions_and_trailers(canned: Canned) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"4;name=value\r\nabcd\r\n3\r\nefg\r\n0\r\nExpires: never\r\n\r\n"
    )
    canned.answers += [chunked, OK]
    connections = Connections()
    assert _get(canned, connections) == (200, b"abcdefg")
    assert _get(canned, connections) == (200, b"ok") and canned.connections == 1


def test_an_interim_answer_is_skipped(canned: Canned) -> None:
    canned.answers.append(b"HTTP/1.1 100 Continue\r\n\r\n" + OK)
    assert _get(canned, Connections()) == (200, b"ok")


def test_a_body_without_length_ends_with_the_connection(canned: Canned) -> None:
    canned.answers += [b"HTTP/1.1 200 OK\r\n\r\nto the end", OK]
    canned.close_after.add(0)
    connections = Connections()
    assert _get(canned, connections) == (200, b"to the end")
    assert _get(canned, connections) == (200, b"ok") and canned.connections == 2


@pytest.mark.parametrize(
    "first",
    [
        OK + b"stray",  # bytes beyond the answer: the connection is not trusted again
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ],
    ids=["stray-bytes", "connection-close", "http-1.0"],
)
def test_the_next_request_gets_a_new_connection(canned: Canned, first: bytes) -> None:
    canned.answers += [first, OK]
    connections = Connections()
    assert _get(canned, connections) == (200, b"ok")
    assert _get(canned, connections) == (200, b"ok") and canned.connections == 2


def test_fields_as_received_folded_and_repeated(canned: Canned) -> None:
    canned.answers.append(
        b"HTTP/1.1 200 OK\r\nX-A: one\r\n  two\r\nx-b: 1\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n"
    )
    answer = Connections().request("GET", f"http://127.0.0.1:{canned.port}/", timeout=5)
    assert answer.header_lines[:3] == (("X-A", "one two"), ("x-b", "1"), ("X-B", "2"))
    assert answer.headers()["x-b"] == "1, 2"


@pytest.mark.parametrize(
    "broken, error",
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", http.client.IncompleteRead),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk",
            http.client.HTTPException,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            http.client.IncompleteRead,
        ),
        (b"", http.client.RemoteDisconnected),
        (b"NOT HTTP\r\n\r\n", http.client.BadStatusLine),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", http.client.HTTPException),
    ],
    ids=[
        "short-body",
        "two-lengths",
        "bad-chunk-size",
        "no-status-line",
        "bad-status",
        "bad-field",
    ],
)
def test_a_broken_answer_raises_and_closes(
    canned: Canned, broken: bytes, error: type[Exception]
) -> None:
    canned.answers += [broken, OK]
    canned.close_after.add(0)
    connections = Connections()
    with pytest.raises(error):
        _get(canned, connections)
    assert _get(canned, connections) == (200, b"ok") and canned.connections == 2


def test_what_is_sent(canned: Canned) -> None:
    canned.answers.append(OK)
    assert _get(canned, Connections(), method="POST") == (200, b"ok")
    lines = canned.heads[0].decode().split("\r\n")
    assert lines[0] == "POST /x HTTP/1.1"
    assert set(lines[1:]) == {
        f"Host: 127.0.0.1:{canned.port}",
        "Accept-Encoding: identity",
        "Content-Length: 0",
    }
