"""One HTTP/1.1 request over a kept-alive connection, with the standard library's http.client.

The suite sends thousands of small requests per run, and each costs the client more than the
server spends answering it: requests (sessions, adapters, hooks, environment look-ups) took
three times what http.client takes per call, a quarter of a run's own time. What the suite
needs is small: keep-alive, a timeout per request, TLS verified with a given CA, basic auth,
every header line as received, and no retries (an answer the server never gave must show).

Errors are the standard library's own: ``TimeoutError``, ``ConnectionRefusedError`` and other
``OSError``s (``ssl.SSLError`` among them), and ``http.client.HTTPException``.
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
        """Lower-cased names; a header sent more than once is joined with ", " (RFC 9110)."""
        joined: dict[str, str] = {}
        for name, value in self.header_lines:
            key = name.lower()
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        return joined


def _readable(sock: socket.socket) -> bool:
    """Whether an idle socket has something to read (an EOF, when the server closed it);
    poll, not select, so that descriptors above 1024 (a soak's many clients) work too."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


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

    def _pool(self) -> dict[str, http.client.HTTPConnection]:
        pool: dict[str, http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _connection(self, scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
        key = f"{scheme}://{netloc}"
        pool = self._pool()
        connection = pool.get(key)
        if connection is not None and connection.sock is not None and _readable(connection.sock):
            connection.close()  # closed by the server (or stray bytes): not to be trusted
        if connection is None:
            if scheme == "https":
                connection = http.client.HTTPSConnection(
                    netloc, timeout=timeout, context=self._tls_context()
                )
            elif scheme == "http":
                connection = http.client.HTTPConnection(netloc, timeout=timeout)
            else:
                raise http.client.InvalidURL(f"not an http or https URL: {key}")
            pool[key] = connection
        connection.timeout = timeout
        if connection.sock is not None:
            connection.sock.settimeout(timeout)
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
        connection = self._connection(parts.scheme, parts.netloc, timeout)
        reused = connection.sock is not None
        try:
            return self._exchange(connection, method, target, body, sent)
        except _CLOSED_UNDER_US:
            if not reused:
                raise  # a fresh connection closed unanswered: the server's doing
        # A kept-alive connection the server closed as the request went out (RFC 9112 9.3.1:
        # these reads are idempotent, so it is sent once more, on a connection of its own).
        return self._exchange(connection, method, target, body, sent)

    @staticmethod
    def _exchange(
        connection: http.client.HTTPConnection,
        method: str,
        target: str,
        body: bytes | None,
        headers: dict[str, str],
    ) -> RawAnswer:
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except BaseException:
            connection.close()  # whatever state it is in, the next request starts afresh
            raise
        return RawAnswer(response.status, tuple(response.getheaders()), content)

    def close(self) -> None:
        """Close this thread's connections."""
        for connection in self._pool().values():
            connection.close()
        self._pool().clear()
