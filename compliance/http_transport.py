"""One HTTP/1.1 request over a kept-alive connection: a socket, and a small reader of our own.

The suite sends thousands of small requests per run, and each costs the client more than the
server spends answering it: requests (sessions, adapters, hooks, environment look-ups) took six
times what http.client takes per call, and http.client (its header parsing goes through the
email package) twice what this module takes (0.111 against 0.054 ms of CPU for a small GET
on this machine). What the suite needs is small: keep-alive, a timeout per request, TLS verified
with a given CA, basic auth, every header line as received, Content-Length and chunked bodies,
and no retries (an answer the server never gave must show).

Errors are the standard library's own: ``TimeoutError``, ``ConnectionRefusedError`` and other
``OSError``s (``ssl.SSLError`` among them), and http.client's exceptions for a broken answer
(``RemoteDisconnected``: no status line; ``BadStatusLine``; ``IncompleteRead``: a short body;
``LineTooLong``; ``HTTPException`` for the rest).
"""

from __future__ import annotations

import base64
import http.client
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urljoin, urlsplit

#: What a failed exchange raises: the socket's errors (timeouts, refusals, resets, TLS) and
#: http.client's (a malformed or missing status line, a short body).
TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


#: How a kept-alive connection that the server has closed meets the next request: no status
#: line at all, or a reset or broken pipe while sending.
_CLOSED_UNDER_US = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass(frozen=True)
class RawAnswer:
    """An HTTP answer as it came: status, every header line in order (repeats kept), body."""

    status: int
    header_lines: tuple[tuple[str, str], ...]
    content: bytes

    def headers(self) -> dict[str, str]:
        return joined_fields(self.header_lines)


def joined_fields(lines: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Lower-cased names; a header sent more than once is joined with ", " (RFC 9110)."""
    joined: dict[str, str] = {}
    for name, value in lines:
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    return joined


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read (an EOF, when the server closed it);
    poll, not select, so that descriptors above 1024 (a soak's many clients) work too."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


#: Bounds on an answer's head, as http.client's: a longer line or more headers is an error.
MAX_LINE = 65536
MAX_HEADERS = 100
#: A body up to this size goes out in the same send as the request line and headers.
ONE_SEND = 65536
_RECEIVE = 262144


class _Connection:
    """One HTTP/1.1 connection to one scheme, host and port, opened when first used.

    The answer is read from a buffer of this connection's own, so bytes the server sent beyond
    an answer are seen (and the connection not trusted again) before the next request.
    """

    def __init__(self, scheme: str, netloc: str, tls: ssl.SSLContext | None) -> None:
        parts = urlsplit(f"{scheme}://{netloc}")
        if not parts.hostname:
            raise http.client.InvalidURL(f"no host in {scheme}://{netloc}")
        self.netloc = netloc
        self.host = parts.hostname
        self.port = parts.port or (443 if tls is not None else 80)
        self.tls = tls
        self.sock: socket.socket | None = None
        self._buffer = bytearray()

    def usable(self) -> bool:
        """Open, with nothing unread and nothing arrived while idle (an EOF when closed)."""
        return self.sock is not None and not self._buffer and not _readable(self.sock)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self._buffer.clear()

    def exchange(
        self,
        method: str,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout: float,
    ) -> RawAnswer:
        """Send one request and read its whole answer; on any failure the connection closes."""
        try:
            if self.sock is None:
                self._open(timeout)
            assert self.sock is not None
            self.sock.settimeout(timeout)
            self._send(method, target, body, headers)
            return self._answer(method)
        except BaseException:
            self.close()
            raise

    def _open(self, timeout: float) -> None:
        sock = socket.create_connection((self.host, self.port), timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def _send(
        self, method: str, target: str, body: bytes | None, headers: Mapping[str, str]
    ) -> None:
        assert self.sock is not None
        names = {name.lower() for name in headers}
        lines = [f"{method} {target} HTTP/1.1"]
        if "host" not in names:
            lines.append(f"Host: {self.netloc}")
        if "accept-encoding" not in names:
            lines.append("Accept-Encoding: identity")  # as http.client: no compressed answers
        if "content-length" not in names and (body is not None or method in ("POST", "PUT")):
            lines.append(f"Content-Length: {len(body or b'')}")
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if body and len(body) <= ONE_SEND:
            self.sock.sendall(head + body)
        else:
            self.sock.sendall(head)
            if body:
                self.sock.sendall(body)

    def _answer(self, method: str) -> RawAnswer:
        while True:
            version, status = self._status_line()
            if not 100 <= status < 200 or status == 101:
                break
            self._header_lines()  # an interim answer (100 Continue): the real one follows
        lines = tuple(self._header_lines())
        fields = joined_fields(lines)
        close = "close" in fields.get("connection", "").lower() or version == "HTTP/1.0"
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            content = b""
        elif "chunked" in fields.get("transfer-encoding", "").lower():
            content = self._chunked()
        elif "content-length" in fields:
            content = self._exactly(_content_length(fields["content-length"]))
        else:
            content, close = self._until_closed(), True
        if close:
            self.close()
        return RawAnswer(status, lines, content)

    def _status_line(self) -> tuple[str, int]:
        line = self._line()
        if not line:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        parts = line.decode("iso-8859-1").strip().split(None, 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
            raise http.client.BadStatusLine(line.decode("iso-8859-1"))
        status = int(parts[1])
        if not 100 <= status <= 999:
            raise http.client.BadStatusLine(line.decode("iso-8859-1"))
        return parts[0], status

    def _header_lines(self) -> list[tuple[str, str]]:
        lines: list[tuple[str, str]] = []
        while True:
            line = self._line()
            if line in (b"\r\n", b"\n", b""):
                return lines
            text = line.decode("iso-8859-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and lines:  # an obsolete folded continuation
                name, value = lines[-1]
                lines[-1] = (name, f"{value} {text.strip()}")
                continue
            name, colon, value = text.partition(":")
            if not colon or not name.strip():
                raise http.client.HTTPException(f"malformed header line: {text!r}")
            lines.append((name, value.strip()))
            if len(lines) > MAX_HEADERS:
                raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")

    def _fill(self) -> bool:
        """Read what has arrived into the buffer; False at the end of the stream."""
        assert self.sock is not None
        data = self.sock.recv(_RECEIVE)
        self._buffer += data
        return bool(data)

    def _line(self) -> bytes:
        """One line with its ending; what is left, or b"", at the end of the stream."""
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                line = bytes(self._buffer[: end + 1])
                del self._buffer[: end + 1]
                return line
            if len(self._buffer) > MAX_LINE:
                raise http.client.LineTooLong("header line")
            if not self._fill():
                line = bytes(self._buffer)
                self._buffer.clear()
                return line

    def _exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            if not self._fill():
                raise http.client.IncompleteRead(bytes(self._buffer), size - len(self._buffer))
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _chunked(self) -> bytes:
        pieces: list[bytes] = []
        while True:
            line = self._line()
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise http.client.IncompleteRead(b"".join(pieces)) from None
            if size == 0:
                break
            pieces.append(self._exactly(size))
            self._exactly(2)  # the CRLF after each chunk
        while self._line() not in (b"\r\n", b"\n", b""):
            pass  # trailer fields: nothing the suite reads
        return b"".join(pieces)

    def _until_closed(self) -> bytes:
        while self._fill():
            pass
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _content_length(joined: str) -> int:
    """The body's length from its Content-Length field(s), repeats joined by ", "; they must
    agree (RFC 9112 6.3)."""
    distinct = {value.strip() for value in joined.split(",")}
    if len(distinct) != 1 or not next(iter(distinct)).isdigit():
        raise http.client.HTTPException(f"invalid Content-Length: {joined!r}")
    return int(distinct.pop())


def basic_auth(auth: tuple[str, str]) -> str:
    """The Authorization header value of HTTP basic authentication (RFC 7617, UTF-8)."""
    return "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")


class Connections:
    """The kept-alive connections of each thread, one per scheme, host and port.

    A connection the server closed while it sat idle is noticed before reuse (its socket reads
    as ready) and replaced, as urllib3 does. One the server closes just as a request goes out
    gets that request once more on a new connection; any other failure is never sent again.
    """

    def __init__(self, ca_cert: str | None = None) -> None:
        self.ca_cert = ca_cert
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context(cafile=self.ca_cert)
        return self._tls

    def _pool(self) -> dict[str, _Connection]:
        pool: dict[str, _Connection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _connection(self, scheme: str, netloc: str) -> _Connection:
        key = f"{scheme}://{netloc}"
        pool = self._pool()
        connection = pool.get(key)
        if connection is not None and connection.sock is not None and not connection.usable():
            connection.close()  # closed by the server (or stray bytes): not to be trusted
        if connection is None:
            if scheme not in ("http", "https"):
                raise http.client.InvalidURL(f"not an http or https URL: {key}")
            tls = self._tls_context() if scheme == "https" else None
            connection = pool[key] = _Connection(scheme, netloc, tls)
        return connection

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        auth: tuple[str, str] | None = None,
        redirects: int = 0,
    ) -> RawAnswer:
        """Send one request and read the whole answer; raises one of TRANSPORT_ERRORS.

        Up to ``redirects`` 307/308 answers are followed with the same method and body (the
        two redirects that keep a POST a POST; the credentials go only to the same origin).
        """
        answer = self._once(method, url, body, headers, timeout, auth)
        origin = urlsplit(url)[:2]
        for _ in range(redirects):
            location = answer.headers().get("location")
            if answer.status not in (307, 308) or not location:
                break
            url = urljoin(url, location)
            same = urlsplit(url)[:2] == origin
            answer = self._once(method, url, body, headers, timeout, auth if same else None)
        return answer

    def _once(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float,
        auth: tuple[str, str] | None,
    ) -> RawAnswer:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = dict(headers or {})
        if auth is not None:
            sent["Authorization"] = basic_auth(auth)
        connection = self._connection(parts.scheme, parts.netloc)
        reused = connection.sock is not None
        try:
            return connection.exchange(method, target, body, sent, timeout)
        except _CLOSED_UNDER_US:
            if not reused:
                raise  # a fresh connection closed unanswered: the server's doing
        # A kept-alive connection the server closed as the request went out (RFC 9112 9.3.1:
        # these reads are idempotent, so it is sent once more, on a connection of its own).
        return connection.exchange(method, target, body, sent, timeout)

    def close(self) -> None:
        """Close this thread's connections."""
        for connection in self._pool().values():
            connection.close()
        self._pool().clear()
