"""The fault proxy: an HTTP server on 127.0.0.1 that plays one fault in front of a real server.

Every request is read whole, handed to the fault's player with a ``forward`` function (one fresh
upstream connection per call, so an upstream that drops a connection is seen as exactly that and
mirrored to the client), and the outcome is written back with a correct Content-Length, or the
client connection is closed unanswered. Keep-alive towards the client works as with the real
server. Statistics (requests, requests the fault altered, fault errors) are printed as one JSON
line when the proxy stops, for the mutation-score runner.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Sequence
from urllib.parse import urlsplit

from compliance.settings import load_settings

from .catalog import CATALOG, FAULTS, Context, Fault, get
from .registry import Held, Outcome, Truncated
from .messages import Request, Response, error_response

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}
LISTENING = "fault-proxy: listening on"
#: The longest a held request is held when its client never gives up.
HOLD_LIMIT = 600.0
STATS = "fault-proxy: stats"


class UpstreamDropped(Exception):
    """The upstream server closed the connection (or timed out) without an HTTP answer."""


class Upstream:
    """Forwards requests to the real server; a new connection per request."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.netloc = parts.netloc
        self.timeout = timeout

    def __call__(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k not in HOP_BY_HOP}
        headers["host"] = self.netloc
        headers["connection"] = "close"
        if request.body or request.method in ("POST", "PUT", "PATCH"):
            headers["content-length"] = str(len(request.body))
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(
                request.method, self.prefix + request.path, body=request.body, headers=headers
            )
            answer = connection.getresponse()
            body = answer.read()
        except (OSError, http.client.HTTPException) as error:
            raise UpstreamDropped(f"{type(error).__name__}: {error}") from None
        finally:
            connection.close()
        kept = {k.lower(): v for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP}
        return Response(answer.status, kept, body)


class Stats:
    """Counters shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values = {"requests": 0, "altered": 0, "dropped": 0, "held": 0, "fault_errors": 0}

    def add(self, name: str) -> None:
        with self.lock:
            self.values[name] += 1


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port: int, fault: Fault, upstream: Upstream, context: Context) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.fault = fault
        self.upstream = upstream
        self.context = context
        self.stats = Stats()
        self.verbose = False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no delayed-ACK stalls
    server: FaultProxy

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.relay()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_GET  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def relay(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        server = self.server
        server.stats.add("requests")
        upstream_calls: list[tuple[Request, Response | None]] = []

        def forward(sent: Request) -> Response:
            try:
                response = server.upstream(sent)
            except UpstreamDropped:
                upstream_calls.append((sent, None))
                raise
            upstream_calls.append((sent, response))
            return response

        outcome: Outcome
        try:
            outcome = server.fault.play(request, forward, server.context)
        except UpstreamDropped:
            outcome = None  # mirror the real server: no answer
        except Exception:
            server.stats.add("fault_errors")
            sys.stderr.write(f"fault-proxy: fault {server.fault.name} failed on {request.path}\n")
            traceback.print_exc()
            outcome = error_response(502, f"fault proxy: fault {server.fault.name} failed")
        if _altered(request, upstream_calls, outcome):
            server.stats.add("altered")
        if outcome is None:
            server.stats.add("dropped")
            self.drop()
        elif isinstance(outcome, Held):
            server.stats.add("held")
            self.hold()
        elif isinstance(outcome, Truncated):
            self.answer(outcome.response, outcome.sent)
            self.drop()
        else:
            self.answer(outcome)

    def answer(self, response: Response, sent: int | None = None) -> None:
        """Write the answer; with ``sent``, only that much of its body (for a truncation)."""
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name not in HOP_BY_HOP and name not in ("server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body if sent is None else response.body[:sent])
            self.wfile.flush()

    def hold(self) -> None:
        """Answer nothing until the client closes the connection (or HOLD_LIMIT passes)."""
        self.close_connection = True
        self.connection.settimeout(HOLD_LIMIT)
        try:
            while self.connection.recv(65536):
                pass
        except OSError:
            pass

    def drop(self) -> None:
        """Close the client connection without a byte of answer, as a crashed handler does."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _altered(
    request: Request, calls: list[tuple[Request, Response | None]], outcome: Outcome
) -> bool:
    """Whether the fault changed anything: what went upstream, or what comes back."""
    if len(calls) != 1:
        return True
    sent, received = calls[0]
    return sent != request or received != outcome


def list_faults() -> str:
    width = max(len(f.name) for f in FAULTS)
    lines = [f"{len(FAULTS)} faults (side, name, what the server gets wrong):"]
    for side in ("request", "response", "error", "transport"):
        for item in (f for f in FAULTS if f.side == side):
            only = "" if len(item.apis) > 1 else f" ({item.apis[0]} only)"
            lines.append(f"  {side:<8}  {item.name:<{width}}  {item.description}{only}")
    return "\n".join(lines)


def _credentials(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError("expected USER:PASSWORD")
    return user, password


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    # Credentials default to the suite's effective settings (config.py, then ACTIVESTORAGE_* env).
    suite = load_settings(environ=os.environ)
    parser = argparse.ArgumentParser(
        prog="fault-proxy.py",
        description="An HTTP proxy on 127.0.0.1 that plays one named server bug (fault) in front "
        "of a real active storage server, for v1 and v2 requests alike.",
        epilog="Example: scripts/fault-proxy.py --fault ignore-selection --port 8090, then "
        ".venv/bin/pytest compliance -m selection --proxy-url http://127.0.0.1:8090",
    )
    parser.add_argument("--list", action="store_true", help="print the faults and exit")
    parser.add_argument(
        "--fault", default="none", help="fault to play (default: none, a transparent proxy)"
    )
    parser.add_argument(
        "--upstream",
        default="http://127.0.0.1:8080",
        help="the real server (default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (default: 0, any free port)"
    )
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per upstream request")
    parser.add_argument(
        "--s3-auth",
        type=_credentials,
        default=(suite.aws_id, suite.aws_password),
        metavar="USER:PASSWORD",
        help="S3 credentials for faults that use them (default: the suite's AWS_ID/AWS_PASSWORD)",
    )
    parser.add_argument(
        "--http-auth",
        type=_credentials,
        default=(suite.http_username, suite.http_password),
        metavar="USER:PASSWORD",
        help="HTTP store credentials (default: the suite's HTTP_USERNAME/HTTP_PASSWORD)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print(list_faults())
        return 0
    try:
        fault = get(args.fault)
        upstream = Upstream(args.upstream, args.timeout)
    except (KeyError, ValueError) as error:
        print(f"fault-proxy: {error.args[0]}", file=sys.stderr)
        return 2
    context = Context(s3_auth=args.s3_auth, http_auth=args.http_auth)
    try:
        server = FaultProxy(args.port, fault, upstream, context)
    except OSError as error:
        print(f"fault-proxy: cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 2
    server.verbose = args.verbose
    signal.signal(signal.SIGTERM, _stop)
    port = server.server_address[1]
    print(f"{LISTENING} http://127.0.0.1:{port} fault {fault.name} -> {args.upstream}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        print(f"{STATS} {json.dumps(server.stats.values)}", flush=True)
    return 0


__all__ = ["CATALOG", "LISTENING", "STATS", "FaultProxy", "Upstream", "list_faults", "main"]


if __name__ == "__main__":
    sys.exit(main())
